package dev.runlaw.producers.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runlaw.producers.gateway.GatewayConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gateway's (and importer's) Kafka client properties: a client properties file, then {@code --kafka} flags. */
class KafkaClientOptionsTest {

    @Test
    void readsTheFileThenTheFlagsWhichWin(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("client.properties");
        Files.writeString(file, "# as Kafka's tools read it\nsecurity.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-256\n"
                + "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\\n"
                + "  username=\"gw\" password=\"s3cret\";\n");
        GatewayConfig c = GatewayConfig.fromArgs(new String[] {"--bootstrap.servers", "k:9093", "--no-auth",
            "--kafka-config", file.toString(), "--kafka", "sasl.mechanism=SCRAM-SHA-512", "--kafka",
            "ssl.truststore.location=/etc/runlaw/ca.p12"}, Map.of());
        assertThat(c.kafka().asMap()).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("ssl.truststore.location", "/etc/runlaw/ca.p12");
        assertThat(c.kafka().get("sasl.jaas.config")).contains("username=\"gw\" password=\"s3cret\"");
        assertThat(c.toString()).contains("security.protocol=SASL_SSL").doesNotContain("s3cret");
        assertThat(GatewayConfig.fromArgs(new String[] {"--bootstrap.servers", "k:1", "--no-auth"}, Map.of())
                .kafka().isEmpty()).isTrue();
    }

    @Test
    void refusesPropertiesRunlawSetsAndMissingFiles(@TempDir Path dir) {
        assertThatThrownBy(() -> GatewayConfig.fromArgs(new String[] {"--bootstrap.servers", "k:1", "--no-auth",
            "--kafka", "bootstrap.servers=other:1"}, Map.of())).hasMessageContaining("bootstrap.servers is set by runlaw");
        assertThatThrownBy(() -> GatewayConfig.fromArgs(new String[] {"--bootstrap.servers", "k:1", "--no-auth",
            "--kafka-config", dir.resolve("absent.properties").toString()}, Map.of()))
                .hasMessageContaining("cannot read --kafka-config");
    }
}
