package dev.runlaw.cli.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runlaw.local.ProjectRoot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The page from hand-made panel rows (no ClickHouse): structure, numbering, self-containment, empty data. */
class RunPageTest {
    private static final ReportPanels PANELS = ReportPanels.from(new Dashboards(ProjectRoot.resolve("dashboards")));

    @Test
    void everyPanelTheReportUsesIsInTheDashboardsWithSql() {
        assertThat(List.of(PANELS.runs(), PANELS.latestForecast(), PANELS.loss(), PANELS.finalLoss(), PANELS.whatIfs(), PANELS.advice(),
                PANELS.lr(), PANELS.gradNorm(), PANELS.noise(), PANELS.batchAdvice(), PANELS.expertShare(),
                PANELS.imbalance(), PANELS.alerts()))
                .allSatisfy(p -> assertThat(p.rawSql()).contains("${run:percentencode}"));
        // The report reads these columns by name.
        assertThat(PANELS.runs().rawSql()).contains("AS first_seen").contains("AS last_seen");
        assertThat(PANELS.expertShare().rawSql()).contains("'UTC') AS t");
        assertThat(PANELS.imbalance().rawSql()).contains("'UTC') AS t");
    }

    @Test
    void aRenumberedPanelFailsLoudly(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("x.json"), "{\"panels\":[{\"id\":1,\"title\":\"Other\",\"targets\":[]}]}");
        Dashboards d = new Dashboards(dir);
        assertThatThrownBy(() -> d.panel("x.json", 1, "Runs")).hasMessageContaining("expects \"Runs...\"");
        assertThatThrownBy(() -> d.panel("x.json", 2, "Runs")).hasMessageContaining("has no panel 2");
    }

    @Test
    void aRunWithoutDataGetsAPageWhoseChartsSayNoData() {
        RunData d = new RunData("r<1>", summary(), null, List.of(), List.of(), List.of(), List.of(), List.of(), List.of(),
                List.of(), List.of(), List.of(), List.of(), List.of());
        String html = RunPage.render(d, PANELS, Instant.parse("2026-12-04T12:00:00Z"));
        assertThat(html).startsWith("<!DOCTYPE html>").doesNotContainIgnoringCase("<script").doesNotContain("http:").doesNotContain("https:")
                .contains("content=\"" + RunPage.CSP + "\"").contains("runlaw report: r&lt;1&gt;")
                .contains("No alerts for this run.").contains("latest forecast</dt><dd>none yet");
        assertThat(html.split(">no data</text>", -1)).hasSize(8);
        for (String id : List.of("loss", "final-loss", "lr", "grad-norm", "noise-scale", "expert-share", "imbalance")) {
            assertThat(html).contains("<figure id=\"" + id + "\">");
        }
        assertThat(html).contains("dashboards/forecasts.json, panel 2");
    }

    @Test
    void alertsAreNumberedByDetectedStepInTheTableAndOnTheCharts() {
        List<Map<String, String>> alerts = List.of(
                alert("ROUTER_COLLAPSE", "7", "250", "2026-12-04 11:04:10"),
                alert("LOSS_SPIKE", "-1", "255", "2026-12-04 11:04:15"),
                alert("GRAD_NORM_SPIKE", "-1", "100", "2026-12-04 11:02:40"));
        List<Map<String, String>> loss = new ArrayList<>();
        for (int s = 1; s <= 300; s++) {
            loss.add(Map.of("step", Integer.toString(s), "observed", Double.toString(5.0 / Math.sqrt(s))));
        }
        List<Map<String, String>> share = List.of(
                Map.of("t", "2026-12-04 11:00:00", "series", "L7 E00", "avg_share", "0.5"),
                Map.of("t", "2026-12-04 11:05:00", "series", "L7 E00", "avg_share", "0.9"));
        RunData d = new RunData("sim", summary(), null, loss, List.of(), List.of(), List.of(), List.of(), List.of(),
                List.of(), share, List.of(), alerts, List.of());
        String lossSvg = RunCharts.loss(d).render();
        // Run-level alerts only on step charts: #1 (step 100) and #3 (step 255); the layer alert is #2.
        assertThat(lossSvg).contains("<title>#1 GRAD_NORM_SPIKE").contains("<title>#3 LOSS_SPIKE")
                .doesNotContain("ROUTER_COLLAPSE");
        assertThat(RunCharts.expertShare(d).render()).contains("<title>#2 ROUTER_COLLAPSE layer 7")
                .doesNotContain("LOSS_SPIKE");
        String html = RunPage.render(d, PANELS, Instant.EPOCH);
        assertThat(html.indexOf("<td>GRAD_NORM_SPIKE")).isLessThan(html.indexOf("<td>ROUTER_COLLAPSE"));
        assertThat(html.indexOf("<td>ROUTER_COLLAPSE")).isLessThan(html.indexOf("<td>LOSS_SPIKE"));
    }

    @Test
    void batchAdviceShowsOnlyTheEstimatesWhereTheAdviceChanged() {
        List<Map<String, String>> rows = new ArrayList<>();
        String[][] advice = {{"KEEP", ""}, {"KEEP", ""}, {"INCREASE", "512"}, {"INCREASE", "512"},
            {"INCREASE", "1024"}, {"KEEP", ""}};
        for (int i = 0; i < advice.length; i++) {
            Map<String, String> r = new LinkedHashMap<>();
            r.put("step", Integer.toString(50 * i + 1));
            r.put("decision", advice[i][0]);
            r.put("suggested_batch", advice[i][1].isEmpty() ? null : advice[i][1]);
            rows.add(r);
        }
        RunData d = new RunData("r", summary(), null, List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), rows,
                List.of(), List.of(), List.of(), List.of());
        assertThat(RunPage.batchAdviceRows(d)).extracting(r -> r.get(1)).containsExactly("1", "101", "201", "251");
    }

    @Test
    void fileNamesKeepSafeCharactersOnly() {
        assertThat(ReportWriter.fileName("team/run:7@a+b-c_d.e")).isEqualTo("team_run_7_a_b-c_d.e.html");
    }

    private static Map<String, String> summary() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("run_id", "r");
        s.put("family", "");
        s.put("last_step", "300");
        s.put("planned_steps", "300");
        s.put("last_loss", "2.5");
        s.put("best_loss", "2.4");
        s.put("first_seen", "2026-12-04 11:00:00");
        s.put("last_seen", "2026-12-04 11:05:00");
        return s;
    }

    private static Map<String, String> alert(String kind, String layer, String step, String time) {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("run_id", "sim");
        a.put("kind", kind);
        a.put("severity", "CRITICAL");
        a.put("state", "OPEN");
        a.put("layer", layer);
        a.put("first_step", step);
        a.put("detected_step", step);
        a.put("last_step", null);
        a.put("message", kind + " here");
        a.put("time", time);
        return a;
    }
}
