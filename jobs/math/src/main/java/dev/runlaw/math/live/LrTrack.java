package dev.runlaw.math.live;

import dev.runlaw.math.schedule.LrSchedule;
import java.util.Arrays;

/**
 * Bounded piecewise-linear record of a per-step LR, built online from one LR per step.
 *
 * <p><b>Compression</b>: greedy "swing door" (slope bounds). Knots are appended LR values themselves; between two
 * knots the LR is linear in the step. The open segment starts at the last committed knot {@code (s0, v0)} and keeps
 * the interval {@code [lo, hi]} of slopes {@code k} for which {@code |v0 + k (s - s0) - v_s| <= tol} holds for every
 * point appended since {@code s0}; a new point {@code (s, v)} extends the segment when its own slope
 * {@code (v - v0) / (s - s0)} lies in {@code [lo, hi]} (then the segment to it reproduces every earlier point within
 * {@code tol}), otherwise the previous point becomes a knot and a new segment starts there. O(1) per append, no
 * buffering. The tolerance is absolute, {@code tol = relativeTolerance * max LR seen so far} (growing during
 * warmup, which only makes earlier points conservative).
 *
 * <p><b>Knot bound</b>: when a commit would make the knot count exceed {@code maxKnots}, the relative tolerance is
 * doubled (repeatedly, until at most 3/4 of {@code maxKnots} remain) and the knots themselves are re-simplified
 * with it. The difference of two polylines whose breakpoints are the old knots is largest at an old knot, so each
 * such pass adds at most its own tolerance to the error: {@link #tolerance()} reports the accumulated bound
 * {@code sum of the tolerances used} (relative to the largest LR seen). A linear or constant schedule needs a
 * handful of knots; a cosine over 10^6 steps at 1e-6 about a thousand.
 *
 * <p>Steps need not be consecutive: a gap between appended steps is linear between the knots around it.
 *
 * <p>Mutable, not thread-safe (one per run).
 */
public final class LrTrack {
    /** Default maximum number of knots. */
    public static final int DEFAULT_MAX_KNOTS = 1024;
    /** Default tolerance, relative to the largest LR seen. */
    public static final double DEFAULT_TOLERANCE = 1e-6;

    private final int maxKnots;
    private double relTol;
    private double errorBound;
    private double maxLr;
    private long[] ks = new long[16];
    private double[] kv = new double[16];
    /** Committed knots (the open segment's end is not among them). */
    private int n;
    private boolean hasEnd;
    private long endStep;
    private double endValue;
    private double lo;
    private double hi;

    private LrTrack(double relativeTolerance, int maxKnots) {
        if (!(relativeTolerance >= 0) || !Double.isFinite(relativeTolerance)) {
            throw new IllegalArgumentException("tolerance must be finite and >= 0, got " + relativeTolerance);
        }
        if (maxKnots < 4) {
            throw new IllegalArgumentException("maxKnots must be >= 4, got " + maxKnots);
        }
        this.relTol = relativeTolerance;
        this.errorBound = relativeTolerance;
        this.maxKnots = maxKnots;
    }

    /** An empty track with {@link #DEFAULT_TOLERANCE} and {@link #DEFAULT_MAX_KNOTS}. */
    public static LrTrack create() {
        return new LrTrack(DEFAULT_TOLERANCE, DEFAULT_MAX_KNOTS);
    }

    /** An empty track with the given tolerance (relative to the largest LR seen) and knot bound (at least 4). */
    public static LrTrack create(double relativeTolerance, int maxKnots) {
        return new LrTrack(relativeTolerance, maxKnots);
    }

    /**
     * A track from its knots (e.g. a {@code RunReference} record's): the LR is linear between them. Further appends
     * continue it with the default tolerance; the knot bound is the larger of the default and the knot count.
     *
     * @throws IllegalArgumentException for unequal lengths, non-increasing steps, or a negative or non-finite LR
     */
    public static LrTrack of(long[] knotSteps, double[] knotValues) {
        if (knotSteps.length != knotValues.length) {
            throw new IllegalArgumentException(knotSteps.length + " knot steps but " + knotValues.length + " values");
        }
        LrTrack t = new LrTrack(DEFAULT_TOLERANCE, Math.max(DEFAULT_MAX_KNOTS, knotSteps.length + 1));
        for (int i = 0; i < knotSteps.length; i++) {
            if (i > 0 && knotSteps[i] <= knotSteps[i - 1]) {
                throw new IllegalArgumentException("knot steps must increase: " + knotSteps[i - 1] + ", "
                        + knotSteps[i]);
            }
            checkLr(knotSteps[i], knotValues[i]);
            t.maxLr = Math.max(t.maxLr, knotValues[i]);
        }
        if (knotSteps.length == 1) {
            t.push(knotSteps[0], knotValues[0]);
            return t;
        }
        for (int i = 0; i + 1 < knotSteps.length; i++) {
            t.push(knotSteps[i], knotValues[i]);
        }
        if (knotSteps.length > 0) {
            t.hasEnd = true;
            t.endStep = knotSteps[knotSteps.length - 1];
            t.endValue = knotValues[knotValues.length - 1];
            t.freezeSegment();
        }
        return t;
    }

    /** Restores a track exactly (knots, open segment, tolerances). */
    static LrTrack restore(double relTol, double errorBound, int maxKnots, double maxLr, long[] steps,
                           double[] values, boolean hasEnd, double lo, double hi) {
        LrTrack t = new LrTrack(relTol, maxKnots);
        t.errorBound = errorBound;
        t.maxLr = maxLr;
        int committed = hasEnd ? steps.length - 1 : steps.length;
        for (int i = 0; i < committed; i++) {
            t.push(steps[i], values[i]);
        }
        if (hasEnd) {
            t.hasEnd = true;
            t.endStep = steps[steps.length - 1];
            t.endValue = values[values.length - 1];
        }
        t.lo = lo;
        t.hi = hi;
        return t;
    }

    private static void checkLr(long step, double lr) {
        if (!Double.isFinite(lr) || lr < 0) {
            throw new IllegalArgumentException("lr at step " + step + " is " + lr);
        }
    }

    /**
     * Appends the LR of {@code step}.
     *
     * @throws IllegalArgumentException if {@code step <= lastStep()} or the LR is negative or not finite
     */
    public void append(long step, double lr) {
        checkLr(step, lr);
        if (!isEmpty() && step <= lastStep()) {
            throw new IllegalArgumentException("step " + step + " not after " + lastStep());
        }
        maxLr = Math.max(maxLr, lr);
        double tol = relTol * maxLr;
        if (n == 0 && !hasEnd) {
            push(step, lr);
            return;
        }
        if (!hasEnd) {
            startSegment(step, lr, tol);
            return;
        }
        long s0 = ks[n - 1];
        double v0 = kv[n - 1];
        double k = (lr - v0) / (step - s0);
        if (k >= lo && k <= hi) {
            lo = Math.max(lo, (lr - tol - v0) / (step - s0));
            hi = Math.min(hi, (lr + tol - v0) / (step - s0));
            endStep = step;
            endValue = lr;
            return;
        }
        // The segment cannot reach the new point: its current end becomes a knot.
        long es = endStep;
        double ev = endValue;
        hasEnd = false;
        push(es, ev);
        if (n + 1 > maxKnots) {
            coarsen();
        }
        startSegment(step, lr, relTol * maxLr);
    }

    private void startSegment(long step, double lr, double tol) {
        long s0 = ks[n - 1];
        double v0 = kv[n - 1];
        hasEnd = true;
        endStep = step;
        endValue = lr;
        lo = (lr - tol - v0) / (step - s0);
        hi = (lr + tol - v0) / (step - s0);
    }

    /** After a rebuild, the open segment may only be extended along its own line (the skipped points are gone). */
    private void freezeSegment() {
        if (hasEnd && n > 0) {
            double k = (endValue - kv[n - 1]) / (endStep - ks[n - 1]);
            lo = k;
            hi = k;
        }
    }

    private void push(long step, double lr) {
        if (n == ks.length) {
            ks = Arrays.copyOf(ks, n * 2);
            kv = Arrays.copyOf(kv, n * 2);
        }
        ks[n] = step;
        kv[n] = lr;
        n++;
    }

    /** Doubles the tolerance and re-simplifies the knots until at most 3/4 of maxKnots remain. */
    private void coarsen() {
        long[] s = knotSteps();
        double[] v = knotValues();
        while (s.length > maxKnots - maxKnots / 4) {
            relTol = relTol > 0 ? 2 * relTol : DEFAULT_TOLERANCE;
            errorBound += relTol;
            LrTrack t = new LrTrack(relTol, Integer.MAX_VALUE);
            t.maxLr = maxLr;
            for (int i = 0; i < s.length; i++) {
                t.append(s[i], v[i]);
            }
            s = t.knotSteps();
            v = t.knotValues();
        }
        n = 0;
        hasEnd = false;
        for (int i = 0; i + 1 < s.length; i++) {
            push(s[i], v[i]);
        }
        if (n == 0) {
            push(s[0], v[0]);
        } else {
            hasEnd = true;
            endStep = s[s.length - 1];
            endValue = v[v.length - 1];
            freezeSegment();
        }
    }

    public boolean isEmpty() {
        return n == 0;
    }

    /** The first step appended. */
    public long firstStep() {
        requireNonEmpty();
        return ks[0];
    }

    /** The last step appended. */
    public long lastStep() {
        requireNonEmpty();
        return hasEnd ? endStep : ks[n - 1];
    }

    /** Number of knots, including the last appended point. */
    public int knotCount() {
        return n + (hasEnd ? 1 : 0);
    }

    /** The knots' steps, increasing (the first and last appended steps are knots). */
    public long[] knotSteps() {
        long[] out = Arrays.copyOf(ks, knotCount());
        if (hasEnd) {
            out[n] = endStep;
        }
        return out;
    }

    /** The LR at each knot (exactly the LR appended at that step). */
    public double[] knotValues() {
        double[] out = Arrays.copyOf(kv, knotCount());
        if (hasEnd) {
            out[n] = endValue;
        }
        return out;
    }

    /**
     * Bound on {@code |lrAt(s) - lr appended at s| / max LR seen} for every appended step: the initial tolerance,
     * plus each doubled tolerance used when the knot bound forced a re-simplification.
     */
    public double tolerance() {
        return errorBound;
    }

    /** The relative tolerance currently applied to new points. */
    double currentTolerance() {
        return relTol;
    }

    int maxKnots() {
        return maxKnots;
    }

    double maxLr() {
        return maxLr;
    }

    boolean hasOpenSegment() {
        return hasEnd;
    }

    double slopeLo() {
        return lo;
    }

    double slopeHi() {
        return hi;
    }

    /** The largest LR seen. */
    public double maxLrSeen() {
        return maxLr;
    }

    /**
     * The LR at {@code step}, linear between the knots around it.
     *
     * @throws IndexOutOfBoundsException outside {@code firstStep()..lastStep()}
     */
    public double lrAt(long step) {
        requireNonEmpty();
        if (step < firstStep() || step > lastStep()) {
            throw new IndexOutOfBoundsException("step " + step + " outside " + firstStep() + ".." + lastStep());
        }
        if (hasEnd && step >= ks[n - 1]) {
            return step == endStep ? endValue : interpolate(ks[n - 1], kv[n - 1], endStep, endValue, step);
        }
        // O(log knots), no copy: called for every step by RunTracker.
        int i = Arrays.binarySearch(ks, 0, n, step);
        if (i >= 0) {
            return kv[i];
        }
        int hiIdx = -i - 1;
        return interpolate(ks[hiIdx - 1], kv[hiIdx - 1], ks[hiIdx], kv[hiIdx], step);
    }

    /** The LR appended last. */
    public double lastValue() {
        requireNonEmpty();
        return hasEnd ? endValue : kv[n - 1];
    }

    private static double interpolate(long s0, double v0, long s1, double v1, long s) {
        return v0 + (v1 - v0) * ((double) (s - s0) / (s1 - s0));
    }

    /**
     * The track as a piecewise-linear schedule over {@code firstStep()..lastStep()} with the track's knots (warmup
     * detected by the schedule): O(knots), and the same per-step LR as {@link #lrAt} at every step.
     */
    public LrSchedule toSchedule() {
        requireNonEmpty();
        return LrSchedule.piecewiseLinear(knotSteps(), knotValues());
    }

    private void requireNonEmpty() {
        if (n == 0) {
            throw new IllegalStateException("empty LR track");
        }
    }

    @Override
    public String toString() {
        return isEmpty() ? "LrTrack[empty]" : "LrTrack[" + firstStep() + ".." + lastStep() + ", " + knotCount()
                + " knots, tol " + errorBound + "]";
    }
}
