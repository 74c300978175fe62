package dev.runlaw.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.local.Await;
import dev.runlaw.local.ClickHouseHttp;
import dev.runlaw.local.EmbeddedKafka;
import dev.runlaw.local.LocalClickHouse;
import dev.runlaw.local.SqlFiles;
import dev.runlaw.schema.DeadLetter;
import dev.runlaw.schema.EvalMetrics;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.RoutingTraceBatch;
import dev.runlaw.schema.RunFinished;
import dev.runlaw.schema.RunStatus;
import dev.runlaw.schema.SourceKind;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.codec.TelemetryCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
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
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * End to end on real servers: an in-JVM Kafka broker, a private ClickHouse 18.16 server with the project's
 * {@code sql/} tables, and the Flink runtime (MiniCluster). Every record kind, duplicates and every kind of bad
 * record go in; exact row counts, the dead-letter topic and the {@code dead_letters} table come out; a full replay
 * under a new consumer group changes nothing under {@code FINAL}.
 */
@Timeout(300)
class IngestJobIT {
    private static final String DB = "runlaw_ingest_it";
    private static final int PARALLELISM = 2;

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(PARALLELISM)
            .setConfiguration(noRestarts())
            .build());

    private static EmbeddedKafka kafka;
    private static LocalClickHouse clickHouse;
    private static ClickHouseHttp sql;
    private static final TelemetryCodec CODEC = new TelemetryCodec();
    /** Quotes, backslash, tab, newline, 2-, 3- and 4-byte UTF-8. */
    private static final String ODD = "odd 'q' \"dq\" \\ \t\n é € 𝄞";
    /** Every punctuation character an id may hold (ids are limited to letters, digits and {@code ._:/@+-}). */
    private static final String ODD_ID = "odd.id_7:a/b@c+d-e";

    /** What was sent that must be refused: "topic/partition/offset" → expected reason and bytes. */
    private static final Map<String, Sent> REFUSED = new HashMap<>();

    private record Sent(String reason, byte[] key, byte[] value) {
    }

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
        List<String> topics = new ArrayList<>();
        for (RecordKind k : RecordKind.values()) {
            topics.add(k.topic());
        }
        topics.add(RecordKind.DEAD_LETTER_TOPIC);
        kafka.createTopics(2, topics.toArray(String[]::new));
        produce();
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

    /**
     * Valid: runs 2 (+1 re-sent), run_finished 1, steps 150 (+10 re-sent), evals 3, expert loads 40, routing
     * 2 batches × 20 tokens, data movement 6; plus one step, one run_finished and a 4-token routing batch with
     * odd strings ({@link #ODD}, {@link #ODD_ID} as ids) and NULL / non-NULL values. Refused: 9 records, one per
     * bad case (two with ids outside the id character set).
     */
    private static void produce() throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        try (KafkaProducer<byte[], byte[]> producer =
                     new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            Sender s = new Sender(producer);
            s.send(TestRecords.runStarted("run-a"));
            s.send(TestRecords.runStarted("run-b"));
            s.send(TestRecords.runStarted("run-a"));
            s.send(TestRecords.runFinished("run-a"));
            for (int i = 0; i < 100; i++) {
                s.send(TestRecords.step("run-a", i));
            }
            for (int i = 0; i < 50; i++) {
                s.send(TestRecords.step("run-b", i));
            }
            for (int i = 90; i < 100; i++) {
                s.send(TestRecords.step("run-a", i)); // a producer retry
            }
            s.send(TestRecords.eval("run-a", 50, "val"));
            s.send(TestRecords.eval("run-a", 99, "val"));
            s.send(TestRecords.eval("run-a", 99, "c4.en/val@v2+x_y:z-1"));
            for (int step = 0; step < 10; step++) {
                for (int layer = 0; layer < 4; layer++) {
                    s.send(TestRecords.expertLoad("run-a", step, layer, 8));
                }
            }
            s.send(TestRecords.routing("run-a", 1, 20));
            s.send(TestRecords.routing("run-a", 2, 20));
            for (int d = 0; d < 6; d++) {
                s.send(TestRecords.movement("server-1", -1, d, (d + 1) % 6));
            }
            // Exact round trips (RowBinary): NULLs and non-NULLs, odd strings, arrays, enums.
            StepMetrics odd = TestRecords.step(ODD_ID, 777);
            odd.setLoss(null);
            odd.setGradNorm(0.25);
            odd.setGradSqNormSmall(12.5);
            odd.setBatchSmall(256L);
            odd.setGradSqNormBig(0.5);
            odd.setBatchBig(4096L);
            odd.setGroupLrs(Map.of("experts", 0.0625, ODD, 3e-4));
            s.send(odd);
            RunFinished stopped = TestRecords.runFinished("run-b");
            stopped.setStatus(RunStatus.STOPPED_EARLY);
            stopped.setMessage(ODD);
            s.send(stopped);
            RoutingTraceBatch inference = TestRecords.routing(ODD_ID, 9, 4);
            inference.setSourceKind(SourceKind.INFERENCE);
            s.send(inference);

            StepMetrics nan = TestRecords.step("run-a", 200);
            nan.setLoss(Double.POSITIVE_INFINITY);
            s.refuse("NON_FINITE_LOSS", nan);
            s.refuse("NEGATIVE_STEP", TestRecords.step("run-a", -3));
            s.refuse("MISSING_RUN_ID", TestRecords.step("", 3));
            s.refuse("INVALID_ID", TestRecords.step(ODD, 778));
            s.refuse("INVALID_ID", TestRecords.eval("run-a", 99, "c4 \"quoted\"\tset' OR '1'='1"));
            s.refuse("OVER_LIMIT", TestRecords.expertLoad("run-a", 1, 0, 65));
            s.refuse("OVER_LIMIT", TestRecords.routing("run-a", 3, 101));
            s.refuse("UNDECODABLE", RecordKind.STEP_METRICS, "run-a", "\u00ffgarbage".getBytes(StandardCharsets.UTF_8));
            byte[] unknown = CODEC.encode(TestRecords.eval("run-a", 7, "val"));
            unknown[5] ^= 0x11;
            s.refuse("UNKNOWN_SCHEMA", RecordKind.EVAL_METRICS, "run-a", unknown);
            producer.flush();
        }
    }

    private record Sender(KafkaProducer<byte[], byte[]> producer) {
        void send(SpecificRecord r) throws Exception {
            RecordKind k = RecordKind.of(r);
            raw(k, k.keyOf(r), CODEC.encode(r));
        }

        void refuse(String reason, SpecificRecord r) throws Exception {
            RecordKind k = RecordKind.of(r);
            refuse(reason, k, k.keyOf(r), CODEC.encode(r));
        }

        void refuse(String reason, RecordKind kind, String key, byte[] value) throws Exception {
            RecordMetadata m = raw(kind, key, value);
            REFUSED.put(m.topic() + "/" + m.partition() + "/" + m.offset(),
                    new Sent(reason, key.getBytes(StandardCharsets.UTF_8), value));
        }

        RecordMetadata raw(RecordKind kind, String key, byte[] value) throws Exception {
            return producer.send(new ProducerRecord<>(kind.topic(), key.getBytes(StandardCharsets.UTF_8), value)).get();
        }
    }

    private static IngestConfig config(String groupId) {
        Map<String, String> m = new HashMap<>();
        m.put("bootstrap.servers", kafka.bootstrapServers());
        m.put("group.id", groupId);
        m.put("bounded", "true");
        m.put("clickhouse.url", clickHouse.endpoint().url());
        m.put("clickhouse.user", clickHouse.endpoint().user());
        m.put("clickhouse.password", clickHouse.endpoint().password());
        m.put("clickhouse.database", DB);
        m.put("checkpoint.interval-ms", "500");
        m.put("sink.batch-rows", "64");
        m.put("parallelism", Integer.toString(PARALLELISM));
        m.put("limits.max-experts", "64");
        m.put("limits.max-tokens-per-batch", "100");
        return IngestConfig.fromMap(m);
    }

    @Test
    void ingestsEveryKindDeadLettersBadRecordsAndStaysIdempotentOnReplay() throws Exception {
        long t0 = System.nanoTime();
        IngestJob.run(StreamExecutionEnvironment.getExecutionEnvironment(), config("it-first"));
        System.out.printf("IngestJobIT: first run %.1f s%n", (System.nanoTime() - t0) / 1e9);

        assertExactCounts();
        assertThat(sql.queryValue("SELECT loss FROM step_metrics FINAL WHERE run_id = 'run-a' AND step = 3"))
                .isEqualTo(Double.toString(2.5 + 1.0 / 4));
        assertThat(sql.queryValue("SELECT toString(time) FROM step_metrics FINAL WHERE run_id = 'run-a' AND step = 0"))
                .isEqualTo("2026-01-15 00:00:00");
        assertThat(sql.queryValue("SELECT count() FROM step_metrics FINAL WHERE grad_norm IS NULL")).isEqualTo("75");
        assertThat(sql.queryValue("SELECT eval_set FROM eval_metrics FINAL WHERE eval_set LIKE 'c4%'"))
                .isEqualTo("c4.en/val@v2+x_y:z-1");
        assertThat(sql.queryValue("SELECT sum(total_tokens) = sum(arraySum(tokens_per_expert)) FROM expert_load FINAL"))
                .isEqualTo("1");
        assertThat(sql.queryValue("SELECT countIf(norm_entropy <= 0 OR norm_entropy > 1) FROM expert_load FINAL"))
                .isEqualTo("0");
        assertThat(sql.queryValue("SELECT tag_values[indexOf(tag_keys, 'owner')] FROM runs FINAL WHERE run_id = 'run-a'"))
                .isEqualTo("ana \"the\" trainer");
        assertThat(sql.queryValue("SELECT gate_weights FROM routing_trace FINAL WHERE step = 1 AND token_position = 0 "
                + "AND sequence_id = 'seq-0'")).isEqualTo("[0.75,0.25]");

        assertEveryKindRoundTripsExactly();

        List<DeadLetter> dlq = readDeadLetterTopic();
        assertThat(dlq).hasSize(REFUSED.size());
        for (DeadLetter d : dlq) {
            Sent sent = REFUSED.get(d.getTopic() + "/" + d.getPartition() + "/" + d.getOffset());
            assertThat(sent).as("dead letter for %s/%d/%d", d.getTopic(), d.getPartition(), d.getOffset()).isNotNull();
            assertThat(d.getReasonCode()).isEqualTo(sent.reason());
            assertThat(bytes(d.getValue())).isEqualTo(sent.value());
            assertThat(bytes(d.getKey())).isEqualTo(sent.key());
        }
        List<List<String>> table = sql.query(
                "SELECT topic, partition, offset, reason_code, value_base64 FROM dead_letters FINAL");
        assertThat(table).hasSize(REFUSED.size());
        for (List<String> row : table) {
            Sent sent = REFUSED.get(row.get(0) + "/" + row.get(1) + "/" + row.get(2));
            assertThat(sent).isNotNull();
            assertThat(row.get(3)).isEqualTo(sent.reason());
            assertThat(java.util.Base64.getDecoder().decode(row.get(4))).isEqualTo(sent.value());
        }

        // Replay everything from the start under a new group: more copies, same answers under FINAL.
        long t1 = System.nanoTime();
        IngestJob.run(StreamExecutionEnvironment.getExecutionEnvironment(), config("it-replay"));
        System.out.printf("IngestJobIT: replay %.1f s%n", (System.nanoTime() - t1) / 1e9);
        assertExactCounts();
        assertThat(sql.queryValue("SELECT count() FROM dead_letters FINAL")).isEqualTo(Integer.toString(REFUSED.size()));
        assertThat(readDeadLetterTopic()).hasSize(2 * REFUSED.size());
    }

    @Test
    void unboundedJobOnRocksDbWritesARowWithinSecondsAndCommitsDeadLettersOnCheckpoints() throws Exception {
        String prefix = "live.";
        String db = "runlaw_ingest_live";
        SqlFiles.fromProject().applyAll(clickHouse.http(), db);
        ClickHouseHttp live = clickHouse.http().withDatabase(db);
        List<String> topics = new ArrayList<>();
        for (RecordKind k : RecordKind.values()) {
            topics.add(prefix + k.topic());
        }
        topics.add(prefix + RecordKind.DEAD_LETTER_TOPIC);
        kafka.createTopics(1, topics.toArray(String[]::new));

        Map<String, String> m = new HashMap<>();
        m.put("bootstrap.servers", kafka.bootstrapServers());
        m.put("group.id", "it-live");
        m.put("topic.prefix", prefix);
        // The JDBC form, database in the path, and RocksDB: the other half of the configuration surface.
        m.put("clickhouse.url", clickHouse.endpoint().url().replace("http://", "jdbc:clickhouse://") + "/" + db);
        m.put("state.backend", "rocksdb");
        m.put("checkpoint.interval-ms", "1000");
        m.put("parallelism", "1");
        m.put("dead-letter.transactional-id-prefix", "it-live-dlq");
        var job = IngestJob.start(StreamExecutionEnvironment.getExecutionEnvironment(), IngestConfig.fromMap(m));
        try {
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            try (KafkaProducer<byte[], byte[]> producer =
                         new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                byte[] key = "run-live".getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>(prefix + RecordKind.STEP_METRICS.topic(), key,
                        CODEC.encode(TestRecords.step("run-live", 1)))).get();
                producer.send(new ProducerRecord<>(prefix + RecordKind.STEP_METRICS.topic(), key,
                        new byte[] {1, 2, 3})).get();
            }
            long sent = System.nanoTime();
            // Far below sink.batch-rows: only the flush timer (or a checkpoint) can have sent it.
            Await.until(Duration.ofSeconds(30), "the row visible in ClickHouse",
                    () -> live.queryValue("SELECT count() FROM step_metrics").equals("1"));
            System.out.printf("IngestJobIT: live row visible after %d ms%n", (System.nanoTime() - sent) / 1_000_000);
            List<DeadLetter> dlq = readDeadLetterTopic(prefix + RecordKind.DEAD_LETTER_TOPIC, 1, 30_000);
            assertThat(dlq).singleElement().satisfies(d -> assertThat(d.getReasonCode()).isEqualTo("UNDECODABLE"));
        } finally {
            job.cancel().get();
        }
    }

    /** Every column of one row of each kind as ClickHouse returns it (strings as hex of their UTF-8 bytes). */
    private static void assertEveryKindRoundTripsExactly() {
        String odd = hex(ODD);
        String oddId = hex(ODD_ID);
        assertThat(one("SELECT hex(run_id) AS run_id, step, toString(time) AS time, wall_time_ms, tokens_seen, "
                + "hex(reinterpretAsString(lr)) AS lr, loss, grad_norm, grad_sq_norm_small, batch_small, "
                + "grad_sq_norm_big, batch_big, throughput_tokens_per_s, length(group_lr_names) AS groups, "
                + "group_lr_values[indexOf(group_lr_names, 'experts')] AS experts, "
                + "hex(reinterpretAsString(group_lr_values[indexOf(group_lr_names, unhex('" + odd + "'))])) AS oddlr, "
                + "ingested_at_ms > 1700000000000 AS ingested FROM step_metrics FINAL WHERE step = 777"))
                .containsExactlyEntriesOf(ordered("run_id", oddId, "step", "777", "time", "2026-01-15 00:12:57",
                        "wall_time_ms", Long.toString(TestRecords.T0 + 777_000), "tokens_seen",
                        Long.toString(777L * 4096), "lr", le(3e-4), "loss", null, "grad_norm", "0.25",
                        "grad_sq_norm_small", "12.5", "batch_small", "256", "grad_sq_norm_big", "0.5",
                        "batch_big", "4096", "throughput_tokens_per_s", null, "groups", "2", "experts", "0.0625",
                        "oddlr", le(3e-4), "ingested", "1"));
        assertThat(one("SELECT run_id, toString(finished_at) AS finished_at, finished_at_ms, final_step, "
                + "toString(status) AS status, hex(message) AS message FROM run_finished FINAL WHERE run_id = 'run-b'"))
                .containsExactlyEntriesOf(ordered("run_id", "run-b", "finished_at", "2026-01-15 01:00:00",
                        "finished_at_ms", Long.toString(TestRecords.T0 + 3_600_000), "final_step", "9999",
                        "status", "STOPPED_EARLY", "message", odd));
        assertThat(one("SELECT status, message FROM run_finished FINAL WHERE run_id = 'run-a'"))
                .containsExactlyEntriesOf(ordered("status", "COMPLETED", "message", null));
        assertThat(one("SELECT hex(source) AS source, toString(source_kind) AS kind, step, layer, sequence_id, "
                + "token_position, toString(time) AS time, wall_time_ms, expert_ids, gate_weights "
                + "FROM routing_trace FINAL WHERE step = 9 AND token_position = 3"))
                .containsExactlyEntriesOf(ordered("source", oddId, "kind", "INFERENCE", "step", "9", "layer", "1",
                        "sequence_id", "seq-0", "token_position", "3", "time", "2026-01-15 00:00:09",
                        "wall_time_ms", Long.toString(TestRecords.T0 + 9000), "expert_ids", "[3,6]",
                        "gate_weights", "[0.75,0.25]"));
        assertThat(sql.queryValue("SELECT countIf(source_kind = 'TRAINING') FROM routing_trace FINAL")).isEqualTo("40");
        var load = TestRecords.expertLoad("run-a", 3, 1, 8);
        assertThat(one("SELECT run_id, layer, step, toString(time) AS time, tokens_per_expert, dropped_tokens, "
                + "aux_loss, z_loss, total_tokens, zero_experts FROM expert_load FINAL WHERE step = 3 AND layer = 1"))
                .containsExactlyEntriesOf(ordered("run_id", "run-a", "layer", "1", "step", "3",
                        "time", "2026-01-15 00:00:03", "tokens_per_expert",
                        load.getTokensPerExpert().toString().replace(" ", ""), "dropped_tokens", "3",
                        "aux_loss", "0.01", "z_loss", null, "total_tokens",
                        Long.toString(load.getTokensPerExpert().stream().mapToLong(Long::longValue).sum()),
                        "zero_experts", "0"));
        assertThat(one("SELECT * FROM data_movement FINAL WHERE src_device = 4"))
                .containsAllEntriesOf(ordered("source", "server-1", "step", "-1",
                        "wall_time_ms", Long.toString(TestRecords.T0 - 1000), "layer", "1", "src_device", "4",
                        "dst_device", "5", "time", "2026-01-14 23:59:59", "bytes", Long.toString(1L << 20)));
        assertThat(one("SELECT run_id, family_id, toString(started_at) AS started_at, total_params, layers, top_k, "
                + "has_schedule, schedule_kind, warmup_steps, peak_lr, milestones, lr_per_step, seq_len, tag_keys "
                + "FROM runs FINAL WHERE run_id = 'run-b'"))
                .containsExactlyEntriesOf(ordered("run_id", "run-b", "family_id", "fam-1",
                        "started_at", "2026-01-15 00:00:00", "total_params", "1000000000", "layers", "24",
                        "top_k", "2", "has_schedule", "1", "schedule_kind", "WSD_LINEAR", "warmup_steps", "100",
                        "peak_lr", "0.0003", "milestones", "[]", "lr_per_step", "[]", "seq_len", "2048",
                        "tag_keys", "['dataset','owner']"));
    }

    private static Map<String, String> one(String query) {
        List<Map<String, String>> rows = sql.queryMaps(query);
        assertThat(rows).as(query).hasSize(1);
        return rows.get(0);
    }

    private static Map<String, String> ordered(String... kv) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    private static String hex(String s) {
        return java.util.HexFormat.of().withUpperCase().formatHex(s.getBytes(StandardCharsets.UTF_8));
    }

    /** The little-endian IEEE bytes of {@code v}, as {@code hex(reinterpretAsString(x))} shows a Float64. */
    private static String le(double v) {
        return java.util.HexFormat.of().withUpperCase().formatHex(ByteBuffer.allocate(8)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).putDouble(v).array());
    }

    private static void assertExactCounts() {
        assertThat(countFinal("runs")).isEqualTo(2);
        assertThat(countFinal("run_finished")).isEqualTo(2);
        assertThat(countFinal("step_metrics")).isEqualTo(151);
        assertThat(countFinal("eval_metrics")).isEqualTo(3);
        assertThat(countFinal("expert_load")).isEqualTo(40);
        assertThat(countFinal("routing_trace")).isEqualTo(44);
        assertThat(countFinal("data_movement")).isEqualTo(6);
        assertThat(countFinal("dead_letters")).isEqualTo(REFUSED.size());
    }

    private static long countFinal(String table) {
        return Long.parseLong(sql.queryValue("SELECT count() FROM " + table + " FINAL"));
    }

    private static long count(String table) {
        return Long.parseLong(sql.queryValue("SELECT count() FROM " + table));
    }

    private static List<DeadLetter> readDeadLetterTopic() throws Exception {
        return readDeadLetterTopic(RecordKind.DEAD_LETTER_TOPIC, 0, 0);
    }

    /**
     * Committed dead letters on {@code topic}; waits up to {@code waitMs} for at least {@code atLeast} of them (a
     * running job commits its transaction on the next checkpoint).
     */
    private static List<DeadLetter> readDeadLetterTopic(String topic, int atLeast, long waitMs) throws Exception {
        return Await.until(Duration.ofMillis(waitMs), atLeast + " committed dead letters on " + topic,
                () -> readCommitted(topic), out -> out.size() >= atLeast);
    }

    private static List<DeadLetter> readCommitted(String topic) throws Exception {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<DeadLetter> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c =
                     new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            var partitions = c.partitionsFor(topic).stream()
                    .map(i -> new org.apache.kafka.common.TopicPartition(i.topic(), i.partition())).toList();
            c.assign(partitions);
            c.seekToBeginning(partitions);
            Map<org.apache.kafka.common.TopicPartition, Long> end = c.endOffsets(partitions);
            long deadline = System.currentTimeMillis() + 30_000;
            while (partitions.stream().anyMatch(tp -> c.position(tp) < end.get(tp))
                    && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    DeadLetter d = DeadLetter.getDecoder().decode(r.value());
                    assertThat(r.key()).isEqualTo(bytes(d.getKey()));
                    assertThat(d.getRefusedBy()).isEqualTo("runlaw-ingest");
                    out.add(d);
                }
            }
        }
        return out;
    }

    private static byte[] bytes(ByteBuffer b) {
        if (b == null) {
            return null;
        }
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
