package dev.runlaw.producers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runlaw.schema.ModelFacts;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.RunFinished;
import dev.runlaw.schema.RunStarted;
import dev.runlaw.schema.RunStatus;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.codec.TelemetryCodec;
import dev.runlaw.schema.validate.Limits;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** The trainer-facing logger over Kafka's {@link MockProducer}; the real broker is in RunLoggerIT. */
class RunLoggerTest {
    static RunStarted started(String run) {
        return RunStarted.newBuilder().setRunId(run).setFamilyId("fam").setStartedAtMs(1_700_000_000_000L)
                .setModel(new ModelFacts()).setPlannedTotalSteps(100).build();
    }

    private static List<SpecificRecord> decoded(MockProducer<byte[], byte[]> kafka) throws Exception {
        TelemetryCodec codec = new TelemetryCodec();
        List<SpecificRecord> out = new java.util.ArrayList<>();
        for (ProducerRecord<byte[], byte[]> r : kafka.history()) {
            out.add((SpecificRecord) codec.decode(RecordKind.forTopic(r.topic()).orElseThrow(), r.value()));
        }
        return out;
    }

    @Test
    void logsStepsWithRunIdAndClockAndFinishesWithTheLastStepOnClose() throws Exception {
        MockProducer<byte[], byte[]> kafka = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        AtomicLong clock = new AtomicLong(1_700_000_001_000L);
        try (TelemetryProducer p = new TelemetryProducer(kafka, Limits.defaults(), "", 1 << 20)) {
            try (RunLogger run = RunLogger.start(p, started("r1"), clock::get)) {
                assertThat(run.logStep(0, 4.0, 1e-4)).isTrue();
                clock.addAndGet(500);
                assertThat(run.logStep(1, Double.NaN, 2e-4, 4096)).isTrue(); // not measured: null loss
                assertThat(run.logStep(StepMetrics.newBuilder().setStep(2).setLr(3e-4).setLoss(3.5).setGradNorm(0.9)))
                        .isTrue();
                assertThat(run.logEval(2, "validation", 3.6)).isTrue();
                assertThat(run.lastStep()).isEqualTo(2);
            }
            p.flush();
        }
        List<SpecificRecord> sent = decoded(kafka);
        assertThat(sent).hasSize(6);
        assertThat(sent.get(0)).isEqualTo(started("r1"));
        StepMetrics s0 = (StepMetrics) sent.get(1);
        assertThat(s0.getRunId()).isEqualTo("r1");
        assertThat(s0.getWallTimeMs()).isEqualTo(1_700_000_001_000L);
        StepMetrics s1 = (StepMetrics) sent.get(2);
        assertThat(s1.getLoss()).isNull();
        assertThat(s1.getTokensSeen()).isEqualTo(4096);
        assertThat(s1.getWallTimeMs()).isEqualTo(1_700_000_001_500L);
        assertThat(((StepMetrics) sent.get(3)).getGradNorm()).isEqualTo(0.9);
        RunFinished fin = (RunFinished) sent.get(5);
        assertThat(fin.getFinalStep()).isEqualTo(2);
        assertThat(fin.getStatus()).isEqualTo(RunStatus.COMPLETED);
    }

    @Test
    void anInvalidValueIsCountedAndDroppedNeverThrownIntoTheTrainingLoop() throws Exception {
        MockProducer<byte[], byte[]> kafka = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        try (TelemetryProducer p = new TelemetryProducer(kafka, Limits.defaults(), "", 1 << 20)) {
            RunLogger run = RunLogger.start(p, started("r2"));
            assertThat(run.logStep(5, Double.POSITIVE_INFINITY, 1e-4)).isFalse();
            assertThat(run.logStep(6, 3.0, -1.0)).isFalse();
            assertThat(run.logStep(7, 3.0, 1e-4)).isTrue();
            assertThat(run.invalid()).isEqualTo(2);
            assertThat(run.finish(RunStatus.STOPPED_EARLY, "forecast says stop")).isTrue();
            run.close(); // already finished: nothing more
            p.flush();
        }
        List<SpecificRecord> sent = decoded(kafka);
        assertThat(sent).hasSize(3);
        RunFinished fin = (RunFinished) sent.get(2);
        assertThat(fin.getStatus()).isEqualTo(RunStatus.STOPPED_EARLY);
        assertThat(fin.getFinalStep()).isEqualTo(7);
    }

    @Test
    void anInvalidRunDescriptionFailsAtStartBeforeTrainingBegins() {
        try (TelemetryProducer p = new TelemetryProducer(new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer()), Limits.defaults(), "", 1 << 20)) {
            RunStarted bad = started("r3");
            bad.setPlannedTotalSteps(0);
            assertThatThrownBy(() -> RunLogger.start(p, bad))
                    .isInstanceOf(TelemetryProducer.InvalidRecordException.class);
            assertThatThrownBy(() -> RunLogger.attach(p, " ")).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void loggingNeverWaitsForABrokerThatDoesNotAnswer() {
        // autoComplete=false: nothing is ever acknowledged; a 4 KiB budget fills after a few records.
        MockProducer<byte[], byte[]> kafka = new MockProducer<>(false, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        TelemetryProducer p = new TelemetryProducer(kafka, Limits.defaults(), "", 4096);
        RunLogger run = RunLogger.attach(p, "r4");
        long t0 = System.nanoTime();
        int queued = 0;
        for (int s = 0; s < 10_000; s++) {
            queued += run.logStep(s, 3.0, 1e-4) ? 1 : 0;
        }
        assertThat(System.nanoTime() - t0).isLessThan(2_000_000_000L);
        assertThat(queued).isBetween(1, 100);
        assertThat(p.counters().dropped()).isEqualTo(10_000 - queued);
        p.close(java.time.Duration.ofMillis(200));
    }
}
