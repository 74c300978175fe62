package dev.runlaw.jobs.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The routing job's settings: defaults, always bounded, and every problem in one message. */
class RoutingConfigTest {
    private static Map<String, String> base() {
        Map<String, String> m = new HashMap<>();
        m.put("bootstrap.servers", "127.0.0.1:9092");
        m.put("clickhouse.url", "http://127.0.0.1:8123");
        m.put("routing.source", "run-1");
        return m;
    }

    @Test
    void defaultsAreBoundedWithAFreshAnalysisId() {
        RoutingConfig a = RoutingConfig.fromMap(base(), 5L);
        RoutingConfig b = RoutingConfig.fromMap(base(), 5L);
        assertThat(a.settings().bounded()).isTrue();
        assertThat(a.devices()).isEqualTo(8);
        assertThat(a.analysis().experts()).isZero();
        assertThat(a.analysedAtMs()).isEqualTo(5L);
        assertThat(a.analysisId()).isNotEqualTo(b.analysisId());
        assertThat(a.tracesTopic()).isEqualTo("runlaw.routing-traces");
    }

    @Test
    void reportsEveryProblemAtOnce() {
        Map<String, String> m = base();
        m.remove("routing.source");
        m.put("bounded", "false");
        m.put("routing.devices", "16");
        m.put("routing.experts", "8");
        m.put("routing.analysis-id", "no spaces");
        assertThatThrownBy(() -> RoutingConfig.fromMap(m)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("routing.source is required")
                .hasMessageContaining("bounded=false is not supported")
                .hasMessageContaining("devices (16) must not exceed experts (8)")
                .hasMessageContaining("routing.analysis-id may hold");
    }
}
