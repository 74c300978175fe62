package dev.runlaw.jobs.forecast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.jobs.common.BoundedSources;
import dev.runlaw.jobs.common.CollectingSink;
import dev.runlaw.jobs.common.WorkflowChecks;
import dev.runlaw.jobs.common.WorkflowEnvironment;
import dev.runlaw.jobs.kafka.DeadLetterEvent;
import dev.runlaw.jobs.kafka.KafkaRecord;
import dev.runlaw.schema.ModelFacts;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.RunFinished;
import dev.runlaw.schema.RunForecast;
import dev.runlaw.schema.RunReference;
import dev.runlaw.schema.RunStarted;
import dev.runlaw.schema.RunStatus;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.Topics;
import dev.runlaw.schema.validate.RejectReason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.java.typeutils.runtime.kryo.KryoSerializer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The forecast job's {@link ForecastJob#defineWorkflow} on a MiniCluster with bounded in-memory sources and
 * collecting sinks in place of Kafka and ClickHouse, configured the way the job configures itself (generic types
 * off, so any stream or state type that would need Kryo fails the run).
 */
@Timeout(180)
class ForecastWorkflowTest {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension();

    private static final int LAST_STEP = 299;
    private static final ForecastConfig CONFIG = ForecastConfig.fromMap(Map.of("bootstrap.servers", "127.0.0.1:9092",
            "clickhouse.url", "http://127.0.0.1:8123", "forecast.law", "momentum", "forecast.refit-points", "5",
            "forecast.refit-interval-ms", "3600000", "limits.max-lr-per-step", "3000"));

    private static StreamExecutionEnvironment env() {
        return WorkflowEnvironment.of(CONFIG.settings());
    }

    /** A finished run of another family, on the references topic: broadcast to every instance, used by none. */
    private static List<KafkaRecord> references() throws java.io.IOException {
        RunReference r = RunReference.newBuilder().setRunId("old").setFamilyId("other").setFinishedAtMs(1L)
                .setFinalStep(99).setFinalLoss(3.0).setLrKnotSteps(List.of(0L, 99L)).setLrKnotValues(List.of(3e-4, 3e-4))
                .setLossSteps(List.of(0L, 99L)).setLosses(List.of(5.0, 3.0)).build();
        return List.of(new KafkaRecord(Topics.RUN_REFERENCES, 0, 0, 0, "old".getBytes(StandardCharsets.UTF_8),
                bytes(r.toByteBuffer())));
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static KafkaRecord withKey(KafkaRecord r, String key) {
        return new KafkaRecord(r.topic(), r.partition(), r.offset(), r.timestamp(),
                key.getBytes(StandardCharsets.UTF_8), r.value());
    }

    @Test
    void forecastsAGoodRunAndDeadLettersTheRecordsItCannotUseWithTheirReason() throws Exception {
        List<KafkaRecord> in = new ArrayList<>(RunForecastFunctionTest.run(LAST_STEP));
        KafkaRecord diverged = RunForecastFunctionTest.record(StepMetrics.newBuilder().setRunId("run-a")
                .setStep(LAST_STEP - 1).setWallTimeMs(1_735_689_600_000L).setLr(3e-4).setLoss(Double.NaN).build());
        KafkaRecord garbage = new KafkaRecord(RecordKind.STEP_METRICS.topic(), 0, 10_001, 0,
                "run-a".getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xC3, 1, 2});
        KafkaRecord foreignKey = withKey(RunForecastFunctionTest.record(StepMetrics.newBuilder().setRunId("run-a")
                .setStep(5).setWallTimeMs(1_735_689_600_000L).setLr(3e-4).setLoss(9.0).build()), "run-z");
        KafkaRecord overLimit = RunForecastFunctionTest.record(RunStarted.newBuilder().setRunId("run-b")
                .setFamilyId("fam").setStartedAtMs(1_735_689_600_000L).setModel(ModelFacts.newBuilder().build())
                .setPlannedTotalSteps(3000).setLrPerStep(Collections.nCopies(3001, 3e-4)).build());
        in.add(diverged);
        in.add(garbage);
        in.add(foreignKey);
        in.add(overLimit);
        in.add(RunForecastFunctionTest.record(RunFinished.newBuilder().setRunId("run-a")
                .setFinishedAtMs(1_735_689_900_000L).setFinalStep(LAST_STEP).setStatus(RunStatus.COMPLETED).build()));

        try (var rows = new CollectingSink<ClickHouseRow>(); var topics = new CollectingSink<KafkaOut>();
             var dead = new CollectingSink<DeadLetterEvent>()) {
            StreamExecutionEnvironment env = env();
            ForecastJob.defineWorkflow(env, BoundedSources.of(KafkaRecord.class, in),
                    BoundedSources.of(KafkaRecord.class, references()), rows, topics, dead, CONFIG);
            env.execute("forecast workflow");

            // Refused records are dead letters with their reason, each once; the diverged step is not refused.
            assertThat(dead.received()).extracting(DeadLetterEvent::offset, DeadLetterEvent::reasonCode).containsExactly(
                    tuple(garbage.offset(), RejectReason.UNDECODABLE.name()),
                    tuple(foreignKey.offset(), RejectReason.INCONSISTENT.name()),
                    tuple(overLimit.offset(), RejectReason.OVER_LIMIT.name()));
            assertThat(dead.received().get(1).reason()).contains("run-z").contains("run-a");
            // Each keeps where it came from and its original bytes.
            assertThat(dead.received()).extracting(DeadLetterEvent::topic, DeadLetterEvent::value).containsExactly(
                    tuple(garbage.topic(), garbage.value()), tuple(foreignKey.topic(), foreignKey.value()),
                    tuple(overLimit.topic(), overLimit.value()));

            // The good run is forecast and, once finished, published as its family's reference.
            List<RunForecast> forecasts = new ArrayList<>();
            List<RunReference> references = new ArrayList<>();
            for (KafkaOut o : topics.received()) {
                if (o.topic().equals(Topics.FORECASTS)) {
                    forecasts.add(RunForecast.fromByteBuffer(ByteBuffer.wrap(o.value())));
                } else if (o.topic().equals(Topics.RUN_REFERENCES)) {
                    references.add(RunReference.fromByteBuffer(ByteBuffer.wrap(o.value())));
                }
            }
            assertThat(forecasts).isNotEmpty().allMatch(f -> f.getRunId().equals("run-a"));
            assertThat(forecasts.get(forecasts.size() - 1).getStep()).isEqualTo(LAST_STEP);
            assertThat(references).singleElement().satisfies(r -> {
                assertThat(r.getRunId()).isEqualTo("run-a");
                assertThat(r.getFamilyId()).isEqualTo("fam");
                assertThat(r.getFinalStep()).isEqualTo(LAST_STEP);
            });
            assertThat(rows.received()).extracting(ClickHouseRow::table)
                    .contains(ForecastRows.FORECASTS, ForecastRows.RUN_REFERENCES);
        }
    }

    @Test
    void everyOperatorHasAUidAndNoStreamOrStateFallsBackToKryo() throws Exception {
        StreamExecutionEnvironment env = env();
        try (var rows = new CollectingSink<ClickHouseRow>(); var topics = new CollectingSink<KafkaOut>();
             var dead = new CollectingSink<DeadLetterEvent>()) {
            ForecastJob.defineWorkflow(env, BoundedSources.of(KafkaRecord.class, references()),
                    BoundedSources.of(KafkaRecord.class, references()), rows, topics, dead, CONFIG);
            assertThat(WorkflowChecks.assertUidsAndNoKryo(env)).contains(ForecastJob.SOURCE_UID,
                    ForecastJob.REFERENCE_SOURCE_UID, ForecastJob.INPUT_UID, ForecastJob.FORECAST_UID,
                    ForecastJob.CLICKHOUSE_SINK_UID, ForecastJob.KAFKA_SINK_UID, ForecastJob.DEAD_LETTER_SINK_UID);
        }
        // The broadcast state's types; the keyed state's are checked by the run above (generic types are off).
        RunForecastFunction.REFERENCES.initializeSerializerUnlessSet(env.getConfig());
        assertThat(List.of(RunForecastFunction.REFERENCES.getKeySerializer(),
                RunForecastFunction.REFERENCES.getValueSerializer())).noneMatch(KryoSerializer.class::isInstance);
        assertThat(env.getConfig().getSerializerConfig().hasGenericTypesDisabled()).isTrue();
    }
}
