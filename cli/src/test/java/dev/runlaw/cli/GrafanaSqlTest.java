package dev.runlaw.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GrafanaSqlTest {
    @Test
    void expandsTimeFilterIntervalAndSelectedRuns() {
        String sql = "SELECT intDiv(toUInt32(time), $__interval_s) FROM t WHERE $__timeFilter(time) AND "
                + "$__conditionalAll(run_id IN (${run:singlequote}), $run)";
        String out = GrafanaSql.expand(sql, 100, 200, 15, Map.of("run", List.of("a", "b'c")));
        assertThat(out).isEqualTo("SELECT intDiv(toUInt32(time), 15) FROM t WHERE time >= toDateTime(100) AND "
                + "time <= toDateTime(200) AND run_id IN ('a','b\\'c')");
    }

    @Test
    void allSelectionDropsTheCondition() {
        String out = GrafanaSql.expand("WHERE $__conditionalAll(run_id IN (${run:singlequote}), $run)", 0, 1, 1,
                Map.of("run", List.of()));
        assertThat(out).isEqualTo("WHERE 1=1");
    }

    @Test
    void refusesUnknownMacros() {
        assertThatThrownBy(() -> GrafanaSql.expand("SELECT $__timeInterval(time)", 0, 1, 1, Map.of()))
                .hasMessageContaining("unexpanded");
    }
}
