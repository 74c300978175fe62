package dev.runlaw.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.clickhouse.client.api.Client;
import dev.runlaw.jobs.clickhouse.ClickHouseEndpoint;
import dev.runlaw.local.ClickHouseHttp;
import dev.runlaw.local.EmbeddedKafka;
import dev.runlaw.local.Files2;
import dev.runlaw.local.LocalClickHouse;
import dev.runlaw.local.SelfSignedTls;
import dev.runlaw.local.SqlFiles;
import dev.runlaw.producers.TelemetryProducer;
import dev.runlaw.schema.RecordKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline's own connections secured, on real servers: the embedded broker with a SASL_SSL listener (SCRAM over
 * TLS, with a self-signed certificate made by keytool for 127.0.0.1) and SCRAM users made through the admin API, a
 * private ClickHouse server that also serves HTTPS with the same certificate, the ingest job on a MiniCluster.
 * A Kafka client without credentials, with a wrong password, or with the right credentials but without the trust
 * store is refused; a ClickHouse client over HTTPS is refused without the trust store. The producer library and the
 * ingest job with credentials and trust stores (the job's given as {@code kafka.*} and {@code clickhouse.ssl.*}
 * settings, its Kafka password read from a file by Kafka's {@code FileConfigProvider}) carry every record into
 * ClickHouse over HTTPS and the refused one to the dead-letter topic, whose transactional sink authenticates the
 * same way.
 */
@Timeout(240)
class SecureConnectionsIT {
    private static final String DB = "runlaw_scram_it";
    private static final String TRAINER = "trainer";
    private static final String TRAINER_PASSWORD = "trainer-secret-1";
    private static final String INGEST = "runlaw-ingest";
    private static final String INGEST_PASSWORD = "ingest-secret-2";
    private static final int STEPS = 60;

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(1)
            .setConfiguration(noRestarts())
            .build());

    private static Path tlsDir;
    private static SelfSignedTls tls;
    private static EmbeddedKafka kafka;
    private static LocalClickHouse clickHouse;
    private static ClickHouseHttp sql;

    private static Configuration noRestarts() {
        Configuration c = new Configuration();
        c.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        return c;
    }

    @BeforeAll
    static void startServers() {
        tlsDir = Files2.createTempDir("runlaw-tls-it-");
        tls = SelfSignedTls.create(tlsDir);
        kafka = EmbeddedKafka.builder().saslScramListener().tls(tls).start();
        kafka.createScramUser(TRAINER, TRAINER_PASSWORD);
        kafka.createScramUser(INGEST, INGEST_PASSWORD);
        List<String> topics = new ArrayList<>();
        for (RecordKind k : RecordKind.values()) {
            topics.add(k.topic());
        }
        topics.add(RecordKind.DEAD_LETTER_TOPIC);
        kafka.createTopics(2, topics.toArray(String[]::new));
        clickHouse = LocalClickHouse.startWithHttps(tls);
        SqlFiles.fromProject().applyAll(clickHouse.http(), DB);
        sql = clickHouse.http().withDatabase(DB);
    }

    @AfterAll
    static void stopServers() {
        if (clickHouse != null) {
            clickHouse.close();
        }
        if (kafka != null) {
            kafka.close();
        }
        if (tlsDir != null) {
            Files2.deleteRecursively(tlsDir);
        }
    }

    /** SASL/SCRAM-over-TLS client properties for {@code user}, trusting the broker's certificate. */
    private static Map<String, Object> scram(String user, String password) {
        Map<String, Object> p = new HashMap<>(scramWithoutTrust(user, password));
        p.putAll(tls.kafkaClientProperties());
        return p;
    }

    /** As {@link #scram}, but with the JDK's default trust store, which does not hold the broker's certificate. */
    private static Map<String, Object> scramWithoutTrust(String user, String password) {
        return Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512",
                "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                        + user + "\" password=\"" + password + "\";");
    }

    private static Admin admin(Map<String, Object> extra) {
        Map<String, Object> p = new HashMap<>(extra);
        p.put("bootstrap.servers", kafka.saslBootstrapServers());
        p.put("request.timeout.ms", 3000);
        p.put("default.api.timeout.ms", 5000);
        return Admin.create(p);
    }

    @Test
    void refusesClientsWithoutOrWithWrongCredentials() throws Exception {
        // No credentials: a plaintext client on the SASL listener never gets an answer it understands.
        try (Admin anonymous = admin(Map.of())) {
            assertThatThrownBy(() -> anonymous.describeCluster().nodes().get(10, TimeUnit.SECONDS))
                    .isInstanceOfAny(ExecutionException.class, java.util.concurrent.TimeoutException.class);
        }
        // The right credentials, but a client that does not trust the broker's certificate: TLS fails first.
        try (Admin untrusting = admin(scramWithoutTrust(TRAINER, TRAINER_PASSWORD))) {
            assertThatThrownBy(() -> untrusting.describeCluster().nodes().get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(SslAuthenticationException.class);
        }
        // A known user with the wrong password: the broker says so.
        try (Admin wrong = admin(scram(TRAINER, "not-the-password"))) {
            assertThatThrownBy(() -> wrong.describeCluster().nodes().get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(SaslAuthenticationException.class);
        }
        // The right one is let in (the same call, so the refusals above are about credentials only).
        try (Admin right = admin(scram(TRAINER, TRAINER_PASSWORD))) {
            assertThat(right.describeCluster().nodes().get(10, TimeUnit.SECONDS)).hasSize(1);
        }
    }

    @Test
    void clickHouseOverHttpsTrustsOnlyTheGivenCertificate() {
        String https = clickHouse.httpsUrl().orElseThrow();
        ClickHouseEndpoint untrusting = new ClickHouseEndpoint(https, "default", "", DB);
        ClickHouseEndpoint trusting = untrusting.withTls(ClickHouseEndpoint.Tls.of(null, tls.trustStore().toString(),
                tls.password()));
        ClickHouseEndpoint pemTrusting = untrusting.withTls(ClickHouseEndpoint.Tls.of(tls.certificatePem().toString(),
                null, null));
        try (Client refused = untrusting.newClient(); Client viaStore = trusting.newClient();
             Client viaPem = pemTrusting.newClient()) {
            // The certificate is signed by no CA the JVM trusts: the handshake fails, the same server answers below.
            assertThat(refused.ping(5_000)).isFalse();
            assertThat(viaStore.ping(5_000)).isTrue();
            assertThat(viaPem.ping(5_000)).isTrue();
        }
    }

    @Test
    void ingestJobWithCredentialsCarriesEveryRecordIntoClickHouse(@TempDir Path dir) throws Exception {
        try (TelemetryProducer producer = TelemetryProducer.builder(kafka.saslBootstrapServers())
                .properties(scram(TRAINER, TRAINER_PASSWORD)).property("max.block.ms", 30_000).build()) {
            assertThat(producer.send(TestRecords.runStarted("scram-run"))).isTrue();
            for (int s = 0; s < STEPS; s++) {
                assertThat(producer.send(TestRecords.step("scram-run", s))).isTrue();
            }
            producer.flush();
            assertThat(producer.counters().acked()).isEqualTo(STEPS + 1);
        }
        Map<String, Object> raw = new HashMap<>(scram(TRAINER, TRAINER_PASSWORD));
        raw.put("bootstrap.servers", kafka.saslBootstrapServers());
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(raw, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            // Not Avro: the job must refuse it to the dead-letter topic, through its authenticated transactional sink.
            p.send(new ProducerRecord<>(RecordKind.STEP_METRICS.topic(), "scram-run".getBytes(StandardCharsets.UTF_8),
                    "not avro".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
        }

        // The job's password stays out of its arguments: Kafka's FileConfigProvider reads it where the client starts.
        Path secret = dir.resolve("kafka-secret.properties");
        Files.writeString(secret, "password=" + INGEST_PASSWORD + "\n");
        Map<String, String> m = new HashMap<>();
        m.put("bootstrap.servers", kafka.saslBootstrapServers());
        m.put("group.id", "scram-it");
        m.put("bounded", "true");
        m.put("clickhouse.url", clickHouse.httpsUrl().orElseThrow());
        m.put("clickhouse.ssl.trust-store", tls.trustStore().toString());
        m.put("clickhouse.ssl.trust-store-password", tls.password());
        m.put("clickhouse.user", clickHouse.endpoint().user());
        m.put("clickhouse.password", clickHouse.endpoint().password());
        m.put("clickhouse.database", DB);
        m.put("checkpoint.interval-ms", "500");
        m.put("parallelism", "1");
        m.put("kafka.security.protocol", "SASL_SSL");
        tls.kafkaClientProperties().forEach((k, v) -> m.put("kafka." + k, v));
        m.put("kafka.sasl.mechanism", "SCRAM-SHA-256");
        m.put("kafka.config.providers", "file");
        m.put("kafka.config.providers.file.class", "org.apache.kafka.common.config.provider.FileConfigProvider");
        m.put("kafka.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                + INGEST + "\" password=\"${file:" + secret + ":password}\";");
        IngestConfig config = IngestConfig.fromMap(m);
        assertThat(config.toString()).contains("kafka.{").doesNotContain(INGEST_PASSWORD).doesNotContain(tls.password());
        IngestJob.run(StreamExecutionEnvironment.getExecutionEnvironment(), config);

        assertThat(sql.queryValue("SELECT count() FROM step_metrics FINAL WHERE run_id = 'scram-run'"))
                .isEqualTo(Integer.toString(STEPS));
        assertThat(sql.queryValue("SELECT count() FROM runs FINAL WHERE run_id = 'scram-run'")).isEqualTo("1");
        assertThat(sql.queryValue("SELECT count() FROM dead_letters FINAL")).isEqualTo("1");
        assertThat(committedDeadLetters()).isEqualTo(1);
    }

    /** Records on the dead-letter topic that a read_committed consumer with credentials sees. */
    private static int committedDeadLetters() {
        Map<String, Object> p = new HashMap<>(scram(TRAINER, TRAINER_PASSWORD));
        p.put("bootstrap.servers", kafka.saslBootstrapServers());
        p.put("isolation.level", "read_committed");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> tps = List.of(new TopicPartition(RecordKind.DEAD_LETTER_TOPIC, 0),
                    new TopicPartition(RecordKind.DEAD_LETTER_TOPIC, 1));
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps, Duration.ofSeconds(30));
            int n = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                n += c.poll(Duration.ofMillis(200)).count();
            }
            return n;
        }
    }
}
