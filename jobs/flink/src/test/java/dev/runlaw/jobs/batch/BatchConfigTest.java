package dev.runlaw.jobs.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BatchConfigTest {
    private static Map<String, String> base() {
        Map<String, String> m = new HashMap<>();
        m.put("bootstrap.servers", "127.0.0.1:9092");
        m.put("clickhouse.url", "http://127.0.0.1:8123");
        return m;
    }

    @Test
    void defaultsAndTopics() {
        BatchConfig c = BatchConfig.fromMap(base());
        assertThat(c.settings().groupId()).isEqualTo("runlaw-batch");
        assertThat(c.policy().emitEverySteps()).isEqualTo(50);
        assertThat(c.policy().targetsOf("any")).isNull();
        assertThat(c.adviceTopic()).isEqualTo("runlaw.batch-advice");
        assertThat(c.inputTopics()).containsExactly("runlaw.run-started", "runlaw.step-metrics",
                "runlaw.run-finished");
    }

    @Test
    void parsesPerFamilyTargets() {
        Map<String, String> m = base();
        m.put("batch.family-targets", "fam-a=3.2, 3.1 ; fam-b=2.9");
        m.put("topic.prefix", "t.");
        BatchConfig c = BatchConfig.fromMap(m);
        assertThat(c.policy().targetsOf("fam-a")).containsExactly(3.2, 3.1);
        assertThat(c.policy().targetsOf("fam-b")).containsExactly(2.9);
        assertThat(c.adviceTopic()).isEqualTo("t.runlaw.batch-advice");
    }

    @Test
    void reportsEveryBadSettingAtOnce() {
        Map<String, String> m = base();
        m.put("batch.family-targets", "fam-a=x;fam-b;fam-c=-1");
        m.put("batch.emit-every-steps", "0");
        m.put("batch.bogus", "1");
        m.put("bounded", "true");
        assertThatThrownBy(() -> BatchConfig.fromMap(m)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("losses must be numbers, got 'x'")
                .hasMessageContaining("entries must be family=loss")
                .hasMessageContaining("finite and > 0")
                .hasMessageContaining("batch.emit-every-steps must be in 1..")
                .hasMessageContaining("batch.bogus")
                .hasMessageContaining("bounded is not supported");
    }
}
