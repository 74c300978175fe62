package dev.runlaw.cli.report;

import java.util.ArrayList;
import java.util.List;

/** What the charts draw, in data units, and the thinning of long series. */
final class Series {
    private Series() {
    }

    /** One point of a curve. */
    record XY(double x, double y) {
    }

    /** A curve drawn as a line (dots too when it has few points). {@code color}: a CSS colour. */
    record Line(String name, String color, List<XY> points, boolean dashed) {
        Line {
            points = List.copyOf(points);
        }
    }

    /** An interval at one x (a band's cross-section). */
    record Range(double x, double lo, double hi) {
    }

    /** A filled band between lower and upper curves, e.g. a 90 % interval. */
    record Band(String name, String color, List<Range> ranges) {
        Band {
            ranges = List.copyOf(ranges);
        }
    }

    /** A labelled point with an error bar, e.g. a what-if's predicted final loss at its end step. */
    record Interval(String label, double x, double y, double lo, double hi) {
    }

    /**
     * A vertical marker at {@code x}, e.g. an alert at the step (or time) it was detected; {@code number} ties it to
     * its row in the alerts table, {@code severity} picks its colour, {@code title} is its tooltip.
     */
    record Marker(double x, int number, String severity, String title) {
    }

    /**
     * At most about {@code max} points of {@code points} (sorted by x): the first, the last, and per bucket of equal
     * count its lowest and its highest point in x order, so spikes survive the thinning.
     */
    static List<XY> thin(List<XY> points, int max) {
        if (points.size() <= max) {
            return points;
        }
        int buckets = Math.max(1, max / 2);
        double per = (double) points.size() / buckets;
        List<XY> out = new ArrayList<>(2 * buckets + 2);
        for (int b = 0; b < buckets; b++) {
            int start = (int) Math.floor(b * per);
            int end = Math.min(points.size(), (int) Math.floor((b + 1) * per));
            if (start >= end) {
                continue;
            }
            int lo = start;
            int hi = start;
            for (int i = start; i < end; i++) {
                if (points.get(i).y() < points.get(lo).y()) {
                    lo = i;
                }
                if (points.get(i).y() > points.get(hi).y()) {
                    hi = i;
                }
            }
            if (b == 0 && lo != 0 && hi != 0) {
                out.add(points.get(0));
            }
            out.add(points.get(Math.min(lo, hi)));
            if (lo != hi) {
                out.add(points.get(Math.max(lo, hi)));
            }
        }
        XY last = points.get(points.size() - 1);
        if (!out.get(out.size() - 1).equals(last)) {
            out.add(last);
        }
        return out;
    }
}
