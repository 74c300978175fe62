package dev.runlaw.cli.report;

import dev.runlaw.cli.report.Series.Band;
import dev.runlaw.cli.report.Series.Interval;
import dev.runlaw.cli.report.Series.Line;
import dev.runlaw.cli.report.Series.Marker;
import dev.runlaw.cli.report.Series.Range;
import dev.runlaw.cli.report.Series.XY;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoublePredicate;

/**
 * An x-y chart as inline SVG: lines, filled bands, points with error bars and vertical markers over a framed plot
 * with ticks, grid and both axes' titles. Without a single drawable point it still draws the frame and the axis
 * titles, and says "no data". Build it, then {@link #render()} once.
 */
final class LineChart {
    static final int WIDTH = 920;
    static final int HEIGHT = 300;
    /** Longest series drawn point by point; longer ones are thinned ({@link Series#thin}). */
    static final int MAX_POINTS = 1500;
    /** Lines with at most this many points get a dot per point (sparse measured losses). */
    static final int DOTS_UP_TO = 60;
    private static final double LEFT = 74;
    private static final double RIGHT = 16;
    private static final double TOP = 30;
    private static final double BOTTOM = 46;

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private boolean logY;
    private boolean timeX;
    private final List<Line> lines = new ArrayList<>();
    private final List<Band> bands = new ArrayList<>();
    private final List<Interval> intervals = new ArrayList<>();
    private final List<Marker> markers = new ArrayList<>();

    LineChart(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    /** A base-10 log y axis (points at or below zero are left out; all of them: a linear axis after all). */
    LineChart logY() {
        logY = true;
        return this;
    }

    /** x values are Unix seconds, labelled as UTC times. */
    LineChart timeX() {
        timeX = true;
        return this;
    }

    LineChart add(Line line) {
        lines.add(line);
        return this;
    }

    LineChart add(Band band) {
        bands.add(band);
        return this;
    }

    LineChart add(Interval interval) {
        intervals.add(interval);
        return this;
    }

    LineChart addMarkers(List<Marker> ms) {
        markers.addAll(ms);
        return this;
    }

    /** Whether any line, band or interval has a point to draw. */
    boolean hasData() {
        return lines.stream().anyMatch(l -> !l.points().isEmpty()) || bands.stream().anyMatch(b -> !b.ranges().isEmpty())
                || !intervals.isEmpty();
    }

    String render() {
        Svg svg = new Svg(WIDTH, HEIGHT, "chart", title);
        double x0 = LEFT;
        double x1 = WIDTH - RIGHT;
        double y0 = HEIGHT - BOTTOM;
        double y1 = TOP;
        svg.rect(x0, y1, x1 - x0, y0 - y1, "frame", null);
        svg.text((x0 + x1) / 2, HEIGHT - 8, "middle", "axis-label x-label", 0, xLabel);
        svg.text(16, (y0 + y1) / 2, "middle", "axis-label y-label", -90, yLabel);
        boolean positiveOnly = logY && anyY(v -> v > 0);
        DoublePredicate ok = positiveOnly ? v -> Double.isFinite(v) && v > 0 : Double::isFinite;
        double[] xr = xRange();
        double[] yr = yRange(ok);
        if (!hasData() || xr == null || yr == null) {
            svg.text((x0 + x1) / 2, (y0 + y1) / 2, "middle", "no-data", 0, "no data");
            return svg.close();
        }
        Scale xs = timeX ? Scale.time(xr[0], xr[1], x0, x1) : Scale.linear(xr[0], xr[1], x0, x1);
        Scale ys = positiveOnly ? Scale.logarithmic(yr[0], yr[1], y0, y1) : Scale.linear(yr[0], yr[1], y0, y1);
        axes(svg, xs, ys, x0, x1, y0, y1);
        for (Band b : bands) {
            String d = bandPath(b.ranges(), xs, ys);
            if (!d.isEmpty()) {
                svg.path(d, "band", "fill:" + b.color(), b.name());
            }
        }
        for (Line l : lines) {
            List<XY> pts = Series.thin(l.points().stream().filter(p -> xs.accepts(p.x()) && ys.accepts(p.y()))
                    .toList(), MAX_POINTS);
            String d = linePath(pts, xs, ys);
            if (!d.isEmpty()) {
                svg.path(d, l.dashed() ? "series dashed" : "series", "stroke:" + l.color(), l.name());
            }
            if (!pts.isEmpty() && pts.size() <= DOTS_UP_TO) {
                StringBuilder dots = new StringBuilder();
                pts.forEach(p -> dots.append(dot(xs.map(p.x()), ys.map(p.y()), 2.5)));
                svg.path(dots.toString(), "dots", "fill:" + l.color(), l.name());
            }
        }
        for (Interval iv : intervals) {
            interval(svg, iv, xs, ys);
        }
        drawMarkers(svg, markers, xs, y1, y0);
        legend(svg, x0);
        return svg.close();
    }

    /**
     * Vertical dashed lines at the markers' x (those inside the axis), each with its number at the top; numbers of
     * markers closer than 14 px step down a line so they stay readable.
     */
    static void drawMarkers(Svg svg, List<Marker> markers, Scale xs, double top, double bottom) {
        double lastPx = Double.NEGATIVE_INFINITY;
        int row = 0;
        List<Marker> sorted = new ArrayList<>(markers);
        sorted.sort((a, b) -> Double.compare(a.x(), b.x()));
        for (Marker m : sorted) {
            if (!xs.accepts(m.x()) || m.x() < xs.lo() || m.x() > xs.hi()) {
                continue;
            }
            double px = xs.map(m.x());
            row = px - lastPx < 14 ? row + 1 : 0;
            lastPx = px;
            svg.path("M" + Svg.num(px) + " " + Svg.num(top) + "V" + Svg.num(bottom),
                    "marker " + m.severity().toLowerCase(Locale.ROOT), null, m.title());
            svg.text(px + 2, top + 11 + 11 * (row % 4), "start", "marker-label", 0, Integer.toString(m.number()));
        }
    }

    private void axes(Svg svg, Scale xs, Scale ys, double x0, double x1, double y0, double y1) {
        for (double t : ys.ticks(5)) {
            double py = ys.map(t);
            svg.line(x0, py, x1, py, "grid");
            svg.line(x0 - 4, py, x0, py, "tick");
            svg.text(x0 - 6, py + 4, "end", "tick-label", 0, ys.label(t));
        }
        for (double t : xs.ticks(8)) {
            double px = xs.map(t);
            svg.line(px, y0, px, y0 + 4, "tick");
            svg.text(px, y0 + 16, "middle", "tick-label", 0, xs.label(t));
        }
    }

    private void interval(Svg svg, Interval iv, Scale xs, Scale ys) {
        if (!xs.accepts(iv.x()) || !ys.accepts(iv.y())) {
            return;
        }
        double px = xs.map(iv.x());
        double py = ys.map(iv.y());
        StringBuilder d = new StringBuilder(dot(px, py, 3.5));
        if (ys.accepts(iv.lo()) && ys.accepts(iv.hi())) {
            double lo = ys.map(iv.lo());
            double hi = ys.map(iv.hi());
            d.append("M").append(Svg.num(px)).append(" ").append(Svg.num(lo)).append("V").append(Svg.num(hi))
                    .append("M").append(Svg.num(px - 4)).append(" ").append(Svg.num(lo)).append("h8")
                    .append("M").append(Svg.num(px - 4)).append(" ").append(Svg.num(hi)).append("h8");
        }
        svg.path(d.toString(), "interval", null, iv.label() + ": " + Scale.number(iv.y()) + " (90 % "
                + Scale.number(iv.lo()) + " .. " + Scale.number(iv.hi()) + ")");
        svg.text(px - 6, py - 5, "end", "interval-label", 0, iv.label());
    }

    private void legend(Svg svg, double x0) {
        double x = x0;
        for (Line l : lines) {
            svg.path("M" + Svg.num(x) + " 14h18", l.dashed() ? "legend-line dashed" : "legend-line",
                    "stroke:" + l.color(), null);
            svg.text(x + 22, 18, "start", "legend", 0, l.name());
            x += 30 + 6.5 * l.name().length();
        }
        for (Band b : bands) {
            svg.rect(x, 8, 18, 10, "band", "fill:" + b.color());
            svg.text(x + 22, 18, "start", "legend", 0, b.name());
            x += 30 + 6.5 * b.name().length();
        }
        if (!intervals.isEmpty()) {
            svg.path(dot(x + 9, 13, 3.5), "legend-dot", null, null);
            svg.text(x + 22, 18, "start", "legend", 0, "what-if final loss (90 %)");
            x += 30 + 6.5 * 25;
        }
        if (!markers.isEmpty()) {
            svg.path("M" + Svg.num(x + 9) + " 6V20", "legend-marker", null, null);
            svg.text(x + 22, 18, "start", "legend", 0, "alert (number as in the table)");
        }
    }

    private double[] xRange() {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        List<Double> xs = new ArrayList<>();
        lines.forEach(l -> l.points().forEach(p -> xs.add(p.x())));
        bands.forEach(b -> b.ranges().forEach(r -> xs.add(r.x())));
        intervals.forEach(i -> xs.add(i.x()));
        if (xs.stream().noneMatch(Double::isFinite)) {
            return null;
        }
        markers.forEach(m -> xs.add(m.x()));
        for (double x : xs) {
            if (Double.isFinite(x)) {
                lo = Math.min(lo, x);
                hi = Math.max(hi, x);
            }
        }
        return new double[] {lo, hi};
    }

    private double[] yRange(DoublePredicate ok) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double y : allY()) {
            if (ok.test(y)) {
                lo = Math.min(lo, y);
                hi = Math.max(hi, y);
            }
        }
        return lo <= hi ? new double[] {lo, hi} : null;
    }

    private boolean anyY(DoublePredicate p) {
        return allY().stream().anyMatch(p::test);
    }

    private List<Double> allY() {
        List<Double> ys = new ArrayList<>();
        lines.forEach(l -> l.points().forEach(p -> ys.add(p.y())));
        bands.forEach(b -> b.ranges().forEach(r -> {
            ys.add(r.lo());
            ys.add(r.hi());
        }));
        intervals.forEach(i -> {
            ys.add(i.y());
            ys.add(i.lo());
            ys.add(i.hi());
        });
        return ys;
    }

    /** "M x y L x y ..." through the drawable points; a gap (undrawable point) starts a new sub-path. */
    static String linePath(List<XY> pts, Scale xs, Scale ys) {
        StringBuilder d = new StringBuilder();
        boolean pen = false;
        for (XY p : pts) {
            if (!xs.accepts(p.x()) || !ys.accepts(p.y())) {
                pen = false;
                continue;
            }
            d.append(pen ? "L" : "M").append(Svg.num(xs.map(p.x()))).append(" ").append(Svg.num(ys.map(p.y())));
            pen = true;
        }
        return d.toString();
    }

    /** The closed outline of a band: upper edge left to right, lower edge back; undrawable ranges are skipped. */
    static String bandPath(List<Range> ranges, Scale xs, Scale ys) {
        List<Range> ok = ranges.stream().filter(r -> xs.accepts(r.x()) && ys.accepts(r.lo()) && ys.accepts(r.hi()))
                .toList();
        if (ok.size() < 2) {
            return "";
        }
        StringBuilder d = new StringBuilder();
        for (int i = 0; i < ok.size(); i++) {
            Range r = ok.get(i);
            d.append(i == 0 ? "M" : "L").append(Svg.num(xs.map(r.x()))).append(" ").append(Svg.num(ys.map(r.hi())));
        }
        for (int i = ok.size() - 1; i >= 0; i--) {
            Range r = ok.get(i);
            d.append("L").append(Svg.num(xs.map(r.x()))).append(" ").append(Svg.num(ys.map(r.lo())));
        }
        return d.append("Z").toString();
    }

    /** A filled circle of radius r as path data. */
    static String dot(double cx, double cy, double r) {
        return "M" + Svg.num(cx - r) + " " + Svg.num(cy) + "a" + Svg.num(r) + " " + Svg.num(r) + " 0 1 0 "
                + Svg.num(2 * r) + " 0a" + Svg.num(r) + " " + Svg.num(r) + " 0 1 0 " + Svg.num(-2 * r) + " 0";
    }
}
