package dev.runlaw.cli.report;

import dev.runlaw.cli.report.Series.Band;
import dev.runlaw.cli.report.Series.Interval;
import dev.runlaw.cli.report.Series.Line;
import dev.runlaw.cli.report.Series.Marker;
import dev.runlaw.cli.report.Series.Range;
import dev.runlaw.cli.report.Series.XY;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a run's panel rows ({@link RunData}) into its charts. Run-level alerts (layer -1) mark the step charts at
 * the step they were detected at; layer alerts mark the MoE charts at their time. Alerts are numbered in the order
 * of {@link #alertsInOrder}, as in the page's alerts table.
 */
final class RunCharts {
    static final String OBSERVED = "#1f77b4";
    static final String FORECAST = "#d62728";
    static final String LR = "#2ca02c";
    static final String GRAD = "#9467bd";
    static final String BATCH = "#ff7f0e";
    private static final String[] PALETTE = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
        "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

    private RunCharts() {
    }

    /** The alerts sorted by detected step, then kind and layer: the numbering of markers and table rows. */
    static List<Map<String, String>> alertsInOrder(List<Map<String, String>> alerts) {
        List<Map<String, String>> sorted = new ArrayList<>(alerts);
        sorted.sort(Comparator.<Map<String, String>>comparingDouble(a -> Rows.num(a, "detected_step"))
                .thenComparing(a -> Rows.text(a, "kind")).thenComparingDouble(a -> Rows.num(a, "layer")));
        return sorted;
    }

    /** Markers of the run-level ({@code layerAlerts} false) or layer alerts, at their step or their time. */
    static List<Marker> markers(List<Map<String, String>> alerts, boolean layerAlerts, boolean atTime) {
        List<Marker> out = new ArrayList<>();
        List<Map<String, String>> sorted = alertsInOrder(alerts);
        for (int i = 0; i < sorted.size(); i++) {
            Map<String, String> a = sorted.get(i);
            boolean isLayer = Rows.num(a, "layer") >= 0;
            if (isLayer != layerAlerts) {
                continue;
            }
            double x = atTime ? Rows.epochSeconds(a, "time") : Rows.num(a, "detected_step");
            String where = isLayer ? " layer " + Rows.text(a, "layer") : "";
            out.add(new Marker(x, i + 1, Rows.text(a, "severity"), "#" + (i + 1) + " " + Rows.text(a, "kind") + where
                    + " " + Rows.text(a, "severity") + " at step " + Rows.text(a, "detected_step") + ": "
                    + Rows.text(a, "message")));
        }
        return out;
    }

    static LineChart loss(RunData d) {
        List<XY> observed = new ArrayList<>();
        List<XY> forecast = new ArrayList<>();
        List<Range> band = new ArrayList<>();
        for (Map<String, String> r : d.loss()) {
            double step = Rows.num(r, "step");
            add(observed, step, Rows.num(r, "observed"));
            add(forecast, step, Rows.num(r, "forecast"));
            double lo = Rows.num(r, "lo90");
            double hi = Rows.num(r, "hi90");
            if (Double.isFinite(lo) && Double.isFinite(hi)) {
                band.add(new Range(step, lo, hi));
            }
        }
        LineChart c = new LineChart("Loss of " + d.runId() + " with the latest forecast and what-ifs", "step", "loss")
                .logY()
                .add(new Band("forecast 90 % band", FORECAST, band))
                .add(new Line("observed loss", OBSERVED, observed, false))
                .add(new Line("latest forecast", FORECAST, forecast, true));
        for (Map<String, String> w : d.whatIfs()) {
            c.add(new Interval(Rows.text(w, "label"), Rows.num(w, "end_step"), Rows.num(w, "final_pred"),
                    Rows.num(w, "lo90"), Rows.num(w, "hi90")));
        }
        return c.addMarkers(markers(d.alerts(), false, false));
    }

    /** The predicted final loss of every forecast, at the time it was made, with its 90 % band. */
    static LineChart finalLoss(RunData d) {
        List<XY> pred = new ArrayList<>();
        List<Range> band = new ArrayList<>();
        for (Map<String, String> r : d.finalLoss()) {
            double t = Rows.epochSeconds(r, "time");
            add(pred, t, Rows.num(r, "final_pred"));
            double lo = Rows.num(r, "final_lo90");
            double hi = Rows.num(r, "final_hi90");
            if (Double.isFinite(lo) && Double.isFinite(hi)) {
                band.add(new Range(t, lo, hi));
            }
        }
        return new LineChart("Predicted final loss of " + d.runId() + " over time", "time (UTC)",
                "predicted final loss").timeX()
                .add(new Band("90 % interval", FORECAST, band))
                .add(new Line("predicted final loss", FORECAST, pred, false))
                .addMarkers(markers(d.alerts(), false, true));
    }

    static LineChart lr(RunData d) {
        return new LineChart("Learning rate of " + d.runId(), "step", "learning rate")
                .add(new Line("learning rate", LR, xy(d.lr(), "step", "lr"), false))
                .addMarkers(markers(d.alerts(), false, false));
    }

    static LineChart gradNorm(RunData d) {
        return new LineChart("Gradient norm of " + d.runId(), "step", "gradient norm").logY()
                .add(new Line("gradient norm", GRAD, xy(d.gradNorm(), "step", "grad_norm"), false))
                .addMarkers(markers(d.alerts(), false, false));
    }

    static LineChart noiseScale(RunData d) {
        List<Range> band = new ArrayList<>();
        for (Map<String, String> r : d.noise()) {
            double lo = Rows.num(r, "lo90");
            double hi = Rows.num(r, "hi90");
            // No upper bound yet (hi90 NULL): the band is drawn where both ends are known.
            if (Double.isFinite(lo) && Double.isFinite(hi)) {
                band.add(new Range(Rows.num(r, "step"), lo, hi));
            }
        }
        return new LineChart("Gradient noise scale B_simple of " + d.runId() + " against its batch", "step",
                "sequences").logY()
                .add(new Band("B_simple 90 % band", OBSERVED, band))
                .add(new Line("B_simple", OBSERVED, xy(d.noise(), "step", "b_simple"), false))
                .add(new Line("batch", BATCH, xy(d.noise(), "step", "batch"), true))
                .addMarkers(markers(d.alerts(), false, false));
    }

    static HeatMap expertShare(RunData d) {
        HeatMap h = new HeatMap("Token share per layer and expert of " + d.runId(), "time (UTC)", "layer / expert")
                .timeX();
        for (Map<String, String> r : d.expertShare()) {
            h.add(new HeatMap.Cell(Rows.epochSeconds(r, "t"), Rows.text(r, "series"), Rows.num(r, "avg_share")));
        }
        return h.addMarkers(markers(d.alerts(), true, true));
    }

    static LineChart imbalance(RunData d) {
        Map<String, List<XY>> bySeries = new LinkedHashMap<>();
        for (Map<String, String> r : d.imbalance()) {
            // The panel names a series "<run> L<layer>"; one run per page, so the layer says it all.
            String series = Rows.text(r, "series");
            String name = series.startsWith(d.runId() + " ") ? series.substring(d.runId().length() + 1) : series;
            add(bySeries.computeIfAbsent(name, k -> new ArrayList<>()), Rows.epochSeconds(r, "t"),
                    Rows.num(r, "max_over_mean_max"));
        }
        LineChart c = new LineChart("Expert imbalance per layer of " + d.runId(), "time (UTC)",
                "max / mean tokens per expert").timeX();
        List<String> names = new ArrayList<>(bySeries.keySet());
        names.sort(HeatMap.NATURAL);
        for (int i = 0; i < names.size(); i++) {
            c.add(new Line(names.get(i), PALETTE[i % PALETTE.length], bySeries.get(names.get(i)), false));
        }
        return c.addMarkers(markers(d.alerts(), true, true));
    }

    private static List<XY> xy(List<Map<String, String>> rows, String x, String y) {
        List<XY> out = new ArrayList<>();
        rows.forEach(r -> add(out, Rows.num(r, x), Rows.num(r, y)));
        return out;
    }

    private static void add(List<XY> out, double x, double y) {
        if (Double.isFinite(x) && Double.isFinite(y)) {
            out.add(new XY(x, y));
        }
    }
}
