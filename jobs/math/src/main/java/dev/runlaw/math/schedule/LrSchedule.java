package dev.runlaw.math.schedule;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A learning-rate schedule: the LR of every optimizer step {@code firstStep..lastStep}, held either as one value per
 * step (<em>per-step</em>) or as <em>piecewise-linear</em> knots.
 *
 * <p>{@code lrAt(s)} is the LR used at optimizer step {@code s}. The forward area
 * {@code area(s) = sum_{i = max(1, firstStep)..s} lr_i} (the S1 of both loss laws, before any warmup convention) is
 * a prefix sum filled once (per-step) or a closed form over the knots (piecewise, below).
 *
 * <p><b>Piecewise-linear</b> ({@link #piecewiseLinear}): knots {@code (k_j, v_j)} with increasing integer steps; the
 * LR at a knot is {@code v_j} exactly and between knots {@code v_j + (v_{j+1} - v_j) * ((s - k_j) / (k_{j+1} - k_j))}
 * (the interpolation of {@code LrTrack}, so both give bit-identical per-step values). Within a segment the LR changes
 * by the constant {@code delta = (v_{j+1} - v_j) / (k_{j+1} - k_j)} per step, so
 * {@code sum_{i = k_j + 1..k_j + n} lr_i = n v_j + delta n (n + 1) / 2}: {@link #area}, {@link #lrAt},
 * {@link #minLr}, {@link #truncate} and linear what-ifs cost O(log knots) or O(knots), independent of the number of
 * steps, and {@link MomentumAreas#atSteps} uses closed forms per segment. No per-step array exists unless something
 * asks for one ({@link #toArray}, {@link #perStep}: built once and cached).
 *
 * <p>The <em>warmup</em> is the leading stretch where the LR strictly increases; {@link #peakStep()} is its last
 * step (the first step when there is no warmup). The loss laws use it for their warmup conventions. A schedule
 * built from a spec knows its warmup exactly; one built from an array or knots detects it, or is told with
 * {@link #of(long, double[], long)} / {@link #piecewiseLinear(long[], double[], long)}.
 *
 * <p>Immutable (the cached per-step form is an idempotent, safely published cache). Build from an explicit array
 * with {@link #of(long, double[])}, from knots with {@link #piecewiseLinear}, or from a spec with {@link #builder()};
 * what-if variants ({@link #withDecay}, {@link #stopWithCooldown}) return new schedules.
 */
public final class LrSchedule {
    /**
     * A rising segment shorter than this (in steps per ulp of its end value) is checked step by step when the
     * warmup is detected: only then could rounding make two consecutive interpolated values equal.
     */
    private static final double STRICT_RISE_ULPS = 8;

    private final long firstStep;
    private final long lastStep;
    private final long peakStep;
    /** Per-step form: the LR of every step and its prefix sums (null when piecewise). */
    private final double[] lr;
    private final double[] cumArea;
    /** Piecewise form: its per-step form once asked for (an idempotent cache). */
    private volatile LrSchedule perStep;
    /** Piecewise form: knot steps and values (null when per-step). */
    private final long[] ks;
    private final double[] kv;
    /** {@code area(ks[j])}. */
    private final double[] kArea;

    private LrSchedule(long firstStep, double[] lr, long peakStep) {
        if (firstStep < 0) {
            throw new IllegalArgumentException("firstStep must be >= 0, got " + firstStep);
        }
        if (lr.length == 0) {
            throw new IllegalArgumentException("a schedule needs at least one step");
        }
        this.firstStep = firstStep;
        this.lastStep = firstStep + lr.length - 1;
        this.lr = lr;
        this.ks = null;
        this.kv = null;
        this.kArea = null;
        double[] cum = new double[lr.length];
        double a = 0;
        for (int i = 0; i < lr.length; i++) {
            double v = lr[i];
            if (!Double.isFinite(v) || v < 0) {
                throw new IllegalArgumentException("lr at step " + (firstStep + i) + " is " + v);
            }
            if (firstStep + i >= 1) {
                a += v;
            }
            cum[i] = a;
        }
        this.cumArea = cum;
        if (peakStep < 0) {
            int p = 0;
            while (p + 1 < lr.length && lr[p + 1] > lr[p]) {
                p++;
            }
            peakStep = firstStep + p;
        }
        if (peakStep < firstStep || peakStep > lastStep) {
            throw new IllegalArgumentException("peak step " + peakStep + " outside the schedule");
        }
        this.peakStep = peakStep;
    }

    private LrSchedule(long[] ks, double[] kv, long peakStep) {
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
        this.lr = null;
        this.cumArea = null;
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

    /** A schedule from an explicit per-step LR array ({@code lr[i]} at step {@code firstStep + i}); warmup detected. */
    public static LrSchedule of(long firstStep, double[] lr) {
        return new LrSchedule(firstStep, lr.clone(), -1);
    }

    /** As {@link #of(long, double[])} with the warmup's last step given explicitly. */
    public static LrSchedule of(long firstStep, double[] lr, long peakStep) {
        return new LrSchedule(firstStep, lr.clone(), peakStep);
    }

    /**
     * A piecewise-linear schedule over {@code knotSteps[0]..knotSteps[last]} (see the class comment for the
     * interpolation), warmup detected: the end of the strictly increasing prefix of its per-step values, as
     * {@link #of(long, double[])} would find on {@link #toArray()}.
     *
     * @throws IllegalArgumentException for no knots, unequal lengths, non-increasing steps, a negative step or a
     *                                  negative or non-finite LR
     */
    public static LrSchedule piecewiseLinear(long[] knotSteps, double[] knotValues) {
        return new LrSchedule(knotSteps.clone(), knotValues.clone(), -1);
    }

    /** As {@link #piecewiseLinear(long[], double[])} with the warmup's last step given ({@code -1} to detect it). */
    public static LrSchedule piecewiseLinear(long[] knotSteps, double[] knotValues, long peakStep) {
        return new LrSchedule(knotSteps.clone(), knotValues.clone(), peakStep);
    }

    /** A builder of a schedule from segments, starting at step 0. */
    public static Builder builder() {
        return new Builder(0);
    }

    /** A builder of a schedule from segments, starting at {@code firstStep}. */
    public static Builder builder(long firstStep) {
        return new Builder(firstStep);
    }

    /** Linear warmup from 0 over {@code warmup} steps, then constant {@code peak}; {@code total} steps from 0. */
    public static LrSchedule constant(int total, int warmup, double peak) {
        return builder().warmup(warmup, 0, peak).constant(total - warmup, peak).build();
    }

    /** Linear warmup from 0, then cosine from {@code peak} to {@code floor} until step {@code total}. */
    public static LrSchedule cosine(int total, int warmup, double peak, double floor) {
        return builder().warmup(warmup, 0, peak).decay(total - warmup, peak, floor, Decay.COSINE).build();
    }

    /**
     * Warmup-stable-decay: linear warmup from 0, constant {@code peak} until {@code decayStart}, then a decay of
     * the given shape to {@code floor} at step {@code total}.
     */
    public static LrSchedule wsd(int total, int warmup, int decayStart, double peak, double floor, Decay shape) {
        return builder().warmup(warmup, 0, peak).constant(decayStart - warmup, peak)
                .decay(total - decayStart, peak, floor, shape).build();
    }

    public long firstStep() {
        return firstStep;
    }

    /** The planned last step. */
    public long lastStep() {
        return lastStep;
    }

    /**
     * Number of steps.
     *
     * @throws IllegalStateException for a piecewise schedule longer than an array can be
     */
    public int length() {
        long n = lastStep - firstStep + 1;
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("schedule of " + n + " steps is too long for a per-step array");
        }
        return (int) n;
    }

    /** Last step of the warmup (the step at which the LR first peaks). */
    public long peakStep() {
        return peakStep;
    }

    /** LR at the end of warmup. */
    public double peakLr() {
        return lrAt(peakStep);
    }

    public boolean contains(long step) {
        return step >= firstStep && step <= lastStep;
    }

    /** Whether the schedule is held as piecewise-linear knots (per-step arrays only on demand). */
    public boolean isPiecewise() {
        return ks != null;
    }

    /** The knots' steps of a piecewise schedule; every step of a per-step one. */
    public long[] knotSteps() {
        if (ks != null) {
            return ks.clone();
        }
        long[] out = new long[length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = firstStep + i;
        }
        return out;
    }

    /** The LR at each of {@link #knotSteps()}. */
    public double[] knotValues() {
        return ks != null ? kv.clone() : lr.clone();
    }

    public double lrAt(long step) {
        if (ks == null) {
            return lr[index(step)];
        }
        check(step);
        int j = Arrays.binarySearch(ks, step);
        if (j >= 0) {
            return kv[j];
        }
        int hi = -j - 1;
        return interpolate(hi - 1, step);
    }

    /** Forward area {@code sum_{i = max(1, firstStep)..step} lr_i}; 0 before the first step. */
    public double area(long step) {
        if (step < firstStep) {
            return 0;
        }
        if (ks == null) {
            return cumArea[index(step)];
        }
        check(step);
        int j = knotAtOrBefore(step);
        return kArea[j] + segmentSum(j, step - ks[j]);
    }

    /**
     * The lowest LR over steps {@code from..to} (clipped to the schedule); {@code +Infinity} when that is empty.
     * O(log knots + knots in the range) when piecewise: a linear segment's per-step values are monotone (so are
     * their rounded values), hence its minimum over a range is at the range's ends or at a knot.
     */
    public double minLr(long from, long to) {
        long a = Math.max(from, firstStep);
        long b = Math.min(to, lastStep);
        if (a > b) {
            return Double.POSITIVE_INFINITY;
        }
        double m = Math.min(lrAt(a), lrAt(b));
        if (ks == null) {
            for (long s = a + 1; s < b; s++) {
                m = Math.min(m, lr[(int) (s - firstStep)]);
            }
            return m;
        }
        for (int j = knotAtOrBefore(a) + 1; j < ks.length && ks[j] < b; j++) {
            m = Math.min(m, kv[j]);
        }
        return m;
    }

    /** A copy of the per-step LR (materialised, and cached, for a piecewise schedule). */
    public double[] toArray() {
        return perStepLr().clone();
    }

    /**
     * This schedule as a per-step one (itself when it is one): the same per-step LR and peak step, built once for
     * a piecewise schedule and cached. For code that walks every step (the multi-power law's kernel), whose
     * results then equal those on {@code LrSchedule.of(firstStep(), toArray(), peakStep())} exactly.
     */
    public LrSchedule perStep() {
        if (ks == null) {
            return this;
        }
        LrSchedule p = perStep;
        if (p == null) {
            double[] a = new double[length()];
            a[0] = kv[0];
            for (int j = 1; j < ks.length; j++) {
                for (long t = ks[j - 1] + 1; t < ks[j]; t++) {
                    a[(int) (t - firstStep)] = interpolate(j - 1, t);
                }
                a[(int) (ks[j] - firstStep)] = kv[j];
            }
            p = new LrSchedule(firstStep, a, peakStep);
            perStep = p;
        }
        return p;
    }

    private double[] perStepLr() {
        return perStep().lr;
    }

    /** The LR at array index {@code index} (step {@code firstStep + index}). */
    double rawAt(int index) {
        return ks == null ? lr[index] : lrAt(firstStep + index);
    }

    /** Knot steps without a copy (piecewise only), for {@link MomentumAreas}. */
    long[] knotStepsRaw() {
        return ks;
    }

    /** Knot values without a copy (piecewise only). */
    double[] knotValuesRaw() {
        return kv;
    }

    /** The schedule cut after {@code lastStep}. */
    public LrSchedule truncate(long lastStep) {
        if (ks == null) {
            int n = index(lastStep) + 1;
            return new LrSchedule(firstStep, Arrays.copyOf(lr, n), Math.min(peakStep, lastStep));
        }
        check(lastStep);
        KnotList out = new KnotList();
        appendKnotsUpTo(out, lastStep);
        return new LrSchedule(out.steps(), out.values(), Math.min(peakStep, lastStep));
    }

    /**
     * What-if "start the decay at step {@code decayStart}": the LR is unchanged before {@code decayStart}, then
     * decays with {@code shape} from the LR at {@code decayStart - 1} to {@code floor}, reaching it at
     * {@code endStep + 1} (the convention of the WSD runs); the schedule ends at {@code endStep}. The last LR is held
     * when {@code decayStart - 1} lies past the schedule's end. A piecewise schedule with a {@link Decay#LINEAR}
     * decay stays piecewise (two knots for the decay: the same line, equal per step up to rounding); other shapes
     * are built per step.
     */
    public LrSchedule withDecay(long decayStart, long endStep, double floor, Decay shape) {
        if (decayStart <= firstStep || endStep < decayStart) {
            throw new IllegalArgumentException("decay " + decayStart + ".." + endStep + " invalid for " + this);
        }
        double from = lrAt(Math.min(decayStart - 1, lastStep));
        long d = endStep + 1 - decayStart;
        long peak = Math.min(peakStep, decayStart - 1);
        if (ks != null && shape == Decay.LINEAR) {
            KnotList out = new KnotList();
            appendKnotsUpTo(out, Math.min(decayStart - 1, lastStep));
            if (decayStart - 1 > lastStep) {
                out.add(decayStart - 1, kv[kv.length - 1]);
            }
            out.add(decayStart, shape.at(from, floor, 0));
            if (endStep > decayStart) {
                out.add(endStep, shape.at(from, floor, (double) (endStep - decayStart) / d));
            }
            return new LrSchedule(out.steps(), out.values(), peak);
        }
        double[] src = perStepLr();
        int keep = (int) (decayStart - firstStep);
        int n = (int) (endStep - firstStep + 1);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            long s = firstStep + i;
            if (i < keep) {
                out[i] = s <= lastStep ? src[i] : src[src.length - 1];
            } else {
                out[i] = shape.at(from, floor, (double) (s - decayStart) / d);
            }
        }
        return new LrSchedule(firstStep, out, peak);
    }

    /**
     * What-if "stop now with a {@code cooldown}-step cooldown": unchanged up to {@code now}, then a decay with
     * {@code shape} to {@code floor} over the next {@code cooldown} steps; the schedule ends at
     * {@code now + cooldown}.
     */
    public LrSchedule stopWithCooldown(long now, long cooldown, double floor, Decay shape) {
        if (cooldown < 1) {
            return truncate(Math.min(now, lastStep));
        }
        return withDecay(now + 1, now + cooldown, floor, shape);
    }

    /** Appends this (piecewise) schedule's knots up to {@code last}, ending with a knot at {@code last}. */
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

    private int index(long step) {
        long i = step - firstStep;
        if (i < 0 || step > lastStep) {
            throw new IndexOutOfBoundsException("step " + step + " outside " + firstStep + ".." + lastStep);
        }
        return (int) i;
    }

    @Override
    public String toString() {
        return "LrSchedule[steps " + firstStep + ".." + lastStep + (ks != null ? ", " + ks.length + " knots" : "")
                + ", peak " + peakLr() + " at " + peakStep + "]";
    }

    /** A growing list of knots. */
    private static final class KnotList {
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

    /**
     * Builds a schedule from consecutive segments. Segment conventions: a warmup of {@code n} steps reaches its
     * target on its last step ({@code x = i / (n - 1)}); a decay of {@code n} steps starts at {@code from} and
     * reaches {@code to} one step after it ends ({@code x = i / n}), as in the reference runs' schedules.
     *
     * <p>Segments are recorded, not expanded: {@link #build()} fills one value per step with the formulas above;
     * {@link #buildPiecewise(double)} emits knots instead, in O(knots): linear and constant segments need only their
     * end points (the same line, equal per step up to rounding), cosine and exponential decays get knots placed so
     * that linear interpolation stays within a given tolerance (see there).
     */
    public static final class Builder {
        private final long firstStep;
        private final List<Segment> segments = new ArrayList<>();
        private long n;
        private long peakStep = -1;
        private boolean warmupOpen = true;

        private Builder(long firstStep) {
            this.firstStep = firstStep;
        }

        private void add(Segment s) {
            if (s.steps() > 0) {
                segments.add(s);
                n += s.steps();
            }
        }

        private void closeWarmup() {
            if (warmupOpen) {
                warmupOpen = false;
                if (peakStep < 0) {
                    peakStep = firstStep + Math.max(0, n - 1);
                }
            }
        }

        /** Linear warmup from {@code from} (0 or a floor) to {@code to} over {@code steps} steps. */
        public Builder warmup(int steps, double from, double to) {
            add(new Ramp(steps, from, to));
            if (warmupOpen && steps > 0) {
                peakStep = firstStep + n - 1;
                warmupOpen = false;
            }
            return this;
        }

        /** Re-warmup later in a run (linear from {@code from} to {@code to}); does not move the first peak. */
        public Builder rewarmup(int steps, double from, double to) {
            closeWarmup();
            add(new Ramp(steps, from, to));
            return this;
        }

        public Builder constant(int steps, double lr) {
            closeWarmup();
            add(new Ramp(steps, lr, lr));
            return this;
        }

        /** A decay of the given shape from {@code from} towards {@code to} over {@code steps} steps. */
        public Builder decay(int steps, double from, double to, Decay shape) {
            closeWarmup();
            add(new Curve(steps, from, to, shape));
            return this;
        }

        /** Step decay: {@code lr * gamma^floor(i / every)} over {@code steps} steps. */
        public Builder stepDecay(int steps, double lr, int every, double gamma) {
            closeWarmup();
            for (int i = 0; i < steps; i += every) {
                double v = lr * Math.pow(gamma, i / every);
                add(new Ramp(Math.min(every, steps - i), v, v));
            }
            return this;
        }

        /** Multi-step: {@code lr * gamma^k} where k milestones (offsets within this segment) have passed. */
        public Builder multiStep(int steps, double lr, int[] milestones, double gamma) {
            closeWarmup();
            int[] m = milestones.clone();
            Arrays.sort(m);
            int k = 0;
            int i = 0;
            while (i < steps) {
                while (k < m.length && i >= m[k]) {
                    k++;
                }
                int end = k < m.length ? Math.min(steps, m[k]) : steps;
                double v = lr * Math.pow(gamma, k);
                add(new Ramp(end - i, v, v));
                i = end;
            }
            return this;
        }

        /**
         * Cyclic: each period of {@code period} steps decays from {@code hi} to {@code lo} with {@code shape} over
         * its first half and rises back linearly over its second half.
         */
        public Builder cyclic(int steps, int period, double hi, double lo, Decay shape) {
            closeWarmup();
            int half = Math.max(1, period / 2);
            for (int i = 0; i < steps; i += period) {
                int len = Math.min(period, steps - i);
                add(new Curve(Math.min(half, len), hi, lo, shape, half));
                if (len > half) {
                    add(new Rise(len - half, lo, hi, period - half));
                }
            }
            return this;
        }

        /** The per-step schedule. */
        public LrSchedule build() {
            closeWarmup();
            if (n > Integer.MAX_VALUE - 8) {
                throw new IllegalStateException("schedule of " + n + " steps is too long for a per-step array");
            }
            double[] a = new double[(int) n];
            int off = 0;
            for (Segment s : segments) {
                for (int i = 0; i < s.steps(); i++) {
                    a[off + i] = s.at(i);
                }
                off += s.steps();
            }
            return new LrSchedule(firstStep, a, peakStep);
        }

        /**
         * The piecewise-linear schedule, in O(knots). Knot values are the per-step values of {@link #build()} at
         * those steps (same formulas). Between knots: exact lines for warmups, constants, linear decays and rises
         * (up to rounding); for cosine and exponential decays each segment {@code [a, b]} is as long as
         * {@code (b - a)^2 / 8 * max|f''| <= tol} allows, {@code f''} the decay's second difference in steps,
         * {@code tol = relativeTolerance * max(from, to)}: the interpolation error bound of a function with bounded
         * second derivative, so every step is within {@code tol} (plus rounding) of its per-step value. The maximum
         * of {@code |f''|} over a segment is at one of its ends for both shapes (|cos| is V-shaped on the decay,
         * the exponential monotone).
         */
        public LrSchedule buildPiecewise(double relativeTolerance) {
            if (!(relativeTolerance > 0) || !Double.isFinite(relativeTolerance)) {
                throw new IllegalArgumentException("tolerance must be finite and > 0, got " + relativeTolerance);
            }
            closeWarmup();
            if (n == 0) {
                throw new IllegalArgumentException("a schedule needs at least one step");
            }
            KnotList k = new KnotList();
            long base = firstStep;
            for (Segment s : segments) {
                s.knots(k, base, relativeTolerance);
                base += s.steps();
            }
            return new LrSchedule(k.steps(), k.values(), peakStep);
        }
    }

    /** One builder segment: per-step values and knots. */
    private interface Segment {
        int steps();

        /** The LR at offset {@code i} of the segment. */
        double at(int i);

        /** Appends knots for steps {@code base..base + steps() - 1}, the first and last among them. */
        void knots(KnotList out, long base, double relTol);
    }

    /** Linear from {@code from} at offset 0 to {@code to} at the last offset (warmup, constant). */
    private record Ramp(int steps, double from, double to) implements Segment {
        @Override
        public double at(int i) {
            return steps == 1 ? to : from + (to - from) * i / (steps - 1.0);
        }

        @Override
        public void knots(KnotList out, long base, double relTol) {
            out.add(base, at(0));
            if (steps > 1) {
                out.add(base + steps - 1, at(steps - 1));
            }
        }
    }

    /** The rising half of a cyclic period: {@code lo + (hi - lo) * i / width}. */
    private record Rise(int steps, double lo, double hi, int width) implements Segment {
        @Override
        public double at(int i) {
            return lo + (hi - lo) * i / (double) width;
        }

        @Override
        public void knots(KnotList out, long base, double relTol) {
            out.add(base, at(0));
            if (steps > 1) {
                out.add(base + steps - 1, at(steps - 1));
            }
        }
    }

    /** A decay {@code shape.at(from, to, i / width)} over its first {@code steps} offsets. */
    private record Curve(int steps, double from, double to, Decay shape, int width) implements Segment {
        Curve(int steps, double from, double to, Decay shape) {
            this(steps, from, to, shape, steps);
        }

        @Override
        public double at(int i) {
            return shape.at(from, to, (double) i / width);
        }

        /** {@code |d^2 lr / d step^2|} at offset {@code i}. */
        private double curvature(long i) {
            double x = (double) i / width;
            double w2 = (double) width * width;
            return switch (shape) {
                case LINEAR -> 0;
                case COSINE -> Math.abs(from - to) * Math.PI * Math.PI / 2 * Math.abs(Math.cos(Math.PI * x)) / w2;
                case EXPONENTIAL -> {
                    double l = Math.log(to / from);
                    yield shape.at(from, to, x) * l * l / w2;
                }
            };
        }

        @Override
        public void knots(KnotList out, long base, double relTol) {
            int last = steps - 1;
            out.add(base, at(0));
            if (last == 0) {
                return;
            }
            if (shape == Decay.LINEAR) {
                out.add(base + last, at(last));
                return;
            }
            if (shape == Decay.EXPONENTIAL && !(from > 0 && to > 0)) {
                // Not a smooth curve (a zero end): every step a knot, exact.
                for (int i = 1; i <= last; i++) {
                    out.add(base + i, at(i));
                }
                return;
            }
            double tol = relTol * Math.max(from, to);
            long a = 0;
            double ca = curvature(0);
            while (a < last) {
                long b = Math.min(last, a + span(tol, ca));
                double cb = curvature(b);
                while (b > a + 1) {
                    double c = Math.max(ca, cb);
                    if ((double) (b - a) * (b - a) * c <= 8 * tol) {
                        break;
                    }
                    b = Math.max(a + 1, Math.min(b - 1, a + span(tol, c)));
                    cb = curvature(b);
                }
                out.add(base + b, at((int) b));
                a = b;
                ca = cb;
            }
        }

        /** The longest {@code h} with {@code h^2 c / 8 <= tol} (at least 1). */
        private static long span(double tol, double c) {
            if (!(c > 0)) {
                return Long.MAX_VALUE / 4;
            }
            return Math.max(1, (long) Math.floor(Math.sqrt(8 * tol / c)));
        }
    }
}
