package dev.runlaw.schema.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaClientPropertiesTest {

    @Test
    void takesThePrefixedKeysVerbatimWithoutThePrefix() {
        KafkaClientProperties k = KafkaClientProperties.fromPrefixed(Map.of("kafka.security.protocol", "SASL_SSL",
                "kafka.sasl.mechanism", " SCRAM-SHA-512 ", "kafka.ssl.truststore.location", "/etc/ca.jks",
                "bootstrap.servers", "b:9092", "limits.max-experts", "4"));
        assertThat(k.asMap()).containsExactly(Map.entry("sasl.mechanism", "SCRAM-SHA-512"),
                Map.entry("security.protocol", "SASL_SSL"), Map.entry("ssl.truststore.location", "/etc/ca.jks"));
        assertThat(k.toProperties()).containsEntry("security.protocol", "SASL_SSL").hasSize(3);
        assertThat(KafkaClientProperties.fromPrefixed(Map.of("group.id", "g")).isEmpty()).isTrue();
    }

    @Test
    void refusesWhatRunlawSetsItselfAndMalformedEntries() {
        assertThatThrownBy(() -> KafkaClientProperties.fromPrefixed(Map.of("kafka.bootstrap.servers", "b:1")))
                .hasMessageContaining("kafka.bootstrap.servers is set by runlaw");
        assertThatThrownBy(() -> KafkaClientProperties.of(Map.of("isolation.level", "read_uncommitted")))
                .hasMessageContaining("isolation.level is set by runlaw");
        assertThatThrownBy(() -> KafkaClientProperties.of(Map.of("sasl.mechanism", " ")))
                .hasMessageContaining("sasl.mechanism needs a value");
        assertThatThrownBy(() -> KafkaClientProperties.of(Map.of("sasl mechanism", "PLAIN")))
                .hasMessageContaining("not a Kafka client property name");
    }

    @Test
    void keepsSecretsOutOfItsText() {
        KafkaClientProperties k = KafkaClientProperties.of(Map.of("sasl.jaas.config",
                "ScramLoginModule required username=\"u\" password=\"p4ss\";", "ssl.truststore.password", "t0p",
                "security.protocol", "SASL_SSL"));
        assertThat(k.toString()).contains("security.protocol=SASL_SSL", "sasl.jaas.config=***",
                "ssl.truststore.password=***").doesNotContain("p4ss").doesNotContain("t0p");
        assertThat(k).isEqualTo(KafkaClientProperties.of(k.asMap()));
    }
}
