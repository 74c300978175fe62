package dev.runlaw.jobs.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.jobs.common.BoundedSources;
import dev.runlaw.jobs.common.CollectingSink;
import dev.runlaw.jobs.common.WorkflowChecks;
import dev.runlaw.jobs.common.WorkflowEnvironment;
import dev.runlaw.jobs.forecast.KafkaOut;
import dev.runlaw.jobs.kafka.DeadLetterEvent;
import dev.runlaw.jobs.kafka.KafkaRecord;
import dev.runlaw.producers.SimulatedBatchSweep;
import dev.runlaw.schema.BatchAdvice;
import dev.runlaw.schema.BatchAdviceScope;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.Topics;
import dev.runlaw.schema.validate.RejectReason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The batch job's {@link BatchJob#defineWorkflow} on a MiniCluster with a bounded source and collecting sinks in
 * place of Kafka and ClickHouse, configured the way the job configures itself (generic types off: any stream or
 * state type that would need Kryo fails the run). Input: a simulated five-run batch-size sweep of one family.
 */
@Timeout(180)
class BatchWorkflowTest {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension();

    private static final BatchConfig CONFIG = BatchConfig.fromMap(Map.of("bootstrap.servers", "127.0.0.1:9092",
            "clickhouse.url", "http://127.0.0.1:8123", "batch.smoothing-window", "5"));
    private static final SimulatedBatchSweep SWEEP = SimulatedBatchSweep.defaults("sweep", 11);

    @Test
    void writesNoiseRowsLawsScalingAndAdviceAndDeadLettersWhatItCannotUse() throws Exception {
        List<KafkaRecord> in = new ArrayList<>(SweepRecords.of(SWEEP));
        String run = SWEEP.runId(128);
        KafkaRecord garbage = new KafkaRecord(RecordKind.STEP_METRICS.topic(), 0, 90_001, 0,
                run.getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xC3, 1, 2});
        StepMetrics badNorms = StepMetrics.newBuilder().setRunId(run).setStep(5).setWallTimeMs(1).setLr(1e-4)
                .setGradSqNormSmall(1.0).setBatchSmall(64L).setGradSqNormBig(0.5).setBatchBig(32L).build();
        KafkaRecord inconsistent = SweepRecords.record(badNorms, 90_002);
        in.add(3, garbage);
        in.add(4, inconsistent);

        try (var rows = new CollectingSink<ClickHouseRow>(); var topics = new CollectingSink<KafkaOut>();
             var dead = new CollectingSink<DeadLetterEvent>()) {
            StreamExecutionEnvironment env = WorkflowEnvironment.of(CONFIG.settings());
            BatchJob.defineWorkflow(env, BoundedSources.of(KafkaRecord.class, in), rows, topics, dead, CONFIG);
            env.execute("batch workflow");

            assertThat(dead.received()).extracting(DeadLetterEvent::offset, DeadLetterEvent::reasonCode)
                    .containsExactlyInAnyOrder(tuple(garbage.offset(), RejectReason.UNDECODABLE.name()),
                            tuple(inconsistent.offset(), RejectReason.INCONSISTENT.name()));

            Map<String, Long> byTable = rows.received().stream()
                    .collect(Collectors.groupingBy(ClickHouseRow::table, Collectors.counting()));
            long expectedNoise = 0;
            for (long b : SWEEP.batches()) {
                long last = SWEEP.stepsOf(b);
                expectedNoise += (last - 1) / 50 + 1 + ((last - 1) % 50 == 0 ? 0 : 1);
            }
            assertThat(byTable).containsEntry(BatchRows.GRADIENT_NOISE, expectedNoise);
            assertThat(byTable.get(BatchRows.LAWS)).as("laws rows").isGreaterThanOrEqualTo(3);
            assertThat(byTable.get(BatchRows.SCALING)).as("scaling rows").isGreaterThanOrEqualTo(1);

            List<BatchAdvice> advice = new ArrayList<>();
            for (KafkaOut o : topics.received()) {
                assertThat(o.topic()).isEqualTo(Topics.BATCH_ADVICE);
                BatchAdvice a = BatchAdvice.fromByteBuffer(ByteBuffer.wrap(o.value()));
                String key = new String(o.key(), StandardCharsets.UTF_8);
                assertThat(key).isEqualTo(a.getScope() == BatchAdviceScope.FAMILY ? "sweep" : a.getRunId());
                advice.add(a);
            }
            assertThat(advice).filteredOn(a -> a.getScope() == BatchAdviceScope.FAMILY).isNotEmpty()
                    .allSatisfy(a -> assertThat(a.getSuggestedBatch()).isPositive());
            assertThat(advice).filteredOn(a -> a.getScope() == BatchAdviceScope.RUN)
                    .extracting(BatchAdvice::getRunId).isSubsetOf(SWEEP.runIds());
        }
    }

    @Test
    void everyOperatorHasAUidAndNoStreamOrStateFallsBackToKryo() throws Exception {
        StreamExecutionEnvironment env = WorkflowEnvironment.of(CONFIG.settings());
        try (var rows = new CollectingSink<ClickHouseRow>(); var topics = new CollectingSink<KafkaOut>();
             var dead = new CollectingSink<DeadLetterEvent>()) {
            BatchJob.defineWorkflow(env, BoundedSources.of(KafkaRecord.class, SweepRecords.of(SWEEP)), rows, topics,
                    dead, CONFIG);
            assertThat(WorkflowChecks.assertUidsAndNoKryo(env)).contains(BatchJob.SOURCE_UID, BatchJob.INPUT_UID,
                    BatchJob.RUN_UID, BatchJob.FAMILY_UID, BatchJob.CLICKHOUSE_SINK_UID, BatchJob.KAFKA_SINK_UID,
                    BatchJob.DEAD_LETTER_SINK_UID);
        }
        assertThat(env.getConfig().getSerializerConfig().hasGenericTypesDisabled()).isTrue();
    }
}
