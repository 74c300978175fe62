package dev.runlaw.jobs.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.jobs.common.BoundedSources;
import dev.runlaw.jobs.common.CollectingSink;
import dev.runlaw.jobs.common.WorkflowChecks;
import dev.runlaw.jobs.common.WorkflowEnvironment;
import dev.runlaw.jobs.kafka.DeadLetterEvent;
import dev.runlaw.jobs.kafka.KafkaRecord;
import dev.runlaw.math.routing.RoutingAnalysis;
import dev.runlaw.math.routing.RoutingCounts;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.RoutingTraceBatch;
import dev.runlaw.schema.codec.TelemetryCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link RoutingJob#defineWorkflow} on a MiniCluster in BATCH mode, parallelism 2, with a bounded source and
 * collecting sinks in place of Kafka and ClickHouse, configured as the job configures itself (generic types off).
 * The traces spread most sequences over several batches; the answer must be exactly that of one pass.
 */
@Timeout(180)
class RoutingWorkflowTest {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension();

    private static final String SOURCE = "moe-run-1";
    private static final RoutingConfig CONFIG = RoutingConfig.fromMap(Map.of("bootstrap.servers", "127.0.0.1:9092",
            "clickhouse.url", "http://127.0.0.1:8123", "routing.source", SOURCE, "routing.devices", "4"), 1_790_000_000_000L);
    private static final TelemetryCodec CODEC = new TelemetryCodec();

    @Test
    void countsExactlyAsOnePassOverTheRecordsAndWritesEveryTable() throws Exception {
        RoutingTestTraces traces = new RoutingTestTraces(SOURCE, 4, 6, 12, 3, 16, 2, 11);
        List<KafkaRecord> in = new ArrayList<>();
        AtomicInteger offset = new AtomicInteger();
        for (RoutingTraceBatch b : traces.batches) {
            in.add(record(SOURCE, CODEC.encode(b), offset.getAndIncrement()));
        }
        // A producer retry re-sends a batch: the same routes, the same version; it must not count twice.
        in.add(record(SOURCE, CODEC.encode(traces.batches.get(1)), offset.getAndIncrement()));
        // Another source's traces are not this analysis' input; garbage under this source is a dead letter.
        RoutingTestTraces other = new RoutingTestTraces("other-run", 1, 2, 4, 3, 16, 2, 12);
        in.add(record("other-run", CODEC.encode(other.batches.get(0)), offset.getAndIncrement()));
        in.add(record(SOURCE, new byte[] {(byte) 0xC3, 1, 2, 3}, offset.getAndIncrement()));

        RoutingCounts expected = traces.expected(CONFIG.devices());
        try (var rows = new CollectingSink<ClickHouseRow>(); var dead = new CollectingSink<DeadLetterEvent>();
             var totals = new CollectingSink<byte[]>()) {
            StreamExecutionEnvironment env = WorkflowEnvironment.of(CONFIG.settings());
            env.setRuntimeMode(RuntimeExecutionMode.BATCH);
            env.setParallelism(2);
            RoutingJob.defineWorkflow(env, BoundedSources.of(KafkaRecord.class, in), rows, dead, CONFIG)
                    .sinkTo(totals).uid("test-totals");
            WorkflowChecks.assertUidsAndNoKryo(env);
            env.execute("routing workflow");

            assertThat(totals.received()).hasSize(1);
            RoutingCounts got = RoutingCounts.fromBytes(totals.received().get(0));
            assertThat(got.tokens()).isEqualTo(expected.tokens()).isEqualTo(4 * 6 * 12);
            assertThat(got.toBytes()).isEqualTo(expected.toBytes());
            assertThat(RoutingAnalysis.analyze(got, CONFIG.analysis()).toJson())
                    .isEqualTo(RoutingAnalysis.analyze(expected, CONFIG.analysis()).toJson());

            assertThat(dead.received()).extracting(DeadLetterEvent::reasonCode).containsExactly("UNDECODABLE");

            Map<String, Integer> perTable = new TreeMap<>();
            rows.received().forEach(r -> perTable.merge(r.table(), 1, Integer::sum));
            int[] pairs = new int[1];
            int[] transitions = new int[1];
            for (int l : expected.layers()) {
                expected.forEachPair(l, (a, b, n) -> pairs[0]++);
                expected.forEachTransition(l, (a, b, n) -> transitions[0]++);
            }
            assertThat(pairs[0]).isPositive();
            assertThat(transitions[0]).isPositive();
            assertThat(perTable).containsExactlyInAnyOrderEntriesOf(Map.of(RoutingRows.ANALYSES, 1,
                    RoutingRows.LAYER_STATS, 3, RoutingRows.PAIRS, pairs[0], RoutingRows.TRANSITIONS, transitions[0],
                    RoutingRows.PLACEMENTS, 3, RoutingRows.PLACEMENT_LAYERS, 9));
        }
    }

    private static KafkaRecord record(String key, byte[] value, long offset) {
        return new KafkaRecord(RecordKind.ROUTING_TRACE.topic(), 0, offset, 0, key.getBytes(StandardCharsets.UTF_8),
                value);
    }
}
