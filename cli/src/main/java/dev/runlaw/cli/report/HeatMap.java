package dev.runlaw.cli.report;

import dev.runlaw.cli.report.Series.Marker;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A heat map as inline SVG: one row per series (e.g. "L3 E07", layer × expert), one column per x bucket (e.g. a
 * time interval), the cell's colour its value on a white-to-blue ramp from 0 to the largest value. Cells are drawn
 * as one path per colour level ({@link #LEVELS} levels), which keeps a 128 × 60 map to a few dozen elements. Rows
 * sharing the text before the first space ("L3") form a group, labelled once and fenced by a line. Vertical markers
 * as in {@link LineChart}. Without cells it draws the frame, the axis titles and "no data".
 */
final class HeatMap {
    static final int WIDTH = 920;
    static final int LEVELS = 24;
    private static final double LEFT = 74;
    private static final double RIGHT = 16;
    private static final double TOP = 30;
    private static final double BOTTOM = 46;
    /** Ramp stops from 0 to the largest value. */
    private static final int[][] RAMP = {{0xf7, 0xfb, 0xff}, {0x6b, 0xae, 0xd6}, {0x08, 0x30, 0x6b}};

    /** One cell: its column's x (the bucket's start), its row, its value. */
    record Cell(double x, String row, double value) {
    }

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Cell> cells = new ArrayList<>();
    private final List<Marker> markers = new ArrayList<>();
    private boolean timeX;

    HeatMap(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    HeatMap timeX() {
        timeX = true;
        return this;
    }

    HeatMap add(Cell c) {
        if (Double.isFinite(c.x()) && Double.isFinite(c.value())) {
            cells.add(c);
        }
        return this;
    }

    HeatMap addMarkers(List<Marker> ms) {
        markers.addAll(ms);
        return this;
    }

    String render() {
        TreeSet<String> rowSet = new TreeSet<>(NATURAL);
        cells.forEach(c -> rowSet.add(c.row()));
        List<String> rows = new ArrayList<>(rowSet);
        double rowH = rows.isEmpty() ? 20 : Math.max(2, Math.min(16, 420.0 / rows.size()));
        double plotH = rows.isEmpty() ? 200 : rowH * rows.size();
        int height = (int) Math.ceil(TOP + plotH + BOTTOM);
        double x0 = LEFT;
        double x1 = WIDTH - RIGHT;
        double y1 = TOP;
        double y0 = TOP + plotH;
        Svg svg = new Svg(WIDTH, height, "chart heatmap", title);
        svg.rect(x0, y1, x1 - x0, y0 - y1, "frame", null);
        svg.text((x0 + x1) / 2, height - 8, "middle", "axis-label x-label", 0, xLabel);
        svg.text(16, (y0 + y1) / 2, "middle", "axis-label y-label", -90, yLabel);
        if (cells.isEmpty()) {
            svg.text((x0 + x1) / 2, (y0 + y1) / 2, "middle", "no-data", 0, "no data");
            return svg.close();
        }
        double[] cols = cells.stream().mapToDouble(Cell::x).distinct().sorted().toArray();
        double width = columnWidth(cols);
        Scale xs = timeX ? new Scale(cols[0], cols[cols.length - 1] + width, x0, x1, false, true)
                : new Scale(cols[0], cols[cols.length - 1] + width, x0, x1, false, false);
        double max = cells.stream().mapToDouble(Cell::value).max().orElse(0);
        Map<String, Integer> rowIndex = new HashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            rowIndex.put(rows.get(i), i);
        }
        Map<Integer, StringBuilder> levels = new TreeMap<>();
        for (Cell c : cells) {
            int level = level(c.value(), max);
            double px = xs.map(c.x());
            double w = xs.map(c.x() + width) - px;
            double py = y1 + rowIndex.get(c.row()) * rowH;
            levels.computeIfAbsent(level, k -> new StringBuilder()).append("M").append(Svg.num(px)).append(" ")
                    .append(Svg.num(py)).append("h").append(Svg.num(w)).append("v").append(Svg.num(rowH)).append("h")
                    .append(Svg.num(-w)).append("Z");
        }
        levels.forEach((level, d) -> svg.path(d.toString(), "cells", "fill:" + color((level + 0.5) / LEVELS),
                String.format(Locale.ROOT, "%s .. %s", Scale.number(max * level / LEVELS),
                        Scale.number(max * (level + 1) / LEVELS))));
        rowLabels(svg, rows, rowH, x0, x1, y1);
        for (double t : xs.ticks(8)) {
            double px = xs.map(t);
            svg.line(px, y0, px, y0 + 4, "tick");
            svg.text(px, y0 + 16, "middle", "tick-label", 0, xs.label(t));
        }
        LineChart.drawMarkers(svg, markers, xs, y1, y0);
        svg.horizontalGradient("ramp", color(0), color(0.5), color(1));
        svg.rect(x1 - 160, 8, 120, 10, "ramp", "fill:url(#ramp)");
        svg.text(x1 - 164, 17, "end", "legend", 0, "0");
        svg.text(x1 - 36, 17, "start", "legend", 0, Scale.number(max));
        return svg.close();
    }

    private void rowLabels(Svg svg, List<String> rows, double rowH, double x0, double x1, double y1) {
        boolean every = rows.size() <= 24;
        String group = null;
        int groupStart = 0;
        for (int i = 0; i <= rows.size(); i++) {
            String g = i < rows.size() ? groupOf(rows.get(i)) : null;
            if (every && i < rows.size()) {
                svg.text(x0 - 6, y1 + (i + 0.5) * rowH + 4, "end", "tick-label", 0, rows.get(i));
            }
            if (i == rows.size() || !g.equals(group)) {
                if (group != null && !every) {
                    svg.text(x0 - 6, y1 + (groupStart + i) / 2.0 * rowH + 4, "end", "tick-label", 0, group);
                }
                if (group != null && i < rows.size()) {
                    svg.line(x0, y1 + i * rowH, x1, y1 + i * rowH, "group-line");
                }
                group = g;
                groupStart = i;
            }
        }
    }

    private static String groupOf(String row) {
        int space = row.indexOf(' ');
        return space < 0 ? row : row.substring(0, space);
    }

    /** The usual gap between consecutive columns (the smallest), or 1 for a single column. */
    static double columnWidth(double[] cols) {
        double w = Double.POSITIVE_INFINITY;
        for (int i = 1; i < cols.length; i++) {
            w = Math.min(w, cols[i] - cols[i - 1]);
        }
        return Double.isFinite(w) && w > 0 ? w : 1;
    }

    /** The colour level of {@code v} in [0, max]: 0 .. LEVELS - 1. */
    static int level(double v, double max) {
        if (!(max > 0) || v <= 0) {
            return 0;
        }
        return Math.min(LEVELS - 1, (int) Math.floor(v / max * LEVELS));
    }

    /** The ramp's colour at {@code t} in [0, 1], as {@code #rrggbb}. */
    static String color(double t) {
        double u = Math.max(0, Math.min(1, t)) * (RAMP.length - 1);
        int i = Math.min(RAMP.length - 2, (int) Math.floor(u));
        double f = u - i;
        StringBuilder s = new StringBuilder("#");
        for (int k = 0; k < 3; k++) {
            s.append(String.format(Locale.ROOT, "%02x", Math.round(RAMP[i][k] + f * (RAMP[i + 1][k] - RAMP[i][k]))));
        }
        return s.toString();
    }

    /** Compares "L10 E2" after "L2 E11": digit runs by value, the rest as text. */
    static final Comparator<String> NATURAL = (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            char ca = a.charAt(i);
            char cb = b.charAt(j);
            if (Character.isDigit(ca) && Character.isDigit(cb)) {
                int ei = i;
                int ej = j;
                while (ei < a.length() && Character.isDigit(a.charAt(ei))) {
                    ei++;
                }
                while (ej < b.length() && Character.isDigit(b.charAt(ej))) {
                    ej++;
                }
                int c = new BigInteger(a.substring(i, ei)).compareTo(new BigInteger(b.substring(j, ej)));
                if (c != 0) {
                    return c;
                }
                i = ei;
                j = ej;
            } else {
                if (ca != cb) {
                    return Character.compare(ca, cb);
                }
                i++;
                j++;
            }
        }
        int c = Integer.compare(a.length() - i, b.length() - j);
        return c != 0 ? c : a.compareTo(b); // "L01" and "L1" stay two rows
    };
}
