package dev.runlaw.cli.report;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Maps a data interval onto a pixel interval, linearly or logarithmically (base 10), and chooses the tick values
 * and their labels. Pure and immutable.
 *
 * @param lo    the data value drawn at {@code from}
 * @param hi    the data value drawn at {@code to}; {@code hi > lo}, both positive when {@code log}
 * @param from  pixel of {@code lo}
 * @param to    pixel of {@code hi} (smaller than {@code from} for a y axis, which grows upwards)
 * @param log   base-10 logarithmic
 * @param epoch values are Unix seconds: tick labels are UTC clock times
 */
record Scale(double lo, double hi, double from, double to, boolean log, boolean epoch) {
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DAY_CLOCK = DateTimeFormatter.ofPattern("MM-dd HH:mm", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    Scale {
        if (!(hi > lo) || !Double.isFinite(lo) || !Double.isFinite(hi)) {
            throw new IllegalArgumentException("scale needs finite lo < hi, got " + lo + " .. " + hi);
        }
        if (log && !(lo > 0)) {
            throw new IllegalArgumentException("a log scale needs positive values, got " + lo);
        }
    }

    /**
     * A linear scale over the values' range with 4 % headroom on each side (a flat series gets ±0.5 or ±5 %).
     */
    static Scale linear(double min, double max, double from, double to) {
        double[] d = padded(min, max);
        return new Scale(d[0], d[1], from, to, false, false);
    }

    /** A base-10 log scale over [min, max] (both positive) widened by 5 % of a decade on each side. */
    static Scale logarithmic(double min, double max, double from, double to) {
        double a = Math.log10(min);
        double b = Math.log10(max);
        if (b - a < 1e-9) {
            a -= 0.1;
            b += 0.1;
        }
        double pad = 0.05 * (b - a);
        return new Scale(Math.pow(10, a - pad), Math.pow(10, b + pad), from, to, true, false);
    }

    /** Unix seconds over [min, max] with the same headroom as {@link #linear}; ticks read as UTC times. */
    static Scale time(double min, double max, double from, double to) {
        double[] d = min == max ? new double[] {min - 30, max + 30} : padded(min, max);
        return new Scale(d[0], d[1], from, to, false, true);
    }

    private static double[] padded(double min, double max) {
        if (min == max) {
            double w = min == 0 ? 0.5 : Math.abs(min) * 0.05;
            return new double[] {min - w, max + w};
        }
        double pad = 0.04 * (max - min);
        return new double[] {min - pad, max + pad};
    }

    /** The pixel of {@code v}. */
    double map(double v) {
        double t = log ? (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : (v - lo) / (hi - lo);
        return from + t * (to - from);
    }

    /** Whether {@code v} can be drawn on this scale (finite, and positive on a log scale). */
    boolean accepts(double v) {
        return Double.isFinite(v) && (!log || v > 0);
    }

    /** About {@code approx} round tick values inside [lo, hi]: 1, 2 or 5 × 10^k apart (log: decades, or 1-2-5). */
    List<Double> ticks(int approx) {
        List<Double> ticks = new ArrayList<>();
        if (log) {
            int a = (int) Math.floor(Math.log10(lo));
            int b = (int) Math.ceil(Math.log10(hi));
            int[] mantissas = b - a <= 2 ? new int[] {1, 2, 5} : new int[] {1};
            int every = Math.max(1, (b - a) / Math.max(1, approx));
            for (int k = a; k <= b; k += every) {
                for (int m : mantissas) {
                    double v = m * Math.pow(10, k);
                    if (v >= lo && v <= hi) {
                        ticks.add(v);
                    }
                }
            }
            if (ticks.size() < 3) {
                // Less than a decade with at most two round values inside: linear ticks read better.
                return new Scale(lo, hi, from, to, false, epoch).ticks(approx);
            }
            return ticks;
        }
        double step = niceStep((hi - lo) / Math.max(1, approx));
        for (double v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
            ticks.add(Math.abs(v) < step * 1e-9 ? 0.0 : v);
        }
        return ticks;
    }

    /** The label of a tick: a UTC time for epoch scales, else a short number. */
    String label(double v) {
        if (epoch) {
            Instant t = Instant.ofEpochSecond((long) Math.floor(v));
            return (hi - lo > 86_400 ? DAY_CLOCK : CLOCK).format(t);
        }
        return number(v);
    }

    /** 1, 2 or 5 × 10^k, the smallest at least {@code raw}. */
    static double niceStep(double raw) {
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= raw * (1 - 1e-9)) {
                return m * p;
            }
        }
        return 10 * p;
    }

    /** A number in at most about 5 significant characters: 12000 → 12k, 0.00031 → 3.1e-4, 2.5 → 2.5. */
    static String number(double v) {
        double a = Math.abs(v);
        if (a == 0) {
            return "0";
        }
        if (a >= 1e6) {
            return trim(String.format(Locale.ROOT, "%.3g", v / 1e6)) + "M";
        }
        if (a >= 1e4) {
            return trim(String.format(Locale.ROOT, "%.3g", v / 1e3)) + "k";
        }
        if (a >= 0.01) {
            return trim(String.format(Locale.ROOT, "%.4g", v));
        }
        String s = String.format(Locale.ROOT, "%.2e", v);
        String[] parts = s.split("e");
        return trim(parts[0]) + "e" + Integer.parseInt(parts[1]);
    }

    private static String trim(String s) {
        return s.contains(".") && !s.contains("e") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }
}
