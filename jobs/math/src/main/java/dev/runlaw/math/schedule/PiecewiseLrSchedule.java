package dev.runlaw.math.schedule;

import java.util.Arrays;

/**
 * An {@link LrSchedule} held as piecewise-linear knots {@code (k_j, v_j)}, increasing integer steps. The LR at a knot
 * is {@code v_j} exactly and between knots {@code v_j + (v_{j+1} - v_j) * ((s - k_j) / (k_{j+1} - k_j))} (the
 * interpolation of {@code LrTrack}, so both give bit-identical per-step values). Within a segment the LR changes by
 * the constant {@code delta = (v_{j+1} - v_j) / (k_{j+1} - k_j)} per step, so
 * {@code sum_{i = k_j + 1..k_j + n} lr_i = n v_j + delta n (n + 1) / 2}: area, LR, minimum, truncation and linear
 * what-ifs cost O(log knots) or O(knots), independent of the number of steps. The per-step form exists only once
 * asked for ({@link #perStep()}: built once and cached, an idempotent, safely published cache). Immutable.
 */
final class PiecewiseLrSchedule implements LrSchedule {
    /**
     * A rising segment shorter than this (in steps per ulp of its end value) is checked step by step when the
     * warmup is detected: only then could rounding make two consecutive interpolated values equal.
     */
    private static final double STRICT_RISE_ULPS = 8;

    private final long firstStep;
    private final long lastStep;
    private final long peakStep;
    private final long[] ks;
    private final double[] kv;
    /** {@code area(ks[j])}. */
    private final double[] kArea;
    private volatile PerStepLrSchedule perStep;

    /** @param peakStep the warmup's last step, or -1 to detect it (arrays owned: callers pass copies) */
    PiecewiseLrSchedule(long[] ks, double[] kv, long peakStep) {
        if (ks.length == 0 || ks.length != kv.length) {
            throw new IllegalArgumentException("need at least one knot and as many values as steps, got "
                    + ks.length + " steps, " + kv.length + " values");
        }
        if (ks[0] < 0) {
            throw new IllegalArgumentException("firstStep must be >= 0, got " + ks[0]);
        }
        for (int j = 0; j < ks.length; j++) {
            if (j > 0 && ks[j] <= ks[j - 1]) {
                throw new IllegalArgumentException("knot steps must increase: " + ks[j - 1] + ", " + ks[j]);
            }
            if (!Double.isFinite(kv[j]) || kv[j] < 0) {
                throw new IllegalArgumentException("lr at step " + ks[j] + " is " + kv[j]);
            }
        }
        this.ks = ks;
        this.kv = kv;
        this.firstStep = ks[0];
        this.lastStep = ks[ks.length - 1];
        this.kArea = new double[ks.length];
        double a = firstStep >= 1 ? kv[0] : 0;
        kArea[0] = a;
        for (int j = 1; j < ks.length; j++) {
            a += segmentSum(j - 1, ks[j] - ks[j - 1]);
            kArea[j] = a;
        }
        if (peakStep < 0) {
            peakStep = detectPeak();
        }
        if (peakStep < firstStep || peakStep > lastStep) {
            throw new IllegalArgumentException("peak step " + peakStep + " outside the schedule");
        }
        this.peakStep = peakStep;
    }

    @Override
    public long firstStep() {
        return firstStep;
    }

    @Override
    public long lastStep() {
        return lastStep;
    }

    @Override
    public long peakStep() {
        return peakStep;
    }

    @Override
    public boolean isPiecewise() {
        return true;
    }

    @Override
    public long[] knotSteps() {
        return ks.clone();
    }

    @Override
    public double[] knotValues() {
        return kv.clone();
    }

    /** Knot steps without a copy, for {@link MomentumAreas}. */
    long[] knotStepsRaw() {
        return ks;
    }

    /** Knot values without a copy. */
    double[] knotValuesRaw() {
        return kv;
    }

    @Override
    public double lrAt(long step) {
        check(step);
        int j = Arrays.binarySearch(ks, step);
        if (j >= 0) {
            return kv[j];
        }
        int hi = -j - 1;
        return interpolate(hi - 1, step);
    }

    @Override
    public double area(long step) {
        if (step < firstStep) {
            return 0;
        }
        check(step);
        int j = knotAtOrBefore(step);
        return kArea[j] + segmentSum(j, step - ks[j]);
    }

    /**
     * O(log knots + knots in the range): a linear segment's per-step values are monotone (so are their rounded
     * values), hence its minimum over a range is at the range's ends or at a knot.
     */
    @Override
    public double minLr(long from, long to) {
        long a = Math.max(from, firstStep);
        long b = Math.min(to, lastStep);
        if (a > b) {
            return Double.POSITIVE_INFINITY;
        }
        double m = Math.min(lrAt(a), lrAt(b));
        for (int j = knotAtOrBefore(a) + 1; j < ks.length && ks[j] < b; j++) {
            m = Math.min(m, kv[j]);
        }
        return m;
    }

    @Override
    public double[] toArray() {
        return perStepSchedule().toArray();
    }

    @Override
    public LrSchedule perStep() {
        return perStepSchedule();
    }

    private PerStepLrSchedule perStepSchedule() {
        PerStepLrSchedule p = perStep;
        if (p == null) {
            double[] a = new double[length()];
            a[0] = kv[0];
            for (int j = 1; j < ks.length; j++) {
                for (long t = ks[j - 1] + 1; t < ks[j]; t++) {
                    a[(int) (t - firstStep)] = interpolate(j - 1, t);
                }
                a[(int) (ks[j] - firstStep)] = kv[j];
            }
            p = new PerStepLrSchedule(firstStep, a, peakStep);
            perStep = p;
        }
        return p;
    }

    @Override
    public LrSchedule truncate(long lastStep) {
        check(lastStep);
        KnotList out = new KnotList();
        appendKnotsUpTo(out, lastStep);
        return new PiecewiseLrSchedule(out.steps(), out.values(), Math.min(peakStep, lastStep));
    }

    /** A {@link Decay#LINEAR} decay stays piecewise (two knots: the same line, equal per step up to rounding). */
    @Override
    public LrSchedule withDecay(long decayStart, long endStep, double floor, Decay shape) {
        PerStepLrSchedule.checkDecay(this, decayStart, endStep);
        if (shape != Decay.LINEAR) {
            return PerStepLrSchedule.decayed(perStepSchedule().lrArray(), firstStep, lastStep, peakStep,
                    decayStart, endStep, floor, shape);
        }
        double from = lrAt(Math.min(decayStart - 1, lastStep));
        long d = endStep + 1 - decayStart;
        long peak = Math.min(peakStep, decayStart - 1);
        KnotList out = new KnotList();
        appendKnotsUpTo(out, Math.min(decayStart - 1, lastStep));
        if (decayStart - 1 > lastStep) {
            out.add(decayStart - 1, kv[kv.length - 1]);
        }
        out.add(decayStart, shape.at(from, floor, 0));
        if (endStep > decayStart) {
            out.add(endStep, shape.at(from, floor, (double) (endStep - decayStart) / d));
        }
        return new PiecewiseLrSchedule(out.steps(), out.values(), peak);
    }

    /** Appends this schedule's knots up to {@code last}, ending with a knot at {@code last}. */
    private void appendKnotsUpTo(KnotList out, long last) {
        int j = 0;
        for (; j < ks.length && ks[j] <= last; j++) {
            out.add(ks[j], kv[j]);
        }
        if (ks[j - 1] < last) {
            out.add(last, interpolate(j - 1, last));
        }
    }

    /** Index of the last knot at or before {@code step} (which lies within the schedule). */
    int knotAtOrBefore(long step) {
        int j = Arrays.binarySearch(ks, step);
        return j >= 0 ? j : -j - 2;
    }

    /** The LR at {@code step} strictly inside segment {@code j} (between knots j and j + 1). */
    private double interpolate(int j, long step) {
        long s0 = ks[j];
        long s1 = ks[j + 1];
        double v0 = kv[j];
        return v0 + (kv[j + 1] - v0) * ((double) (step - s0) / (s1 - s0));
    }

    /**
     * {@code sum_{i = 1..n} lr_{k_j + i}} along segment {@code j} ({@code n} at most its length):
     * {@code n v_j + delta n (n + 1) / 2}, {@code delta} its per-step change.
     */
    private double segmentSum(int j, long n) {
        if (n <= 0) {
            return 0;
        }
        double v0 = kv[j];
        double delta = (kv[j + 1] - v0) / (ks[j + 1] - ks[j]);
        double dn = n;
        return dn * v0 + delta * (dn * (dn + 1) * 0.5);
    }

    /** End of the strictly increasing prefix of the per-step values, from the knots. */
    private long detectPeak() {
        for (int j = 0; j + 1 < ks.length; j++) {
            double v0 = kv[j];
            double v1 = kv[j + 1];
            if (!(v1 > v0)) {
                return ks[j];
            }
            long len = ks[j + 1] - ks[j];
            if ((v1 - v0) / len <= STRICT_RISE_ULPS * Math.ulp(v1)) {
                // So shallow that rounding might repeat a value: check each step as the per-step detection does.
                double prev = v0;
                for (long t = ks[j] + 1; t <= ks[j + 1]; t++) {
                    double v = t == ks[j + 1] ? v1 : interpolate(j, t);
                    if (!(v > prev)) {
                        return t - 1;
                    }
                    prev = v;
                }
            }
        }
        return lastStep;
    }

    private void check(long step) {
        if (step < firstStep || step > lastStep) {
            throw new IndexOutOfBoundsException("step " + step + " outside " + firstStep + ".." + lastStep);
        }
    }

    @Override
    public String toString() {
        return "LrSchedule[steps " + firstStep + ".." + lastStep + ", " + ks.length + " knots, peak " + peakLr()
                + " at " + peakStep + "]";
    }
}
