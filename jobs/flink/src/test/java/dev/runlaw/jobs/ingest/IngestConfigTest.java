package dev.runlaw.jobs.ingest;

import dev.runlaw.jobs.common.JobRunner;
import dev.runlaw.jobs.common.JobSettings;
import dev.runlaw.schema.Topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runlaw.schema.validate.Limits;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IngestConfigTest {

    private static Map<String, String> minimal() {
        Map<String, String> m = new HashMap<>();
        m.put("bootstrap.servers", "127.0.0.1:9092");
        m.put("clickhouse.url", "http://127.0.0.1:8123");
        return m;
    }

    @Test
    void appliesDefaultsToAMinimalConfiguration() {
        IngestConfig c = IngestConfig.fromMap(minimal());
        assertThat(c.settings().groupId()).isEqualTo("runlaw-ingest");
        assertThat(c.settings().topicPrefix()).isEmpty();
        assertThat(c.settings().startingOffsets()).isEqualTo(JobSettings.StartingOffsets.EARLIEST);
        assertThat(c.settings().bounded()).isFalse();
        assertThat(c.settings().clickHouse().database()).isEqualTo("default");
        assertThat(c.settings().batchRows()).isEqualTo(200_000);
        assertThat(c.settings().flushIntervalMs()).isEqualTo(1_000);
        assertThat(c.settings().checkpointIntervalMs()).isEqualTo(5_000);
        assertThat(c.settings().stateBackend()).isEqualTo(JobSettings.StateBackend.HASHMAP);
        assertThat(c.settings().deadLetterTopicName()).isEqualTo(Topics.DEAD_LETTERS);
        assertThat(c.settings().parallelism()).isZero();
        assertThat(c.settings().limits()).isEqualTo(Limits.defaults());
        assertThat(c.topics()).hasSize(7).contains(Topics.STEP_METRICS);
    }

    @Test
    void parsesCommandLineArgumentsIncludingFlagsPrefixAndLimits() {
        IngestConfig c = IngestConfig.fromArgs("--bootstrap.servers", "127.0.0.1:1,127.0.0.1:2",
                "--clickhouse.url", "jdbc:clickhouse://127.0.0.1:8123/runlaw", "--clickhouse.user", "ingest",
                "--topic.prefix", "test1.", "--bounded", "--state.backend", "RocksDB", "--starting.offsets",
                "committed", "--sink.batch-rows", "1000", "--parallelism", "2", "--limits.max-experts", "64",
                "--checkpoint.dir", "file:///tmp/cp");
        assertThat(c.settings().bounded()).isTrue();
        assertThat(c.settings().stateBackend()).isEqualTo(JobSettings.StateBackend.ROCKSDB);
        assertThat(c.settings().startingOffsets()).isEqualTo(JobSettings.StartingOffsets.COMMITTED);
        assertThat(c.settings().clickHouse().database()).isEqualTo("runlaw");
        assertThat(c.settings().clickHouse().user()).isEqualTo("ingest");
        assertThat(c.topics()).contains("test1." + Topics.EXPERT_LOAD);
        assertThat(c.settings().deadLetterTopicName()).isEqualTo("test1." + Topics.DEAD_LETTERS);
        assertThat(c.settings().limits().maxExperts()).isEqualTo(64);
        assertThat(c.settings().parallelism()).isEqualTo(2);
        assertThat(JobRunner.flinkConfiguration(c.settings()).toMap()).containsEntry("state.backend.type", "rocksdb")
                .containsEntry("execution.checkpointing.dir", "file:///tmp/cp");
    }

    @Test
    void reportsEveryProblemInOneMessage() {
        Map<String, String> m = new HashMap<>();
        m.put("clickhouse.url", "tcp://x:9000");
        m.put("sink.batch-rows", "lots");
        m.put("sink.flush-interval-ms", "0");
        m.put("state.backend", "leveldb");
        m.put("bounded", "maybe");
        m.put("limits.max-experts", "many");
        m.put("grup.id", "typo");
        assertThatThrownBy(() -> IngestConfig.fromMap(m))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bootstrap.servers is required")
                .hasMessageContaining("must start with http://")
                .hasMessageContaining("sink.batch-rows must be an integer, got 'lots'")
                .hasMessageContaining("sink.flush-interval-ms must be in 1..3600000, got 0")
                .hasMessageContaining("state.backend must be one of [hashmap, rocksdb], got 'leveldb'")
                .hasMessageContaining("bounded must be true or false, got 'maybe'")
                .hasMessageContaining("limits.max-experts must be an integer")
                .hasMessageContaining("unknown setting(s) [grup.id]");
    }

    @Test
    void refusesMalformedBrokersTopicPrefixAndCheckpointDir() {
        Map<String, String> m = minimal();
        m.put("bootstrap.servers", "kafka");
        m.put("topic.prefix", "a b");
        m.put("checkpoint.dir", "/tmp/cp");
        assertThatThrownBy(() -> IngestConfig.fromMap(m))
                .hasMessageContaining("bootstrap.servers must be host:port")
                .hasMessageContaining("topic.prefix may hold only")
                .hasMessageContaining("checkpoint.dir must be a URI");
    }

    @Test
    void refusesTransactionTimeoutShorterThanCheckpoints() {
        Map<String, String> m = minimal();
        m.put("checkpoint.interval-ms", "120000");
        m.put("dead-letter.transaction-timeout-ms", "60000");
        assertThatThrownBy(() -> IngestConfig.fromMap(m)).hasMessageContaining("must be longer than checkpoint");
    }

    @Test
    void passesKafkaClientPropertiesToEveryClientAndKeepsTheirSecretsOutOfItsText() {
        Map<String, String> m = minimal();
        m.put("kafka.security.protocol", "SASL_SSL");
        m.put("kafka.sasl.mechanism", "SCRAM-SHA-512");
        m.put("kafka.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required "
                + "username=\"ingest\" password=\"hunter22\";");
        m.put("kafka.ssl.truststore.location", "/etc/runlaw/ca.p12");
        IngestConfig c = IngestConfig.fromMap(m);
        assertThat(c.settings().kafka().asMap()).hasSize(4).containsEntry("security.protocol", "SASL_SSL");
        assertThat(c.toString()).contains("security.protocol=SASL_SSL").doesNotContain("hunter22");
        assertThat(IngestConfig.fromMap(minimal()).settings().kafka().isEmpty()).isTrue();

        m.put("kafka.group.id", "other");
        m.put("kafka.transactional.id", "x");
        assertThatThrownBy(() -> IngestConfig.fromMap(m)).hasMessageContaining("kafka.group.id is set by runlaw");
    }

    @Test
    void trustsAPrivateCaForClickHouseOverHttpsOnly() {
        Map<String, String> m = minimal();
        m.put("clickhouse.url", "https://ch.example:8443");
        m.put("clickhouse.ssl.root-certificate", "/etc/runlaw/ch-ca.pem");
        assertThat(IngestConfig.fromMap(m).settings().clickHouse().tls().rootCertificate())
                .isEqualTo("/etc/runlaw/ch-ca.pem");
        m.put("clickhouse.ssl.trust-store", "/etc/runlaw/ch.p12");
        assertThatThrownBy(() -> IngestConfig.fromMap(m)).hasMessageContaining("not both");
        m.remove("clickhouse.ssl.root-certificate");
        m.put("clickhouse.ssl.trust-store-password", "changeit");
        assertThat(IngestConfig.fromMap(m).settings().clickHouse().tls().trustStore()).isEqualTo("/etc/runlaw/ch.p12");
        assertThat(IngestConfig.fromMap(m).toString()).doesNotContain("changeit");
        m.put("clickhouse.url", "http://ch.example:8123");
        assertThatThrownBy(() -> IngestConfig.fromMap(m)).hasMessageContaining("need an https:// ClickHouse URL");
    }
}
