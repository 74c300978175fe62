package dev.runlaw.cli.report;

import dev.runlaw.producers.command.CommandFailure;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Everything a run's page shows, as its panels returned it (column → value text per row).
 *
 * @param summary        the run's row of the runs table (family, last step, losses, first and last seen)
 * @param latestForecast its row of the latest-forecast table, or null before the first forecast
 */
record RunData(String runId, Map<String, String> summary, Map<String, String> latestForecast,
               List<Map<String, String>> loss, List<Map<String, String>> finalLoss, List<Map<String, String>> whatIfs, List<Map<String, String>> lr,
               List<Map<String, String>> gradNorm, List<Map<String, String>> noise,
               List<Map<String, String>> batchAdvice, List<Map<String, String>> expertShare,
               List<Map<String, String>> imbalance, List<Map<String, String>> alerts,
               List<Map<String, String>> advice) {

    /** Columns of the heat map and imbalance charts: about this many time buckets over the run. */
    static final int TIME_BUCKETS = 60;

    /**
     * Reads one run through every panel.
     *
     * @throws CommandFailure if the run has no step metrics (the runs table does not know it)
     */
    static RunData read(PanelRunner runner, ReportPanels p, String runId) {
        List<String> run = List.of(runId);
        List<Map<String, String>> summary = runner.rows(p.runs(), run, 1);
        if (summary.isEmpty()) {
            throw new CommandFailure("run " + runId + " not found: no step metrics for it in ClickHouse");
        }
        Map<String, String> s = summary.get(0);
        long span = (long) (Rows.epochSeconds(s, "last_seen") - Rows.epochSeconds(s, "first_seen"));
        long interval = Math.max(1, (span + TIME_BUCKETS) / TIME_BUCKETS);
        List<Map<String, String>> forecast = runner.rows(p.latestForecast(), run, interval);
        // The panel groups by family too: forecasts made before the run's family was known form a row of their own.
        Map<String, String> latest = forecast.stream()
                .max(Comparator.comparingDouble(r -> Rows.num(r, "last_step"))).orElse(null);
        return new RunData(runId, s, latest,
                runner.rows(p.loss(), run, interval), runner.rows(p.finalLoss(), run, interval),
                runner.rows(p.whatIfs(), run, interval),
                runner.rows(p.lr(), run, interval), runner.rows(p.gradNorm(), run, interval),
                runner.rows(p.noise(), run, interval), runner.rows(p.batchAdvice(), run, interval),
                runner.rows(p.expertShare(), run, interval), runner.rows(p.imbalance(), run, interval),
                runner.rows(p.alerts(), run, interval), runner.rows(p.advice(), run, interval));
    }
}
