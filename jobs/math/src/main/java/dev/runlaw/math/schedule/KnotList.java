package dev.runlaw.math.schedule;

import java.util.Arrays;

/** A growing list of knots (increasing steps, by the caller's contract) of a piecewise-linear schedule. */
final class KnotList {
    private long[] s = new long[16];
    private double[] v = new double[16];
    private int n;

    void add(long step, double value) {
        if (n == s.length) {
            s = Arrays.copyOf(s, 2 * n);
            v = Arrays.copyOf(v, 2 * n);
        }
        s[n] = step;
        v[n] = value;
        n++;
    }

    long lastStep() {
        return s[n - 1];
    }

    int size() {
        return n;
    }

    long[] steps() {
        return Arrays.copyOf(s, n);
    }

    double[] values() {
        return Arrays.copyOf(v, n);
    }
}
