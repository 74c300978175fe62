package dev.runlaw.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runlaw.local.ClickHouseHttp;
import dev.runlaw.local.LocalClickHouse;
import dev.runlaw.local.ProjectRoot;
import dev.runlaw.local.SqlFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A private ClickHouse server with the project's tables and a few rows of two runs of one family in every table the
 * dashboards read, so that every panel returns rows for {@link #RUN_A}; plus the dashboards' panel queries.
 */
final class DashboardFixture implements AutoCloseable {
    static final String DB = "runlaw";
    static final String RUN_A = "run-a";
    static final String RUN_B = "run-b";
    /** 2026-09-20 03:33:20 UTC, the time of every seeded row (seconds). */
    static final long T = 1_790_307_200L;
    static final long FROM = T - 3600;
    static final long TO = T + 3600;

    final LocalClickHouse server;
    final ClickHouseHttp http;

    /** One panel query: where it comes from and its raw SQL. */
    record Panel(String title, String rawSql) {
    }

    DashboardFixture() {
        server = LocalClickHouse.start();
        SqlFiles.fromProject().applyAll(server.http(), DB);
        http = server.http().withDatabase(DB);
        seed(RUN_A, 2.0);
        seed(RUN_B, 3.0);
        // RUN_B finished and became a reference, so the family comparison shows both kinds of row.
        insert("run_references", "{\"family_id\":\"fam\",\"run_id\":\"%s\",\"finished_at_ms\":%d,\"time\":%d,"
                + "\"final_step\":5,\"final_loss\":2.9}", RUN_B, T * 1000, T);
    }

    private void seed(String run, double loss) {
        insert("runs", "{\"run_id\":\"%s\",\"family_id\":\"fam\",\"started_at\":%d,\"started_at_ms\":%d,"
                + "\"planned_total_steps\":100,\"milestones\":[],\"lr_per_step\":[],\"tag_keys\":[],\"tag_values\":[]}",
                run, T, T * 1000);
        for (int s = 1; s <= 5; s++) {
            insert("step_metrics", "{\"run_id\":\"%s\",\"step\":%d,\"time\":%d,\"wall_time_ms\":%d,\"lr\":0.001,"
                    + "\"loss\":%s,\"grad_norm\":0.5,\"throughput_tokens_per_s\":1000,\"group_lr_names\":[],"
                    + "\"group_lr_values\":[]}", run, s, T + s, (T + s) * 1000, loss - s / 100.0);
        }
        insert("eval_metrics", "{\"run_id\":\"%s\",\"eval_set\":\"val\",\"step\":5,\"time\":%d,\"wall_time_ms\":%d,"
                + "\"loss\":%s}", run, T + 5, (T + 5) * 1000, loss);
        insert("forecasts", "{\"run_id\":\"%s\",\"family_id\":\"fam\",\"step\":5,\"time\":%d,\"step_wall_time_ms\":%d,"
                + "\"status\":\"OK\",\"law\":\"mpl\",\"issues\":[],\"param_names\":[],\"param_values\":[],"
                + "\"reference_runs\":[],\"planned_final_step\":100,\"final_pred\":%s,\"final_lo90\":%s,"
                + "\"final_hi90\":%s}", run, T + 5, (T + 5) * 1000, loss - 0.5, loss - 0.6, loss - 0.4);
        for (int s = 10; s <= 100; s += 45) {
            insert("forecast_curves", "{\"run_id\":\"%s\",\"forecast_step\":5,\"time\":%d,\"step\":%d,\"loss\":%s,"
                    + "\"lo90\":%s,\"hi90\":%s}", run, T + 5, s, loss - 0.4, loss - 0.5, loss - 0.3);
        }
        insert("forecast_whatifs", "{\"run_id\":\"%s\",\"forecast_step\":5,\"time\":%d,\"label\":\"decay_now\","
                + "\"decay_start_step\":5,\"end_step\":100,\"final_pred\":%s,\"lo90\":%s,\"hi90\":%s}",
                run, T + 5, loss - 0.7, loss - 0.8, loss - 0.6);
        insert("advice", "{\"run_id\":\"%s\",\"family_id\":\"fam\",\"seq\":1,\"step\":5,\"time\":%d,"
                + "\"decision\":\"CONTINUE\",\"target_kind\":\"LOSS\",\"reason\":\"on track\"}", run, T + 5);
        for (int s = 1; s <= 5; s++) {
            // Expert 1 of layer 0 gets no token: a dead expert beside an overloaded one.
            insert("expert_load", "{\"run_id\":\"%s\",\"layer\":0,\"step\":%d,\"time\":%d,\"wall_time_ms\":%d,"
                    + "\"tokens_per_expert\":[10,0,5,5],\"dropped_tokens\":1,\"aux_loss\":0.01,\"z_loss\":0.001,"
                    + "\"total_tokens\":20,\"max_over_mean\":2.0,\"cv\":0.7,\"norm_entropy\":0.75,\"zero_experts\":1}",
                    run, s, T + s, (T + s) * 1000);
        }
        // A loss spike that closed (its OPEN event, then the RESOLVED one replacing it) and an open collapse.
        alert(run, "LOSS_SPIKE", -1, "WARNING", "OPEN", 2, null, 4);
        alert(run, "LOSS_SPIKE", -1, "WARNING", "RESOLVED", 2, 3L, 6);
        alert(run, "ROUTER_COLLAPSE", 0, "CRITICAL", "OPEN", 3, null, 8);
    }

    private void alert(String run, String kind, int layer, String severity, String state, long first, Long last,
                       long eventOrder) {
        insert("alerts", "{\"run_id\":\"%s\",\"kind\":\"%s\",\"layer\":%d,\"first_step\":%d,\"detected_step\":%d,"
                + "\"last_step\":%s,\"severity\":\"%s\",\"state\":\"%s\",\"value\":4.1,\"expected\":2.0,\"score\":9.5,"
                + "\"message\":\"%s at step %d\",\"event_step\":%d,\"event_order\":%d,\"time\":%d,"
                + "\"event_wall_time_ms\":%d}", run, kind, layer, first, first, last == null ? "null" : last.toString(),
                severity, state, kind, first, eventOrder / 2, eventOrder, T + eventOrder / 2, (T + eventOrder / 2) * 1000);
    }

    private void insert(String table, String jsonFormat, Object... args) {
        http.insert("INSERT INTO " + table + " FORMAT JSONEachRow", String.format(java.util.Locale.ROOT, jsonFormat,
                args) + "\n");
    }

    /** Every panel query and annotation query of every dashboard file. */
    static List<Panel> panels() {
        Path dir = ProjectRoot.find().resolve("dashboards");
        List<Panel> out = new ArrayList<>();
        for (String file : List.of("run-overview.json", "forecasts.json", "moe-health.json")) {
            try {
                JsonNode dash = new ObjectMapper().readTree(dir.resolve(file).toFile());
                for (JsonNode panel : dash.path("panels")) {
                    for (JsonNode target : panel.path("targets")) {
                        out.add(new Panel(file + " / " + panel.path("title").asText(), target.path("rawSql").asText()));
                    }
                }
                for (JsonNode a : dash.path("annotations").path("list")) {
                    out.add(new Panel(file + " / annotation " + a.path("name").asText(),
                            a.path("target").path("rawSql").asText()));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    /** The panel's SQL with {@code run} set to these values, expanded as Grafana would, over the seeded hour. */
    static String expand(Panel p, List<String> runs) {
        return GrafanaSql.expand(p.rawSql(), FROM, TO, 60, Map.of("run", runs));
    }

    @Override
    public void close() {
        server.close();
    }
}
