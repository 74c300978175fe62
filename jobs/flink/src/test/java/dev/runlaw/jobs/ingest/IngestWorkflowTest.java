package dev.runlaw.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.jobs.common.BoundedSources;
import dev.runlaw.jobs.common.CollectingSink;
import dev.runlaw.jobs.common.WorkflowChecks;
import dev.runlaw.jobs.common.WorkflowEnvironment;
import dev.runlaw.jobs.kafka.DeadLetterEvent;
import dev.runlaw.jobs.kafka.KafkaRecord;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.codec.TelemetryCodec;
import dev.runlaw.schema.validate.RejectReason;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The ingest job's {@link IngestJob#defineWorkflow} on a MiniCluster with a bounded in-memory source and collecting
 * sinks in place of Kafka and ClickHouse, configured the way the job configures itself (generic types off).
 */
@Timeout(120)
class IngestWorkflowTest {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension();

    private static final TelemetryCodec CODEC = new TelemetryCodec();
    private static final IngestConfig CONFIG = IngestConfig.fromMap(Map.of("bootstrap.servers", "127.0.0.1:9092",
            "clickhouse.url", "http://127.0.0.1:8123", "topic.prefix", "t.", "limits.max-experts", "16"));

    private long offset;

    private KafkaRecord record(String topic, String key, byte[] value) {
        return new KafkaRecord(topic, 0, offset++, TestRecords.T0, key == null ? null
                : key.getBytes(StandardCharsets.UTF_8), value);
    }

    private KafkaRecord record(SpecificRecord r) {
        RecordKind k = RecordKind.of(r);
        return record("t." + k.topic(), k.keyOf(r), CODEC.encode(r));
    }

    private static StreamExecutionEnvironment env() {
        return WorkflowEnvironment.of(CONFIG.settings());
    }

    @Test
    void writesEveryKindsRowsAndDeadLettersEachRefusedRecordWithItsReason() throws Exception {
        List<KafkaRecord> in = new ArrayList<>();
        in.add(record(TestRecords.runStarted("run-a")));
        for (int s = 0; s < 5; s++) {
            in.add(record(TestRecords.step("run-a", s)));
        }
        in.add(record(TestRecords.eval("run-a", 4, "val")));
        in.add(record(TestRecords.expertLoad("run-a", 4, 0, 8)));
        in.add(record(TestRecords.routing("src-1", 4, 6)));
        in.add(record(TestRecords.movement("src-1", 4, 0, 1)));
        in.add(record(TestRecords.runFinished("run-a")));
        KafkaRecord garbage = record("t." + RecordKind.STEP_METRICS.topic(), "run-a", new byte[] {1, 2, 3});
        KafkaRecord tooManyExperts = record(TestRecords.expertLoad("run-a", 5, 0, 17));
        in.add(garbage);
        in.add(tooManyExperts);

        try (var rows = new CollectingSink<ClickHouseRow>(); var dead = new CollectingSink<DeadLetterEvent>()) {
            StreamExecutionEnvironment env = env();
            IngestJob.defineWorkflow(env, BoundedSources.of(KafkaRecord.class, in), rows, dead,
                    CONFIG.settings().limits(), CONFIG.settings().topicPrefix());
            env.execute("ingest workflow");

            Map<String, Integer> perTable = new TreeMap<>();
            rows.received().forEach(r -> perTable.merge(r.table(), 1, Integer::sum));
            // One row per record, one per routed token, one per refused record.
            assertThat(perTable).isEqualTo(Map.of("runs", 1, "step_metrics", 5, "eval_metrics", 1, "expert_load", 1,
                    "routing_trace", 6, "data_movement", 1, "run_finished", 1, "dead_letters", 2));
            assertThat(dead.received()).extracting(DeadLetterEvent::offset, DeadLetterEvent::reasonCode)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(garbage.offset(), RejectReason.UNDECODABLE.name()),
                            org.assertj.core.groups.Tuple.tuple(tooManyExperts.offset(),
                                    RejectReason.OVER_LIMIT.name()));
        }
    }

    @Test
    void everyOperatorHasAUidAndNoStreamOrStateFallsBackToKryo() {
        StreamExecutionEnvironment env = env();
        try (var rows = new CollectingSink<ClickHouseRow>(); var dead = new CollectingSink<DeadLetterEvent>()) {
            IngestJob.defineWorkflow(env, BoundedSources.of(KafkaRecord.class, List.of(record(TestRecords.step("run-a", 1)))), rows, dead,
                    CONFIG.settings().limits(), "");
            assertThat(WorkflowChecks.assertUidsAndNoKryo(env)).contains(IngestJob.SOURCE_UID, IngestJob.DECODE_UID,
                    IngestJob.CLICKHOUSE_SINK_UID, IngestJob.DEAD_LETTER_SINK_UID);
        }
        // The job itself never falls back: the configuration it runs with turns generic types off.
        assertThat(env.getConfig().getSerializerConfig().hasGenericTypesDisabled()).isTrue();
    }
}
