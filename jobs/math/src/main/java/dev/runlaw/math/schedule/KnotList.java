package dev.runlaw.math.schedule;

import java.util.Arrays;

/**
 * A growing list of knots (increasing steps, by the caller's contract) of a piecewise-linear schedule being
 * assembled: by {@link LrSchedule}'s builder and by the live tracker's forecast schedule.
 */
public final class KnotList {
    private long[] s;
    private double[] v;
    private int n;

    /** An empty list with room for 16 knots. */
    public KnotList() {
        this(16);
    }

    /** An empty list with room for {@code capacity} knots (at least 4); it grows as needed. */
    public KnotList(int capacity) {
        s = new long[Math.max(4, capacity)];
        v = new double[s.length];
    }

    /** Appends the knot ({@code step}, {@code value}). */
    public void add(long step, double value) {
        if (n == s.length) {
            s = Arrays.copyOf(s, 2 * n);
            v = Arrays.copyOf(v, 2 * n);
        }
        s[n] = step;
        v[n] = value;
        n++;
    }

    /** A constant {@code value} over {@code from..to}. */
    public void hold(long from, long to, double value) {
        add(from, value);
        if (to > from) {
            add(to, value);
        }
    }

    /** {@code src}'s LR over {@code from..to}: its value at both ends and its knots between. */
    public void range(LrSchedule src, long from, long to) {
        add(from, src.lrAt(from));
        long[] ks = src.knotSteps();
        double[] kv = src.knotValues();
        for (int i = 0; i < ks.length; i++) {
            if (ks[i] > from && ks[i] < to) {
                add(ks[i], kv[i]);
            }
        }
        if (to > from) {
            add(to, src.lrAt(to));
        }
    }

    long lastStep() {
        return s[n - 1];
    }

    int size() {
        return n;
    }

    /** The knots' steps, a copy. */
    public long[] steps() {
        return Arrays.copyOf(s, n);
    }

    /** The knots' values, a copy. */
    public double[] values() {
        return Arrays.copyOf(v, n);
    }
}
