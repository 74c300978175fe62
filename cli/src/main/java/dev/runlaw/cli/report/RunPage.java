package dev.runlaw.cli.report;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One run's report as a self-contained HTML page: inline CSS and SVG, no script, and a Content-Security-Policy that
 * lets the browser load nothing else (no font, image or script from anywhere), so the page reads the same offline,
 * attached to a ticket or opened years later.
 */
final class RunPage {
    /** Allows the inline style sheet and nothing else. */
    static final String CSP = "default-src 'none'; style-src 'unsafe-inline'";
    private static final DateTimeFormatter UTC = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final String STYLE = """
            body { font-family: sans-serif; margin: 24px auto; max-width: 960px; color: #222; }
            h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #ccc; }
            dl.summary { display: grid; grid-template-columns: max-content auto; gap: 2px 14px; font-size: 14px; }
            dl.summary dt { color: #555; } dl.summary dd { margin: 0; }
            figure { margin: 12px 0; } figcaption { font-size: 12px; color: #555; }
            table { border-collapse: collapse; font-size: 12px; margin: 8px 0; }
            th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: left; vertical-align: top; }
            th { background: #f3f3f3; } p.empty { font-size: 13px; color: #777; font-style: italic; }
            p.source { font-size: 12px; color: #555; margin-top: 2px; }
            svg.chart { display: block; background: #fff; }
            svg .frame { fill: none; stroke: #999; } svg .grid { stroke: #eee; } svg .tick { stroke: #999; }
            svg .group-line { stroke: #fff; stroke-width: 1.5; }
            svg text { font-size: 11px; fill: #333; } svg .axis-label { font-size: 12px; font-weight: bold; }
            svg .no-data { font-size: 16px; fill: #999; } svg .legend { font-size: 11px; }
            svg .series { fill: none; stroke-width: 1.6; } svg .series.dashed { stroke-dasharray: 6 3; }
            svg .band { fill-opacity: 0.18; stroke: none; } svg .dots { stroke: none; }
            svg .interval { fill: #444; stroke: #444; stroke-width: 1.2; } svg .interval-label { font-size: 10px; }
            svg .marker { stroke-width: 1.4; stroke-dasharray: 3 2; fill: none; } svg .marker.critical { stroke: #c00; }
            svg .marker.warning { stroke: #e08000; } svg .marker.info { stroke: #888; }
            svg .marker-label { font-size: 10px; font-weight: bold; fill: #c00; } svg .ramp { stroke: #999; }
            svg .legend-line { fill: none; stroke-width: 1.6; } svg .legend-line.dashed { stroke-dasharray: 6 3; }
            svg .legend-dot { fill: #444; } svg .legend-marker { stroke: #c00; stroke-dasharray: 3 2; }
            """;

    private RunPage() {
    }

    static String render(RunData d, ReportPanels p, Instant generatedAt) {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"").append(CSP).append("\">\n")
                .append("<title>runlaw report: ").append(Html.esc(d.runId())).append("</title>\n<style>\n")
                .append(STYLE).append("</style>\n</head>\n<body>\n")
                .append("<h1>runlaw report: ").append(Html.esc(d.runId())).append("</h1>\n");
        summary(b, d, p, generatedAt);
        b.append("<h2>Loss</h2>\n").append(Html.figure("loss", RunCharts.loss(d).render(), p.loss(),
                "Observed loss, the latest forecast to the planned last step with its 90 % band, what-if final losses "
                        + "(dots with their 90 % bars) and run-level alerts (numbered as in the alerts table)."));
        b.append(Html.figure("final-loss", RunCharts.finalLoss(d).render(), p.finalLoss(),
                "Each forecast's predicted loss at the planned last step, when it was made: does it converge?"));
        b.append(Html.table("whatifs", List.of("what-if", "decay starts at step", "ends at step", "final loss",
                "90 % low", "90 % high"), whatIfRows(d), "No what-ifs: the run has no forecast yet."));
        b.append("<p class=\"source\">What-ifs: ").append(Html.esc(p.whatIfs().citation())).append(".</p>\n");
        b.append("<h2>Learning rate</h2>\n").append(Html.figure("lr", RunCharts.lr(d).render(), p.lr(), ""));
        b.append("<h2>Gradient norm</h2>\n").append(Html.figure("grad-norm", RunCharts.gradNorm(d).render(),
                p.gradNorm(), ""));
        b.append("<h2>Gradient noise scale</h2>\n").append(Html.figure("noise-scale",
                RunCharts.noiseScale(d).render(), p.noise(),
                "B_simple (McCandlish et al. 2018) with its 90 % band, against the batch the run trains with; a batch "
                        + "far below the band wastes steps, far above it wastes tokens."));
        b.append("<h2>Expert load</h2>\n").append(Html.figure("expert-share", RunCharts.expertShare(d).render(),
                p.expertShare(), "Share of each layer's tokens per expert over time; layer alerts marked."));
        b.append(Html.figure("imbalance", RunCharts.imbalance(d).render(), p.imbalance(), ""));
        b.append("<h2>Alerts</h2>\n").append(Html.table("alerts", List.of("#", "kind", "severity", "state", "layer",
                "first step", "detected at step", "last step", "observed", "expected", "score", "message"),
                alertRows(d), "No alerts for this run."));
        b.append("<p class=\"source\">Query: ").append(Html.esc(p.alerts().citation())).append(".</p>\n");
        b.append("<h2>Advice</h2>\n<h3>Stop / continue (forecast job)</h3>\n")
                .append(Html.table("advice", List.of("time", "seq", "step", "decision", "P(beats target)",
                        "target", "target loss", "sibling run", "reason"), adviceRows(d), "No stop / continue advice."))
                .append("<p class=\"source\">Query: ").append(Html.esc(p.advice().citation())).append(".</p>\n")
                .append("<h3>Batch size (batch-size job): where the advice changed</h3>\n")
                .append(Html.table("batch-advice", List.of("time", "step", "batch", "status", "decision",
                        "suggested batch", "B_simple", "90 % low", "90 % high"), batchAdviceRows(d),
                        "No batch-size estimates."))
                .append("<p class=\"source\">Query: ").append(Html.esc(p.batchAdvice().citation())).append(".</p>\n");
        return b.append("</body>\n</html>\n").toString();
    }

    private static void summary(StringBuilder b, RunData d, ReportPanels p, Instant generatedAt) {
        Map<String, String> s = d.summary();
        List<String[]> items = new ArrayList<>();
        items.add(new String[] {"family", Rows.text(s, "family").isEmpty() ? "(none)" : Rows.text(s, "family")});
        items.add(new String[] {"last step / planned", Rows.text(s, "last_step") + " / "
                + (Rows.text(s, "planned_steps").isEmpty() ? "?" : Rows.text(s, "planned_steps"))});
        items.add(new String[] {"last loss / best loss", Rows.cell(s, "last_loss") + " / " + Rows.cell(s, "best_loss")});
        items.add(new String[] {"steps logged from / to", Rows.text(s, "first_seen") + " / " + Rows.text(s, "last_seen")
                + " UTC"});
        Map<String, String> f = d.latestForecast();
        if (f != null) {
            items.add(new String[] {"latest forecast", "final loss " + Rows.cell(f, "predicted_final") + " (90 % "
                    + Rows.cell(f, "predicted_lo90") + " .. " + Rows.cell(f, "predicted_hi90") + ") at planned step "
                    + Rows.text(f, "planned_last_step") + ", made at step " + Rows.text(f, "last_step") + "; status "
                    + Rows.text(f, "last_status") + ", law " + Rows.text(f, "last_law")});
        } else {
            items.add(new String[] {"latest forecast", "none yet"});
        }
        items.add(new String[] {"alerts", Integer.toString(d.alerts().size())});
        items.add(new String[] {"generated", UTC.format(generatedAt) + " from ClickHouse; each chart names the "
                + "dashboard panel whose SQL it ran"});
        b.append("<dl class=\"summary\">\n");
        for (String[] it : items) {
            b.append("<dt>").append(Html.esc(it[0])).append("</dt><dd>").append(Html.esc(it[1])).append("</dd>\n");
        }
        b.append("</dl>\n<p class=\"source\">Summary: ").append(Html.esc(p.runs().citation())).append("; ")
                .append(Html.esc(p.latestForecast().citation())).append(".</p>\n");
    }

    private static List<List<String>> whatIfRows(RunData d) {
        return d.whatIfs().stream().map(w -> List.of(Rows.text(w, "label"), Rows.text(w, "decay_start_step"),
                Rows.text(w, "end_step"), Rows.cell(w, "final_pred"), Rows.cell(w, "lo90"), Rows.cell(w, "hi90")))
                .toList();
    }

    private static List<List<String>> alertRows(RunData d) {
        List<Map<String, String>> sorted = RunCharts.alertsInOrder(d.alerts());
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < sorted.size(); i++) {
            Map<String, String> a = sorted.get(i);
            rows.add(List.of(Integer.toString(i + 1), Rows.text(a, "kind"), Rows.text(a, "severity"),
                    Rows.text(a, "state"), Rows.num(a, "layer") < 0 ? "run" : Rows.text(a, "layer"),
                    Rows.text(a, "first_step"), Rows.text(a, "detected_step"), Rows.text(a, "last_step"),
                    Rows.cell(a, "observed"), Rows.cell(a, "expected_value"), Rows.cell(a, "score_value"),
                    Rows.text(a, "message")));
        }
        return rows;
    }

    private static List<List<String>> adviceRows(RunData d) {
        return d.advice().stream().map(a -> List.of(Rows.text(a, "time"), Rows.text(a, "seq"), Rows.text(a, "step"),
                Rows.text(a, "decision"), Rows.cell(a, "probability_beats_target"), Rows.text(a, "target_kind"),
                Rows.cell(a, "target_loss"), Rows.text(a, "sibling_run_id"), Rows.text(a, "reason"))).toList();
    }

    /** The estimates where the decision or the suggested batch changed (the first estimate included). */
    static List<List<String>> batchAdviceRows(RunData d) {
        List<List<String>> rows = new ArrayList<>();
        String previous = null;
        for (Map<String, String> r : d.batchAdvice()) {
            String advice = Rows.text(r, "decision") + "|" + Rows.text(r, "suggested_batch");
            if (advice.equals(previous)) {
                continue;
            }
            previous = advice;
            rows.add(List.of(Rows.text(r, "time"), Rows.text(r, "step"), Rows.text(r, "batch"), Rows.text(r, "status"),
                    Rows.text(r, "decision"), Rows.text(r, "suggested_batch"), Rows.cell(r, "b_simple"),
                    Rows.cell(r, "lo90"), Rows.cell(r, "hi90")));
        }
        return rows;
    }
}
