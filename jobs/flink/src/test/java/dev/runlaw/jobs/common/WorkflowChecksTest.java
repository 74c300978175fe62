package dev.runlaw.jobs.common;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/** The workflow checks fail where they should: an operator without a uid, a stream of a Kryo type. */
class WorkflowChecksTest {

    /** Not a POJO (no default constructor, private final field): Flink would serialize it with Kryo. */
    static final class Opaque {
        private final int x;

        Opaque(int x) {
            this.x = x;
        }
    }

    @Test
    void reportsAnOperatorWithoutAUid() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        try (var sink = new CollectingSink<Integer>()) {
            env.fromSource(BoundedSources.of(String.class, List.of("a")), WatermarkStrategy.noWatermarks(), "src")
                    .uid("src").map(String::length).name("no uid")
                    .sinkTo(sink).uid("sink");
            assertThatThrownBy(() -> WorkflowChecks.assertUidsAndNoKryo(env)).isInstanceOf(AssertionError.class)
                    .hasMessageContaining("uid of 'no uid'");
        }
    }

    @Test
    void reportsATypeThatFallsBackToKryo() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        assertThatThrownBy(() -> WorkflowChecks.assertSerializedWithoutKryo(TypeInformation.of(Opaque.class), env,
                "opaque")).isInstanceOf(AssertionError.class).hasMessageContaining("opaque");
    }
}
