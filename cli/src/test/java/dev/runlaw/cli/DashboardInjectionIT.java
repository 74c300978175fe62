package dev.runlaw.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runlaw.local.ClickHouseHttp;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile values of the dashboards' {@code run} variable (typed into the URL, {@code var-run=...}) against every
 * panel, expanded exactly as Grafana formats them ({@link GrafanaSql}) and run on the real ClickHouse 18.16 server:
 * each must still mean "the runs with this id", i.e. return the same rows as an id that does not exist, or, next to
 * {@code run-a}, the same rows as {@code run-a} alone; no error, nothing changed.
 */
@Timeout(180)
class DashboardInjectionIT {
    /** Quotes, backslashes, Grafana's own escape, comments, statement breaks, unicode, control characters. */
    static final List<String> HOSTILE = List.of(
            "'", "\\", "\\'", "''", "run-a'", "run-a\\", "run-a\\'",
            "x\\') OR 1=1 --", "x\\') OR 1=1 /*", "*/ OR 1=1 --", "x' OR '1'='1", "x\\' OR 1=1 OR run_id=\\'",
            "'); DROP TABLE step_metrics; --", "x\\'); DROP TABLE step_metrics; --", "run-a -- comment",
            "run-a /* c */", "run-a\nOR 1=1", "run-a\r\n", "run-a\t", "r\u00fcn-a", "run-a\u200b", "\u02bcrun-a",
            "run-a\u0000", "\ud83d\ude80", "%27", "run-a%27%20OR%201%3D1", "{run-a}", "{run-a", "run-a}", "${run}",
            "run-a)");

    private static final String MARKER_ENCODED = "%7BMARKER%7D";
    private static DashboardFixture fx;
    private static ClickHouseHttp http;

    @BeforeAll
    static void start() {
        fx = new DashboardFixture();
        http = fx.http;
    }

    @AfterAll
    static void stop() {
        if (fx != null) {
            fx.close();
        }
    }

    @Test
    void everyPanelMeansTheSameQueryForEveryHostileRunValue() {
        List<DashboardFixture.Panel> panels = DashboardFixture.panels();
        assertThat(panels).hasSizeGreaterThanOrEqualTo(12);
        String stepRowsBefore = http.queryValue("SELECT count() FROM step_metrics");
        int checked = 0;
        for (DashboardFixture.Panel p : panels) {
            List<List<String>> runA = rows(p, List.of(DashboardFixture.RUN_A));
            List<List<String>> none = rows(p, List.of("no-such-run"));
            assertThat(runA).as(p.title() + " with run-a").isNotEmpty();
            String marked = DashboardFixture.expand(p, List.of("MARKER"));
            assertThat(marked).contains(MARKER_ENCODED);
            for (String h : HOSTILE) {
                // The value changes nothing in the SQL but one token that holds only [A-Za-z0-9-_.~%].
                String token = GrafanaSql.encodeUriComponentStrict("{" + h + "}");
                assertThat(token).matches("[A-Za-z0-9\\-_.~%]+");
                assertThat(DashboardFixture.expand(p, List.of(h))).isEqualTo(marked.replace(MARKER_ENCODED, token));
                assertThat(rows(p, List.of(h))).as(p.title() + " with " + visible(h)).isEqualTo(none);
                assertThat(rows(p, List.of(h, DashboardFixture.RUN_A))).as(p.title() + " with run-a and " + visible(h))
                        .isEqualTo(runA);
                checked++;
            }
        }
        assertThat(checked).isEqualTo(panels.size() * HOSTILE.size());
        assertThat(http.queryValue("SELECT count() FROM step_metrics")).isEqualTo(stepRowsBefore);
    }

    @Test
    void aCommaSelectsEachPartBecauseIdsNeverHoldOneButStaysASelection() {
        DashboardFixture.Panel runs = DashboardFixture.panels().get(0);
        assertThat(rows(runs, List.of("run-a,run-b"))).isEqualTo(rows(runs, List.of("run-a", "run-b")));
    }

    /**
     * Why the dashboards do not use {@code ${run:singlequote}}: Grafana escapes {@code '} as {@code \'} but leaves
     * backslashes, so a value holding {@code \'} closes ClickHouse's string and the rest of it is SQL.
     */
    @Test
    void singlequoteFormatInsideAStringIsInjectableOnClickHouse() {
        String old = "SELECT DISTINCT run_id FROM step_metrics FINAL WHERE run_id IN (${run:singlequote})\n"
                + "ORDER BY run_id";
        String injected = GrafanaSql.expand(old, 0, 1, 1, java.util.Map.of("run", List.of("x\\') OR 1=1 --")));
        assertThat(injected).contains("IN ('x\\\\') OR 1=1 --'");
        assertThat(http.query(injected)).as("every run, not none")
                .containsExactly(List.of(DashboardFixture.RUN_A), List.of(DashboardFixture.RUN_B));
        String trailing = GrafanaSql.expand(old, 0, 1, 1, java.util.Map.of("run", List.of("run-a\\")));
        assertThatThrownBy(() -> http.query(trailing)).as("a trailing backslash leaves the string open")
                .isInstanceOf(ClickHouseHttp.ClickHouseException.class);
    }

    private static List<List<String>> rows(DashboardFixture.Panel p, List<String> runs) {
        String sql = DashboardFixture.expand(p, runs);
        List<List<String>> out = new ArrayList<>(http.query(sql));
        out.sort((a, b) -> String.join("\u0001", a).compareTo(String.join("\u0001", b)));
        return out;
    }

    private static String visible(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(c -> sb.append(c >= 0x20 && c < 0x7f ? Character.toString(c)
                : String.format("\\u%04x", c)));
        return sb.toString();
    }
}
