package dev.runlaw.producers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runlaw.local.Await;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.codec.TelemetryCodec;
import dev.runlaw.schema.validate.Limits;
import dev.runlaw.schema.validate.RejectReason;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** The producer's own logic against Kafka's {@link MockProducer}; the real broker is in TelemetryProducerIT. */
class TelemetryProducerTest {
    private static StepMetrics step(String run, long step) {
        return StepMetrics.newBuilder().setRunId(run).setStep(step).setWallTimeMs(1_700_000_000_000L + step)
                .setLr(1e-4).setLoss(3.0).build();
    }

    private static MockProducer<byte[], byte[]> mock(boolean autoComplete) {
        return new MockProducer<>(autoComplete, null, new ByteArraySerializer(), new ByteArraySerializer());
    }

    @Test
    void sendsEncodedRecordToItsKindsTopicKeyedByRunId() throws Exception {
        MockProducer<byte[], byte[]> kafka = mock(true);
        try (TelemetryProducer p = new TelemetryProducer(kafka, Limits.defaults(), "test.", 1 << 20)) {
            assertThat(p.send(step("run-a", 1))).isTrue();
            assertThat(p.send(step("run-b", 2))).isTrue();
            p.flush();
            List<ProducerRecord<byte[], byte[]>> sent = kafka.history();
            assertThat(sent).hasSize(2);
            assertThat(sent.get(0).topic()).isEqualTo("test." + RecordKind.STEP_METRICS.topic());
            assertThat(new String(sent.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("run-a");
            assertThat(new TelemetryCodec().decode(RecordKind.STEP_METRICS, sent.get(1).value()))
                    .isEqualTo(step("run-b", 2));
            assertThat(p.counters()).isEqualTo(new TelemetryProducer.Counters(2, 2, 0, 0));
            assertThat(p.inFlightBytes()).isZero();
        }
    }

    @Test
    void invalidRecordThrowsWithTheRejectionAndCountsNothing() {
        try (TelemetryProducer p = new TelemetryProducer(mock(true), Limits.defaults(), "", 1 << 20)) {
            StepMetrics bad = step("run-a", 1);
            bad.setLoss(Double.NaN);
            assertThatThrownBy(() -> p.send(bad))
                    .isInstanceOf(TelemetryProducer.InvalidRecordException.class)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("NON_FINITE_LOSS")
                    .satisfies(e -> assertThat(((TelemetryProducer.InvalidRecordException) e).rejection().reason())
                            .isEqualTo(RejectReason.NON_FINITE_LOSS));
            assertThat(p.counters()).isEqualTo(new TelemetryProducer.Counters(0, 0, 0, 0));
        }
    }

    @Test
    void dropsAndCountsOnceTheInFlightBudgetIsFullInsteadOfBlocking() throws Exception {
        MockProducer<byte[], byte[]> kafka = mock(false); // nothing is acknowledged until we say so
        // Steps 1000..1102 all encode to the same size, so the budget holds exactly ten.
        int oneRecord = new TelemetryCodec().encode(step("run-a", 1000)).length + "run-a".length()
                + TelemetryProducer.RECORD_OVERHEAD_BYTES;
        try (TelemetryProducer p = new TelemetryProducer(kafka, Limits.defaults(), "", 10L * oneRecord)) {
            long t0 = System.nanoTime();
            int accepted = 0;
            for (int i = 0; i < 100; i++) {
                accepted += p.send(step("run-a", 1000 + i)) ? 1 : 0;
            }
            assertThat(System.nanoTime() - t0).isLessThan(Duration.ofSeconds(2).toNanos());
            assertThat(accepted).isEqualTo(10);
            assertThat(p.counters()).isEqualTo(new TelemetryProducer.Counters(10, 0, 90, 0));

            // Acknowledgements free the budget again.
            awaitHistory(kafka, 10);
            kafka.completeNext();
            kafka.errorNext(new RuntimeException("broker said no"));
            assertThat(p.send(step("run-a", 1100))).isTrue();
            assertThat(p.send(step("run-a", 1101))).isTrue();
            assertThat(p.send(step("run-a", 1102))).isFalse();
            p.flush(); // MockProducer.flush completes everything pending
            assertThat(p.counters()).isEqualTo(new TelemetryProducer.Counters(12, 11, 91, 1));
            assertThat(p.inFlightBytes()).isZero();
        }
    }

    @Test
    void sendAfterCloseDropsAndCloseIsIdempotent() {
        MockProducer<byte[], byte[]> kafka = mock(true);
        TelemetryProducer p = new TelemetryProducer(kafka, Limits.defaults(), "", 1 << 20);
        p.send(step("run-a", 1));
        p.close();
        p.close();
        assertThat(kafka.closed()).isTrue();
        assertThat(kafka.history()).hasSize(1);
        assertThat(p.send(step("run-a", 2))).isFalse();
        assertThat(p.counters()).isEqualTo(new TelemetryProducer.Counters(1, 1, 1, 0));
    }

    @Test
    void builderSetsIdempotentBatchedDefaultsAndAcceptsOverrides() {
        var props = TelemetryProducer.builder("h:9092").property(ProducerConfig.LINGER_MS_CONFIG, 5)
                .kafkaProperties();
        assertThat(props).containsEntry(ProducerConfig.ACKS_CONFIG, "all")
                .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
                .containsEntry(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024)
                .containsEntry(ProducerConfig.LINGER_MS_CONFIG, 5)
                .containsEntry(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "h:9092");
        assertThatThrownBy(() -> TelemetryProducer.builder(" ")).isInstanceOf(IllegalArgumentException.class);
    }

    private static void awaitHistory(MockProducer<byte[], byte[]> kafka, int n) throws InterruptedException {
        Await.until(Duration.ofSeconds(10), n + " records handed to Kafka", () -> kafka.history().size() >= n);
        assertThat(kafka.history()).hasSize(n);
    }

    @Test
    void offerQueuesAllOrNoneAndReportsFullWithoutDroppingOrCounting() throws Exception {
        MockProducer<byte[], byte[]> kafka = mock(false);
        int oneRecord = new TelemetryCodec().encode(step("run-a", 1000)).length + "run-a".length()
                + TelemetryProducer.RECORD_OVERHEAD_BYTES;
        try (TelemetryProducer p = new TelemetryProducer(kafka, Limits.defaults(), "", 10L * oneRecord)) {
            assertThat(p.stalledFor()).isEqualTo(Duration.ZERO);
            assertThat(p.offer(List.of(step("run-a", 1000), step("run-a", 1001), step("run-a", 1002))))
                    .isEqualTo(TelemetryProducer.Offer.QUEUED);
            // 3 + 8 > 10: nothing of the second batch is queued, and nothing counts as dropped.
            List<StepMetrics> eight = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                eight.add(step("run-a", 1010 + i));
            }
            assertThat(p.offer(eight)).isEqualTo(TelemetryProducer.Offer.FULL);
            assertThat(p.counters()).isEqualTo(new TelemetryProducer.Counters(3, 0, 0, 0));
            List<StepMetrics> eleven = new java.util.ArrayList<>(eight);
            eleven.addAll(List.of(step("run-a", 1020), step("run-a", 1021), step("run-a", 1022)));
            assertThat(p.offer(eleven)).isEqualTo(TelemetryProducer.Offer.TOO_LARGE);
            // An invalid record anywhere refuses the whole batch.
            StepMetrics bad = step("run-a", 1030);
            bad.setLr(-1.0);
            assertThatThrownBy(() -> p.offer(List.of(step("run-a", 1031), bad)))
                    .isInstanceOf(TelemetryProducer.InvalidRecordException.class);
            assertThat(p.counters().sent()).isEqualTo(3);

            // Records wait without acks: the producer reports how long it has been stalled.
            Await.until(Duration.ofSeconds(5), "a stall of 40 ms reported",
                    () -> p.stalledFor().compareTo(Duration.ofMillis(40)) >= 0);
            Await.until(Duration.ofSeconds(5), "3 records handed to Kafka", () -> kafka.history().size() >= 3);
            while (kafka.completeNext()) {
                // acknowledge everything sent
            }
            assertThat(p.stalledFor()).isEqualTo(Duration.ZERO);
            assertThat(p.offer(eight)).isEqualTo(TelemetryProducer.Offer.QUEUED);
            p.close(Duration.ofMillis(100));
            assertThat(p.offer(List.of(step("run-a", 1040)))).isEqualTo(TelemetryProducer.Offer.CLOSED);
        }
    }
}
