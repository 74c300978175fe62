package dev.runlaw.cli;

import dev.runlaw.local.Await;
import dev.runlaw.local.ProjectRoot;
import dev.runlaw.producers.gateway.BearerTokens;
import dev.runlaw.producers.gateway.Gateway;
import dev.runlaw.producers.gateway.GatewayConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.flink.core.execution.JobClient;

/**
 * {@code ./runlaw demo --trainer torch}: a real PyTorch training run ({@link TorchTrainer}) against the embedded
 * stack. Starts the ingest, forecast, alert and batch-size jobs and the HTTP gateway, runs the tiny MoE trainer
 * through the gateway with an LR blow-up on purpose, then waits until ClickHouse holds every row it logged, a
 * forecast, a gradient-noise estimate and the DIVERGENCE alert, and prints what happened: rows per table, the
 * forecast, B_simple, the alerts the trainer heard and whether it stopped.
 */
final class TorchDemo {
    /** The tables the trainer feeds, each with the column naming the run. */
    static final Map<String, String> TABLES = tables();

    private TorchDemo() {
    }

    /**
     * One trainer run.
     *
     * @param divergeAt  the trainer's {@code --diverge-at} (negative: none)
     * @param targetLoss the run's stop target (final loss below it)
     * @param timeout    longest the trainer may run
     */
    record Settings(String runId, int steps, int divergeAt, double targetLoss, Duration timeout) {
        /**
         * The demo's run: the alert job's detectors warm up on 64 losses, so the blow-up starts at step 80, and the
         * planned 200 steps leave room to see the trainer stop well before its end. The stop target (3.0 nats/byte;
         * the run heads for about 2.2) is one a healthy run beats: a tighter one gets STOP advice from the first,
         * pessimistic forecasts (2.8 at step 20) before the blow-up.
         */
        static Settings demo() {
            return new Settings("tiny-moe-demo", 200, 80, 3.0, Duration.ofMinutes(10));
        }

        List<String> args(String url, String token) {
            List<String> a = new ArrayList<>(List.of("--url", url, "--token", token, "--run", runId, "--steps",
                    Integer.toString(steps), "--target-loss", Double.toString(targetLoss), "--poll-seconds", "2"));
            if (divergeAt >= 0) {
                a.addAll(List.of("--diverge-at", Integer.toString(divergeAt)));
            }
            return a;
        }
    }

    /** What the run left: the trainer's result and, per table, the run's rows in ClickHouse (read with FINAL). */
    record Outcome(TorchTrainer.Result trainer, Map<String, Long> rows, Map<String, Long> expected,
                   List<String> forecast, List<String> noise, List<List<String>> alerts) {
    }

    /** {@code ./runlaw demo --trainer torch}: starts the stack, runs {@link Settings#demo()}, prints the outcome
     * and writes the run's report page. */
    static int run(PrintStream out) throws Exception {
        Path python = TorchTrainer.ensurePython(out);
        out.println("runlaw demo --trainer torch: starting Kafka, ClickHouse, Flink and the gateway on 127.0.0.1");
        try (LocalStack stack = LocalStack.start()) {
            Outcome o = execute(stack, python, Settings.demo(), out);
            print(o, Settings.demo(), out);
            DemoCommand.writeReports(stack, DemoCommand.REPORT_DIR, out);
        }
        out.println("stopped: Flink jobs cancelled, gateway, Kafka and ClickHouse shut down, temporary data deleted");
        return 0;
    }

    /**
     * Runs the trainer on a started stack and waits (bounded) for its rows, a forecast, a B_simple estimate and, when
     * it diverges on purpose, the DIVERGENCE alert in ClickHouse.
     *
     * @throws IllegalStateException when the trainer fails or something does not arrive in time
     */
    static Outcome execute(LocalStack stack, Path python, Settings s, PrintStream out) throws Exception {
        JobClient ingest = stack.startIngest(stack.ingestConfig(Map.of()));
        JobClient forecast = stack.startForecast(stack.forecastConfig(Map.of()));
        JobClient alerts = stack.startAlerts(stack.alertConfig(Map.of()));
        JobClient batch = stack.startBatch(stack.batchConfig(Map.of()));
        String token = "demo-" + UUID.randomUUID();
        TorchTrainer.Result r;
        try (Gateway gateway = Gateway.start(GatewayConfig.defaults(stack.kafka().bootstrapServers(),
                BearerTokens.of(List.of(token))).withPort(0))) {
            out.printf("  gateway     %s; Flink ingest, forecast, alert and batch-size jobs running%n",
                    gateway.baseUrl());
            out.printf("  trainer     %s %s (run %s, %d planned steps%s)%n", python, TorchTrainer.SCRIPT, s.runId(),
                    s.steps(), s.divergeAt() >= 0 ? ", LR blow-up from step " + s.divergeAt() : "");
            r = TorchTrainer.run(python, ProjectRoot.find(), s.args(gateway.baseUrl(), token), out, "  | ",
                    s.timeout());
        }
        if (r.exitCode() != 0 || r.result() == null) {
            throw new IllegalStateException("the trainer failed: " + TorchTrainer.describe(r));
        }
        Map<String, Long> expected = expectedRows(r);
        out.println("waiting for the run's rows, its forecast, its noise scale"
                + (s.divergeAt() >= 0 ? " and the DIVERGENCE alert" : "") + " in ClickHouse ...");
        JobWait.until(ingest, Duration.ofMinutes(2), "the trainer's rows " + expected, () -> {
            Map<String, Long> now = rows(stack, s.runId());
            return expected.entrySet().stream().allMatch(e -> now.get(e.getKey()) >= e.getValue());
        });
        String where = " FINAL WHERE run_id = '" + s.runId() + "'";
        // The last forecasts fit a diverged curve and may fail; a forecast with a final loss came before.
        JobWait.until(forecast, Duration.ofMinutes(2), "a forecast of " + s.runId(),
                () -> count(stack, "forecasts" + where + " AND final_pred IS NOT NULL") > 0);
        JobWait.until(batch, Duration.ofMinutes(2), "a B_simple estimate of " + s.runId(),
                () -> count(stack, "gradient_noise" + where + " AND b_simple IS NOT NULL") > 0);
        if (s.divergeAt() >= 0 && r.count("last_step") > s.divergeAt()) {
            try {
                JobWait.until(alerts, Duration.ofMinutes(2), "the DIVERGENCE alert of " + s.runId(),
                        () -> count(stack, "alerts" + where + " AND kind = 'DIVERGENCE'") > 0);
            } catch (Await.TimeoutException e) {
                // Advice may stop the run before the detectors had enough high losses: say so, show the rest.
                out.println("  no DIVERGENCE alert: the run stopped at step " + r.count("last_step")
                        + ", before the detectors called the blow-up");
            }
        }
        List<String> f = stack.http().query("SELECT step, status, law, final_pred, final_lo90, final_hi90, "
                + "planned_final_step FROM forecasts" + where + " AND final_pred IS NOT NULL ORDER BY step DESC "
                + "LIMIT 1").get(0);
        List<String> n = stack.http().query("SELECT step, b_simple, lo90, hi90, status, decision FROM gradient_noise"
                + where + " AND b_simple IS NOT NULL ORDER BY step DESC LIMIT 1").get(0);
        List<List<String>> a = stack.http().query("SELECT kind, severity, state, layer, first_step, detected_step, "
                + "message FROM alerts" + where + " ORDER BY detected_step, kind, layer");
        return new Outcome(r, rows(stack, s.runId()), expected, f, n, a);
    }

    /** Rows the trainer's RESULT says it logged, per table. */
    static Map<String, Long> expectedRows(TorchTrainer.Result r) {
        Map<String, Long> m = new LinkedHashMap<>();
        long steps = r.count("steps_logged");
        m.put("runs", 1L);
        m.put("run_finished", 1L);
        m.put("step_metrics", steps);
        m.put("eval_metrics", r.count("evals_logged"));
        m.put("expert_load", steps * r.count("layers"));
        m.put("routing_trace", r.count("routes_logged"));
        return m;
    }

    /** The run's rows per table the trainer feeds, read with FINAL. */
    static Map<String, Long> rows(LocalStack stack, String runId) {
        Map<String, Long> m = new LinkedHashMap<>();
        TABLES.forEach((table, col) -> m.put(table, count(stack, table + " FINAL WHERE " + col + " = '" + runId
                + "'")));
        return m;
    }

    private static long count(LocalStack stack, String fromWhere) {
        return Long.parseLong(stack.http().queryValue("SELECT count() FROM " + fromWhere).trim());
    }

    static void print(Outcome o, Settings s, PrintStream out) {
        TorchTrainer.Result r = o.trainer();
        out.println();
        out.printf(Locale.ROOT, "trainer: %d of %d planned steps in %.0f s, %s%n", r.count("steps_logged"),
                s.steps(), r.result().path("seconds").asDouble(), r.stoppedBy() == null ? "ran to the end"
                        : "STOPPED EARLY at step " + r.count("last_step") + " by " + r.stoppedBy());
        List<String> heard = new ArrayList<>();
        r.result().path("alerts").forEach(x -> heard.add(x.path("kind").asText() + " " + x.path("severity").asText()
                + " " + x.path("state").asText() + " at step " + x.path("detected_step").asText()));
        out.println("  alerts heard by the trainer: " + (heard.isEmpty() ? "none" : String.join("; ", heard)));
        out.println("  latest advice heard: " + (r.result().path("advice").isNull() ? "none"
                : r.result().path("advice").path("decision").asText() + " (" + r.result().path("advice")
                .path("reason").asText() + ")"));
        out.println("rows in ClickHouse for " + s.runId() + " (read with FINAL; expected from the trainer's counts):");
        o.rows().forEach((t, n) -> out.printf("  %-14s %6d  (expected %d)%n", t, n, o.expected().get(t)));
        List<String> f = o.forecast();
        out.printf("forecast at step %s (%s, law %s): final loss %s at step %s, 90 %% %s-%s%n", f.get(0), f.get(1),
                f.get(2), f.get(3), f.get(6), f.get(4), f.get(5));
        List<String> n = o.noise();
        out.printf("noise scale at step %s: B_simple %s sequences (90 %% %s-%s, %s), batch advice %s%n", n.get(0),
                n.get(1), n.get(2), n.get(3), n.get(4), n.get(5));
        out.println("alerts in ClickHouse:");
        o.alerts().forEach(a -> out.printf("  %-16s %-8s %-8s%s steps %s..%s: %s%n", a.get(0), a.get(1), a.get(2),
                "-1".equals(a.get(3)) ? "" : " layer " + a.get(3), a.get(4), a.get(5), a.get(6)));
    }

    private static Map<String, String> tables() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String t : List.of("runs", "run_finished", "step_metrics", "eval_metrics", "expert_load",
                "routing_trace")) {
            m.put(t, DemoCommand.TABLES.getOrDefault(t, "run_id"));
        }
        return m;
    }
}
