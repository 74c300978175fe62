package dev.runlaw.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs every panel of a Grafana dashboard file against the real ClickHouse server, with the datasource macros
 * expanded as Grafana would ({@link GrafanaSql}): every template variable and every panel must return rows, once
 * with "All" runs selected and once with one run. Annotation queries (alerts) must run, and return rows too when the
 * stack holds alerts (a stack without the alert job has none to show).
 */
final class DashboardPanels {
    private DashboardPanels() {
    }

    /**
     * @param oneRun the run selected for the single-run pass; must be among the {@code run} variable's values
     * @return the number of panel queries run
     */
    static int assertEveryPanelReturnsRows(LocalStack stack, Path dashboard, String oneRun) throws IOException {
        List<List<String>> range = stack.http().query("SELECT toUInt32(min(time)), toUInt32(max(time)) FROM step_metrics");
        long from = Long.parseLong(range.get(0).get(0)) - 60;
        long to = Long.parseLong(range.get(0).get(1)) + 60;
        long interval = Math.max(1, (to - from) / 1000);
        JsonNode dash = new ObjectMapper().readTree(dashboard.toFile());
        List<String> runs = new ArrayList<>();
        for (JsonNode var : dash.path("templating").path("list")) {
            String sql = GrafanaSql.expand(var.path("query").asText(), from, to, interval, Map.of());
            List<List<String>> values = stack.http().query(sql);
            assertThat(values).as(dashboard.getFileName() + " variable " + var.path("name").asText()).isNotEmpty();
            values.forEach(v -> runs.add(v.get(0)));
        }
        assertThat(runs).as(dashboard.getFileName() + " run variable").contains(oneRun);
        int panels = 0;
        for (JsonNode panel : dash.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                String raw = target.path("rawSql").asText();
                String title = dashboard.getFileName() + " / " + panel.path("title").asText();
                List<List<String>> all = stack.http().query(GrafanaSql.expand(raw, from, to, interval,
                        Map.of("run", List.of())));
                assertThat(all).as(title + " (All)").isNotEmpty();
                List<List<String>> one = stack.http().query(GrafanaSql.expand(raw, from, to, interval,
                        Map.of("run", List.of(oneRun))));
                assertThat(one).as(title + " (" + oneRun + ")").isNotEmpty();
                panels++;
            }
        }
        boolean alerts = Long.parseLong(stack.http().queryValue("SELECT count() FROM alerts").trim()) > 0;
        for (JsonNode a : dash.path("annotations").path("list")) {
            String raw = a.path("target").path("rawSql").asText();
            String title = dashboard.getFileName() + " / annotation " + a.path("name").asText();
            assertThat(raw).as(title).isNotBlank();
            for (List<String> selected : List.of(List.<String>of(), List.of(oneRun))) {
                List<List<String>> rows = stack.http().query(GrafanaSql.expand(raw, from, to, interval,
                        Map.of("run", selected)));
                if (alerts) {
                    assertThat(rows).as(title + " " + selected).isNotEmpty();
                }
            }
            panels++;
        }
        return panels;
    }
}
