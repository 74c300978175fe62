package dev.runlaw.jobs.forecast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runlaw.schema.Topics;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ForecastConfigTest {
    private static final Map<String, String> MINIMAL = Map.of("bootstrap.servers", "127.0.0.1:9092",
            "clickhouse.url", "http://127.0.0.1:8123");

    @Test
    void defaultsAreTheDocumentedOnes() {
        ForecastConfig c = ForecastConfig.fromMap(MINIMAL);
        assertThat(c.settings().groupId()).isEqualTo("runlaw-forecast");
        assertThat(c.policy().law()).isEqualTo("auto");
        assertThat(c.policy().refitPoints()).isEqualTo(16);
        assertThat(c.policy().refitIntervalMs()).isEqualTo(2000);
        assertThat(c.policy().whatIfFractions()).containsExactly(0.5, 0.7, 0.9);
        assertThat(c.policy().stopBelow()).isEqualTo(0.05);
        assertThat(c.inputTopics()).containsExactly(Topics.RUN_STARTED, Topics.STEP_METRICS, Topics.RUN_FINISHED);
        assertThat(c.referencesTopic()).isEqualTo(Topics.RUN_REFERENCES);
        assertThat(c.settings().batchRows()).isEqualTo(50_000);
        assertThat(c.settings().flushIntervalMs()).isEqualTo(250);
        assertThat(c.settings().jobName()).isEqualTo("runlaw-forecast");
        assertThat(c.settings().deadLetterTopicName()).isEqualTo(Topics.DEAD_LETTERS);
        assertThat(c.settings().deadLetterTransactionalIdPrefix()).isEqualTo("runlaw-forecast-dlq");
    }

    @Test
    void prefixAppliesToEveryTopic() {
        Map<String, String> m = new java.util.HashMap<>(MINIMAL);
        m.put("topic.prefix", "lab1.");
        ForecastConfig c = ForecastConfig.fromMap(m);
        assertThat(c.inputTopics()).allMatch(t -> t.startsWith("lab1." + Topics.NAMESPACE));
        assertThat(c.forecastsTopic()).isEqualTo("lab1." + Topics.FORECASTS);
        assertThat(c.adviceTopic()).isEqualTo("lab1." + Topics.ADVICE);
        assertThat(c.settings().deadLetterTopicName()).isEqualTo("lab1." + Topics.DEAD_LETTERS);
    }

    @Test
    void reportsEveryBadSettingInOneMessage() {
        Map<String, String> m = new java.util.HashMap<>(MINIMAL);
        m.put("forecast.law", "cubic");
        m.put("forecast.what-if-fractions", "0.5,1.5");
        m.put("advice.stop-below", "0.9");
        m.put("advice.continue-above", "0.1");
        m.put("forecast.refit-points", "0");
        m.put("no.such.key", "1");
        assertThatThrownBy(() -> ForecastConfig.fromMap(m)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("forecast.law").hasMessageContaining("what-if-fractions")
                .hasMessageContaining("advice.stop-below").hasMessageContaining("forecast.refit-points")
                .hasMessageContaining("no.such.key");
    }

    @Test
    void requiresKafkaAndClickHouse() {
        assertThatThrownBy(() -> ForecastConfig.fromMap(Map.of())).hasMessageContaining("bootstrap.servers is required")
                .hasMessageContaining("clickhouse.url is required");
    }

    @Test
    void refusesBoundedBecauseTheJobRunsUntilCancelled() {
        Map<String, String> m = new java.util.HashMap<>(MINIMAL);
        m.put("bounded", "true");
        assertThatThrownBy(() -> ForecastConfig.fromMap(m)).hasMessageContaining("bounded is not supported");
    }

    @Test
    void idleTimeoutAndTotalReferencesHaveDefaultsAndBounds() {
        ForecastConfig c = ForecastConfig.fromMap(MINIMAL);
        assertThat(c.policy().idleTimeoutMs()).isEqualTo(7L * 24 * 3600 * 1000);
        assertThat(c.policy().maxReferencesTotal()).isEqualTo(1000);
        Map<String, String> m = new java.util.HashMap<>(MINIMAL);
        m.put("forecast.idle-timeout-ms", "60000");
        m.put("forecast.max-references-total", "50");
        ForecastConfig set = ForecastConfig.fromMap(m);
        assertThat(set.policy().idleTimeoutMs()).isEqualTo(60_000);
        assertThat(set.policy().maxReferencesTotal()).isEqualTo(50);
        m.put("forecast.idle-timeout-ms", "10");
        m.put("forecast.max-references-total", "-1");
        assertThatThrownBy(() -> ForecastConfig.fromMap(m)).hasMessageContaining("forecast.idle-timeout-ms")
                .hasMessageContaining("forecast.max-references-total");
    }
}
