package dev.runlaw.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link GrafanaSql} formats variables as Grafana and its ClickHouse plugin do (sources cited there). */
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
    void singlequoteEscapesQuotesButNotBackslashesLikeGrafana() {
        assertThat(GrafanaSql.format(List.of("a\\", "b\\'c", "it's"), "singlequote"))
                .isEqualTo("'a\\','b\\\\'c','it\\'s'");
    }

    @Test
    void sqlstringDoublesQuotesEscapesDoubleQuotesAndLeavesBackslashes() {
        assertThat(GrafanaSql.format(List.of("a\\", "it's", "say \"hi\""), "sqlstring"))
                .isEqualTo("'a\\','it''s','say \\\"hi\\\"'");
    }

    @Test
    void thePluginsDefaultFormatQuotesArraysWithoutEscaping() {
        assertThat(GrafanaSql.format(List.of("a", "b'c"), null)).isEqualTo("'a','b'c'");
        assertThat(GrafanaSql.format(List.of("a", "b"), "csv")).isEqualTo("a,b");
    }

    @Test
    void percentencodeLeavesOnlyUnreservedCharactersAndPercentEscapes() {
        assertThat(GrafanaSql.format(List.of("run-1", "a'b\\c d/é*"), "percentencode"))
                .isEqualTo("%7Brun-1%2Ca%27b%5Cc%20d%2F%C3%A9%2A%7D")
                .matches("[A-Za-z0-9\\-_.~%]+");
        assertThat(GrafanaSql.encodeUriComponentStrict("~._-!()'*")).isEqualTo("~._-%21%28%29%27%2A");
        assertThat(GrafanaSql.encodeUriComponentStrict("\ud83d\ude80")).isEqualTo("%F0%9F%9A%80");
        assertThatThrownBy(() -> GrafanaSql.encodeUriComponentStrict("x\ud83d")).hasMessageContaining("URIError");
    }

    @Test
    void allSelectionDropsTheCondition() {
        String out = GrafanaSql.expand("WHERE $__conditionalAll(run_id IN (${run:singlequote}), $run)", 0, 1, 1,
                Map.of("run", List.of()));
        assertThat(out).isEqualTo("WHERE 1=1");
    }

    @Test
    void refusesUnknownMacrosAndUnmodelledFormats() {
        assertThatThrownBy(() -> GrafanaSql.expand("SELECT $__timeInterval(time)", 0, 1, 1, Map.of()))
                .hasMessageContaining("unexpanded");
        assertThatThrownBy(() -> GrafanaSql.expand("SELECT ${run:lucene}", 0, 1, 1, Map.of("run", List.of("a"))))
                .hasMessageContaining("lucene");
    }
}
