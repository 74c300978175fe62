package dev.runlaw.cli.report;

/**
 * The dashboard panels the report draws from, one per chart or table: resolved from the dashboard files every
 * time, so an edit of a panel's SQL changes Grafana and the report alike.
 */
record ReportPanels(Panel runs, Panel latestForecast, Panel loss, Panel finalLoss, Panel whatIfs, Panel advice, Panel lr,
                    Panel gradNorm, Panel noise, Panel batchAdvice, Panel expertShare, Panel imbalance,
                    Panel alerts) {

    static ReportPanels from(Dashboards d) {
        return new ReportPanels(
                d.panel("run-overview.json", 1, "Runs"),
                d.panel("forecasts.json", 1, "Latest forecast per run"),
                d.panel("forecasts.json", 2, "Observed loss with the latest forecast curve"),
                d.panel("forecasts.json", 3, "Predicted final loss over time"),
                d.panel("forecasts.json", 4, "What-if outcomes"),
                d.panel("forecasts.json", 5, "Advice history"),
                d.panel("run-overview.json", 7, "Learning rate by step"),
                d.panel("run-overview.json", 8, "Gradient norm by step"),
                d.panel("batch-size.json", 1, "B_simple with its 90 % band"),
                d.panel("batch-size.json", 7, "Batch-size advice history"),
                d.panel("moe-health.json", 1, "Token share per layer x expert"),
                d.panel("moe-health.json", 2, "Imbalance per layer"),
                d.panel("moe-health.json", 6, "Alerts"));
    }
}
