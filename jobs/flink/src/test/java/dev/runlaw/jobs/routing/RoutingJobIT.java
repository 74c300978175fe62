package dev.runlaw.jobs.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.runlaw.local.ClickHouseHttp;
import dev.runlaw.local.EmbeddedKafka;
import dev.runlaw.local.LocalClickHouse;
import dev.runlaw.local.SqlFiles;
import dev.runlaw.math.routing.RoutingAnalysis;
import dev.runlaw.math.routing.RoutingCounts;
import dev.runlaw.math.routing.RoutingReport;
import dev.runlaw.schema.DeadLetter;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.RoutingTraceBatch;
import dev.runlaw.schema.codec.TelemetryCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * End to end on real servers: an in-JVM Kafka broker, a private ClickHouse 18.16 server with the project's
 * {@code sql/} tables, and the Flink runtime (MiniCluster, parallelism 2). Seeded traces whose sequences are spread
 * over several batches, a replayed batch, another source's batch and a garbage record go to the routing-traces
 * topic; the bounded job's rows in every {@code routing_*} table must be exactly those of {@link RoutingAnalysis} on
 * one pass over the same records, the garbage a dead letter, and a second run of the same analysis must collapse
 * onto the first under {@code FINAL}.
 */
@Timeout(300)
class RoutingJobIT {
    private static final String DB = "runlaw_routing_it";
    private static final String SOURCE = "moe-run-7";
    private static final int PARALLELISM = 2;
    private static final long ANALYSED_AT = 1_790_100_000_000L;

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(PARALLELISM)
            .setConfiguration(noRestarts())
            .build());

    private static EmbeddedKafka kafka;
    private static LocalClickHouse clickHouse;
    private static ClickHouseHttp sql;
    private static RoutingTestTraces traces;

    private static Configuration noRestarts() {
        Configuration c = new Configuration();
        c.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        return c;
    }

    @BeforeAll
    static void startServersAndProduce() throws Exception {
        kafka = EmbeddedKafka.start();
        clickHouse = LocalClickHouse.start();
        SqlFiles.fromProject().applyAll(clickHouse.http(), DB);
        sql = clickHouse.http().withDatabase(DB);
        kafka.createTopics(2, RecordKind.ROUTING_TRACE.topic(), RecordKind.DEAD_LETTER_TOPIC);
        traces = new RoutingTestTraces(SOURCE, 6, 8, 16, 4, 32, 2, 21);
        TelemetryCodec codec = new TelemetryCodec();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer =
                     new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            List<byte[]> values = new ArrayList<>();
            for (RoutingTraceBatch b : traces.batches) {
                values.add(codec.encode(b));
            }
            values.add(codec.encode(traces.batches.get(2))); // a producer retry
            values.add(new byte[] {(byte) 0xC3, 1, 9, 9, 9}); // garbage under the source's key
            for (byte[] v : values) {
                producer.send(new ProducerRecord<>(RecordKind.ROUTING_TRACE.topic(),
                        SOURCE.getBytes(StandardCharsets.UTF_8), v)).get();
            }
            RoutingTestTraces other = new RoutingTestTraces("other-run", 1, 2, 4, 4, 32, 2, 22);
            producer.send(new ProducerRecord<>(RecordKind.ROUTING_TRACE.topic(),
                    "other-run".getBytes(StandardCharsets.UTF_8), codec.encode(other.batches.get(0)))).get();
        }
    }

    @AfterAll
    static void stopServers() {
        if (clickHouse != null) {
            clickHouse.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    private static RoutingConfig config() {
        Map<String, String> m = new HashMap<>();
        m.put("bootstrap.servers", kafka.bootstrapServers());
        m.put("clickhouse.url", clickHouse.endpoint().url());
        m.put("clickhouse.user", clickHouse.endpoint().user());
        m.put("clickhouse.password", clickHouse.endpoint().password());
        m.put("clickhouse.database", DB);
        m.put("parallelism", Integer.toString(PARALLELISM));
        m.put("sink.batch-rows", "100");
        m.put("routing.source", SOURCE);
        m.put("routing.devices", "4");
        m.put("routing.hidden-size", "1024");
        m.put("routing.analysis-id", "it-analysis-1");
        return RoutingConfig.fromMap(m, ANALYSED_AT);
    }

    @Test
    void writesExactlyTheOnePassAnalysisAndARerunCollapses() throws Exception {
        RoutingConfig config = config();
        RoutingJob.run(StreamExecutionEnvironment.getExecutionEnvironment(), config);

        RoutingCounts expected = traces.expected(config.devices());
        RoutingReport report = RoutingAnalysis.analyze(expected, config.analysis());
        long routes = 0;
        for (int l : expected.layers()) {
            routes += expected.records(l);
        }
        assertThat(routes).isEqualTo(traces.routes);
        assertThat(sql.query("SELECT source, analysis_id, tokens, routes, layers, experts, devices, hidden_size"
                + " FROM routing_analyses FINAL")).containsExactly(List.of(SOURCE, "it-analysis-1",
                Long.toString(expected.tokens()), Long.toString(routes), "4", "32", "4", "1024"));

        List<List<String>> layers = sql.query("SELECT layer, experts, records, load, max_over_mean,"
                + " temporal_locality, temporal_locality_chance, top_pair_a, top_pair_b, top_pair_routes,"
                + " ifNull(next_layer_hit, -1) FROM routing_layer_stats FINAL ORDER BY layer");
        assertThat(layers).hasSize(report.layers().size());
        for (int i = 0; i < layers.size(); i++) {
            RoutingReport.Layer want = report.layers().get(i);
            List<String> got = layers.get(i);
            assertThat(got.subList(0, 4)).containsExactly(Integer.toString(want.layer()),
                    Integer.toString(want.experts()), Long.toString(want.records()), arrayText(want.load()));
            assertThat(Double.parseDouble(got.get(4))).isCloseTo(want.maxOverMean(), within(1e-12));
            assertThat(Double.parseDouble(got.get(5))).isCloseTo(want.temporalLocality(), within(1e-12));
            assertThat(Double.parseDouble(got.get(6))).isCloseTo(want.temporalLocalityChance(), within(1e-12));
            assertThat(got.subList(7, 10)).containsExactly(Integer.toString(want.topPair().e1()),
                    Integer.toString(want.topPair().e2()), Long.toString(want.topPair().count()));
            assertThat(Double.parseDouble(got.get(10)))
                    .isCloseTo(want.nextLayerHit() == null ? -1 : want.nextLayerHit(), within(1e-12));
        }
        // The planted chain: layer l's first expert e is followed by e + 1 at l + 1 70 % of the time.
        assertThat(report.layers().get(0).nextLayerHit()).isGreaterThan(0.6);

        List<List<String>> pairs = new ArrayList<>();
        List<List<String>> transitions = new ArrayList<>();
        for (int l : expected.layers()) {
            expected.forEachPair(l, (a, b, n) -> pairs.add(List.of(l + "", a + "", b + "", n + "")));
            expected.forEachTransition(l, (a, b, n) -> transitions.add(List.of(l + "", a + "", b + "", n + "")));
        }
        assertThat(sql.query("SELECT layer, expert_a, expert_b, routes FROM routing_pairs FINAL"
                + " ORDER BY layer, expert_a, expert_b")).isEqualTo(pairs);
        assertThat(sql.query("SELECT layer, from_expert, to_expert, tokens FROM routing_transitions FINAL"
                + " ORDER BY layer, from_expert, to_expert")).isEqualTo(transitions);

        List<List<String>> placements = sql.query("SELECT placement, bytes, transition_cross_device,"
                + " device_load_max_over_mean FROM routing_placements FINAL ORDER BY placement");
        assertThat(placements).extracting(r -> r.get(0)).containsExactly("contiguous", "balanced", "optimized");
        for (List<String> row : placements) {
            RoutingReport.Placement want = report.placements().get(row.get(0));
            assertThat(Long.parseLong(row.get(1))).isEqualTo(want.bytes());
            assertThat(Double.parseDouble(row.get(2))).isCloseTo(want.transitionCrossDevice(), within(1e-12));
            assertThat(Double.parseDouble(row.get(3))).isCloseTo(want.deviceLoadMaxOverMean(), within(1e-12));
        }
        assertThat(sql.queryValue("SELECT count() FROM routing_placement_layers FINAL")).isEqualTo("12");
        // Every map puts each expert's load on exactly one device: device loads sum to the layer's load.
        assertThat(sql.queryValue("SELECT countIf(arraySum(device_load) != s) FROM routing_placement_layers FINAL"
                + " ANY LEFT JOIN (SELECT layer, arraySum(load) AS s FROM routing_layer_stats FINAL) USING layer"))
                .isEqualTo("0");

        assertThat(deadLetterReasons()).containsExactly("UNDECODABLE");

        // The same analysis again (a retried final stage writes the same rows): every table collapses to one copy.
        // (Background merges may already have collapsed the raw copies, so only FINAL is checked.)
        RoutingJob.run(StreamExecutionEnvironment.getExecutionEnvironment(), config);
        assertThat(sql.query("SELECT layer, expert_a, expert_b, routes FROM routing_pairs FINAL"
                + " ORDER BY layer, expert_a, expert_b")).isEqualTo(pairs);
        assertThat(sql.queryValue("SELECT count() FROM routing_analyses FINAL")).isEqualTo("1");
    }

    private static String arrayText(long[] a) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < a.length; i++) {
            s.append(i == 0 ? "" : ",").append(a[i]);
        }
        return s.append(']').toString();
    }

    /** Reason codes on the dead-letter topic (committed transactions only). */
    private static List<String> deadLetterReasons() throws Exception {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "routing-it-dlq");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<String> reasons = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(RecordKind.DEAD_LETTER_TOPIC));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (reasons.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    reasons.add(DeadLetter.fromByteBuffer(ByteBuffer.wrap(r.value())).getReasonCode());
                }
            }
            // Anything else already committed arrives with the first poll that returns records.
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                reasons.add(DeadLetter.fromByteBuffer(ByteBuffer.wrap(r.value())).getReasonCode());
            }
        }
        return reasons;
    }
}
