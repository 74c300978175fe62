package dev.runlaw.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.jobs.kafka.DeadLetterEvent;
import dev.runlaw.jobs.kafka.KafkaRecord;
import dev.runlaw.jobs.kafka.KafkaSources;
import dev.runlaw.schema.Topics;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

class IngestJobTest {

    private static StreamGraph graph(Map<String, String> extra) {
        Map<String, String> m = new java.util.HashMap<>(Map.of("bootstrap.servers", "127.0.0.1:9092",
                "clickhouse.url", "http://127.0.0.1:8123", "parallelism", "3", "checkpoint.interval-ms", "700"));
        m.putAll(extra);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        IngestJob.build(env, IngestConfig.fromMap(m));
        return env.getStreamGraph();
    }

    @Test
    void givesEveryOperatorAStableUidAndAName() {
        StreamGraph g = graph(Map.of());
        List<StreamNode> nodes = List.copyOf(g.getStreamNodes());
        assertThat(nodes).extracting(StreamNode::getTransformationUID).contains(IngestJob.SOURCE_UID,
                IngestJob.DECODE_UID, IngestJob.CLICKHOUSE_SINK_UID, IngestJob.DEAD_LETTER_SINK_UID);
        assertThat(nodes).allSatisfy(n -> {
            assertThat(n.getTransformationUID()).isNotBlank();
            assertThat(n.getOperatorName()).isNotBlank();
            assertThat(n.getParallelism()).isEqualTo(3);
        });
    }

    @Test
    void turnsOnExactlyOnceCheckpointingAndTheConfiguredStateBackend() {
        StreamGraph g = graph(Map.of("state.backend", "rocksdb"));
        assertThat(g.getCheckpointConfig().getCheckpointInterval()).isEqualTo(700);
        assertThat(g.getExecutionConfig().isObjectReuseEnabled()).isTrue();
        assertThat(g.getJobConfiguration().get(StateBackendOptions.STATE_BACKEND)).isEqualTo("rocksdb");
        assertThat(graph(Map.of()).getJobConfiguration().get(StateBackendOptions.STATE_BACKEND)).isEqualTo("hashmap");
    }

    @Test
    void elementTypesArePojosSoTheyNeverFallBackToKryo() {
        for (Class<?> c : List.of(KafkaRecord.class, dev.runlaw.jobs.clickhouse.ClickHouseRow.class,
                DeadLetterEvent.class)) {
            assertThat(org.apache.flink.api.common.typeinfo.TypeInformation.of(c)).as(c.getSimpleName())
                    .isInstanceOf(org.apache.flink.api.java.typeutils.PojoTypeInfo.class);
        }
    }

    @Test
    void subscribesToEveryTelemetryTopicWithThePrefixAndNothingElse() {
        IngestConfig c = IngestConfig.fromMap(Map.of("bootstrap.servers", "h:1", "clickhouse.url", "http://h:2",
                "topic.prefix", "lab."));
        var p = KafkaSources.pattern(c.topics());
        assertThat(p.matcher("lab." + Topics.STEP_METRICS).matches()).isTrue();
        assertThat(p.matcher("lab." + Topics.ROUTING_TRACES).matches()).isTrue();
        assertThat(p.matcher(Topics.STEP_METRICS).matches()).isFalse();
        assertThat(p.matcher("lab." + Topics.DEAD_LETTERS).matches()).isFalse();
        assertThat(p.matcher("labX" + Topics.STEP_METRICS).matches()).isFalse();
    }
}
