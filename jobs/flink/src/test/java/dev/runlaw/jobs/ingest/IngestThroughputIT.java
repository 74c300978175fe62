package dev.runlaw.jobs.ingest;

import dev.runlaw.local.ClickHouseHttp;
import dev.runlaw.local.EmbeddedKafka;
import dev.runlaw.local.LocalClickHouse;
import dev.runlaw.local.SqlFiles;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.codec.TelemetryCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A rough throughput check, off by default ({@code -Drunlaw.bench=true}; sizes with {@code -Drunlaw.bench.steps}
 * and {@code -Drunlaw.bench.loads}): Kafka produce + consume of step metrics versus Kafka → ingest job →
 * ClickHouse, and expert-load cells per second. The real benchmark is {@code runlaw bench ingest}.
 */
@EnabledIfSystemProperty(named = "runlaw.bench", matches = "true")
@Timeout(900)
class IngestThroughputIT {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(1).setConfiguration(conf()).build());

    private static Configuration conf() {
        Configuration c = new Configuration();
        c.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        return c;
    }

    @Test
    void measuresIngestThroughput() throws Exception {
        int steps = Integer.getInteger("runlaw.bench.steps", 300_000);
        int loads = Integer.getInteger("runlaw.bench.loads", 10_000);
        int experts = 256;
        TelemetryCodec codec = new TelemetryCodec();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(); LocalClickHouse ch = LocalClickHouse.start()) {
            SqlFiles.fromProject().applyAll(ch.http(), "bench");
            ClickHouseHttp sql = ch.http().withDatabase("bench");
            for (RecordKind k : RecordKind.values()) {
                kafka.createTopics(1, k.topic(), "l." + k.topic());
            }
            kafka.createTopics(1, RecordKind.DEAD_LETTER_TOPIC);

            long t = System.nanoTime();
            produce(kafka, codec, "", RecordKind.STEP_METRICS, steps, i -> TestRecords.step("run-" + (i % 8), i / 8));
            double produceS = (System.nanoTime() - t) / 1e9;
            t = System.nanoTime();
            long consumed = consumeAll(kafka, RecordKind.STEP_METRICS.topic(), steps);
            double consumeS = (System.nanoTime() - t) / 1e9;

            jdk.jfr.Recording rec = null;
            if (System.getProperty("runlaw.bench.jfr") != null) {
                rec = new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile"));
                rec.start();
            }
            t = System.nanoTime();
            IngestJob.run(StreamExecutionEnvironment.getExecutionEnvironment(), config(kafka, ch, "bench-steps", ""));
            double jobS = (System.nanoTime() - t) / 1e9;
            if (rec != null) {
                rec.stop();
                rec.dump(java.nio.file.Path.of(System.getProperty("runlaw.bench.jfr")));
            }
            String rows = sql.queryValue("SELECT count() FROM step_metrics");
            System.out.printf("BENCH step metrics: %d records; produce %.2f s (%.0f/s), consume %d in %.2f s (%.0f/s),"
                            + " produce+consume %.0f/s; ingest job %.2f s (%.0f/s), rows %s; ratio %.2f%n",
                    steps, produceS, steps / produceS, consumed, consumeS, consumed / consumeS,
                    steps / (produceS + consumeS), jobS, steps / jobS, rows, (produceS + consumeS) / jobS);

            produce(kafka, codec, "l.", RecordKind.EXPERT_LOAD, loads,
                    i -> TestRecords.expertLoad("run-" + (i % 8), i / 64, (int) (i % 64), experts));
            t = System.nanoTime();
            IngestJob.run(StreamExecutionEnvironment.getExecutionEnvironment(),
                    config(kafka, ch, "bench-loads", "l."));
            double loadS = (System.nanoTime() - t) / 1e9;
            System.out.printf("BENCH expert load: %d records x %d experts in %.2f s: %.0f cells/s, rows %s%n", loads, experts, loadS,
                    (double) loads * experts / loadS, sql.queryValue("SELECT count() FROM expert_load"));
        }
    }

    private interface Gen {
        SpecificRecord make(long i);
    }

    private static void produce(EmbeddedKafka kafka, TelemetryCodec codec, String prefix, RecordKind kind, int n,
                                Gen gen)
            throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        try (KafkaProducer<byte[], byte[]> producer =
                     new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (long i = 0; i < n; i++) {
                SpecificRecord r = gen.make(i);
                producer.send(new ProducerRecord<>(prefix + kind.topic(), kind.keyOf(r).getBytes(StandardCharsets.UTF_8),
                        codec.encode(r)));
            }
            producer.flush();
        }
    }

    private static long consumeAll(EmbeddedKafka kafka, String topic, long n) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        long seen = 0;
        try (KafkaConsumer<byte[], byte[]> c =
                     new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            while (seen < n) {
                seen += c.poll(Duration.ofMillis(500)).count();
            }
        }
        return seen;
    }

    private static IngestConfig config(EmbeddedKafka kafka, LocalClickHouse ch, String group, String prefix) {
        Map<String, String> m = new HashMap<>();
        m.put("topic.prefix", prefix);
        m.put("bootstrap.servers", kafka.bootstrapServers());
        m.put("group.id", group);
        m.put("bounded", "true");
        m.put("clickhouse.url", ch.endpoint().url());
        m.put("clickhouse.database", "bench");
        m.put("parallelism", "1");
        m.put("checkpoint.interval-ms", "2000");
        return IngestConfig.fromMap(m);
    }
}
