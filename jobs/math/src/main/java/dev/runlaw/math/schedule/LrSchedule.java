package dev.runlaw.math.schedule;

import java.util.Arrays;

/**
 * A learning-rate schedule as one LR per optimizer step, with its cumulative area computed once.
 *
 * <p>{@code lrAt(s)} is the LR used at optimizer step {@code s} for {@code firstStep <= s <= lastStep}. The
 * forward area {@code area(s) = sum_{i = max(1, firstStep)..s} lr_i} (the S1 of both loss laws, before any warmup
 * convention) is a prefix sum filled in O(1) per step when the schedule is built.
 *
 * <p>The <em>warmup</em> is the leading stretch where the LR strictly increases; {@link #peakStep()} is its last
 * step (the first step when there is no warmup). The loss laws use it for their warmup conventions. A schedule
 * built from a spec knows its warmup exactly; one built from an array detects it, or is told with
 * {@link #of(long, double[], long)}.
 *
 * <p>Immutable. Build from an explicit array with {@link #of(long, double[])} or from a spec with
 * {@link #builder()}; what-if variants ({@link #withDecay}, {@link #stopWithCooldown}) return new schedules.
 */
public final class LrSchedule {
    private final long firstStep;
    private final double[] lr;
    private final double[] cumArea;
    private final long peakStep;

    private LrSchedule(long firstStep, double[] lr, long peakStep) {
        if (firstStep < 0) {
            throw new IllegalArgumentException("firstStep must be >= 0, got " + firstStep);
        }
        if (lr.length == 0) {
            throw new IllegalArgumentException("a schedule needs at least one step");
        }
        this.firstStep = firstStep;
        this.lr = lr;
        this.cumArea = new double[lr.length];
        double a = 0;
        for (int i = 0; i < lr.length; i++) {
            double v = lr[i];
            if (!Double.isFinite(v) || v < 0) {
                throw new IllegalArgumentException("lr at step " + (firstStep + i) + " is " + v);
            }
            if (firstStep + i >= 1) {
                a += v;
            }
            cumArea[i] = a;
        }
        if (peakStep < 0) {
            int p = 0;
            while (p + 1 < lr.length && lr[p + 1] > lr[p]) {
                p++;
            }
            peakStep = firstStep + p;
        }
        if (peakStep < firstStep || peakStep > firstStep + lr.length - 1) {
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
        return firstStep + lr.length - 1;
    }

    /** Number of steps. */
    public int length() {
        return lr.length;
    }

    /** Last step of the warmup (the step at which the LR first peaks). */
    public long peakStep() {
        return peakStep;
    }

    /** LR at the end of warmup. */
    public double peakLr() {
        return lr[(int) (peakStep - firstStep)];
    }

    public boolean contains(long step) {
        return step >= firstStep && step <= lastStep();
    }

    public double lrAt(long step) {
        return lr[index(step)];
    }

    /** Forward area {@code sum_{i = max(1, firstStep)..step} lr_i}; 0 before the first step. */
    public double area(long step) {
        if (step < firstStep) {
            return 0;
        }
        return cumArea[index(step)];
    }

    /** A copy of the per-step LR. */
    public double[] toArray() {
        return lr.clone();
    }

    /** The LR at steps {@code from..to} (inclusive), without copying the whole schedule. */
    double rawAt(int index) {
        return lr[index];
    }

    /** The schedule cut after {@code lastStep}. */
    public LrSchedule truncate(long lastStep) {
        int n = index(lastStep) + 1;
        return new LrSchedule(firstStep, Arrays.copyOf(lr, n), Math.min(peakStep, lastStep));
    }

    /**
     * What-if "start the decay at step {@code decayStart}": the LR is unchanged before {@code decayStart}, then
     * decays with {@code shape} from the LR at {@code decayStart - 1} to {@code floor}, reaching it at
     * {@code endStep + 1} (the convention of the WSD runs); the schedule ends at {@code endStep}.
     */
    public LrSchedule withDecay(long decayStart, long endStep, double floor, Decay shape) {
        if (decayStart <= firstStep || endStep < decayStart) {
            throw new IllegalArgumentException("decay " + decayStart + ".." + endStep + " invalid for " + this);
        }
        double from = lrAt(Math.min(decayStart - 1, lastStep()));
        int keep = (int) (decayStart - firstStep);
        int n = (int) (endStep - firstStep + 1);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            long s = firstStep + i;
            if (i < keep) {
                out[i] = s <= lastStep() ? lr[i] : lr[lr.length - 1];
            } else {
                long d = endStep + 1 - decayStart;
                out[i] = shape.at(from, floor, (double) (s - decayStart) / d);
            }
        }
        return new LrSchedule(firstStep, out, Math.min(peakStep, decayStart - 1));
    }

    /**
     * What-if "stop now with a {@code cooldown}-step cooldown": unchanged up to {@code now}, then a decay with
     * {@code shape} to {@code floor} over the next {@code cooldown} steps; the schedule ends at
     * {@code now + cooldown}.
     */
    public LrSchedule stopWithCooldown(long now, long cooldown, double floor, Decay shape) {
        if (cooldown < 1) {
            return truncate(Math.min(now, lastStep()));
        }
        return withDecay(now + 1, now + cooldown, floor, shape);
    }

    private int index(long step) {
        long i = step - firstStep;
        if (i < 0 || i >= lr.length) {
            throw new IndexOutOfBoundsException("step " + step + " outside " + firstStep + ".." + lastStep());
        }
        return (int) i;
    }

    @Override
    public String toString() {
        return "LrSchedule[steps " + firstStep + ".." + lastStep() + ", peak " + peakLr() + " at " + peakStep + "]";
    }

    /**
     * Builds a schedule from consecutive segments. Segment conventions: a warmup of {@code n} steps reaches its
     * target on its last step ({@code x = i / (n - 1)}); a decay of {@code n} steps starts at {@code from} and
     * reaches {@code to} one step after it ends ({@code x = i / n}), as in the reference runs' schedules.
     */
    public static final class Builder {
        private final long firstStep;
        private double[] a = new double[1024];
        private int n;
        private long peakStep = -1;
        private boolean warmupOpen = true;

        private Builder(long firstStep) {
            this.firstStep = firstStep;
        }

        private void add(double v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, a.length * 2);
            }
            a[n++] = v;
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
            for (int i = 0; i < steps; i++) {
                add(steps == 1 ? to : from + (to - from) * i / (steps - 1.0));
            }
            if (warmupOpen && steps > 0) {
                peakStep = firstStep + n - 1;
                warmupOpen = false;
            }
            return this;
        }

        /** Re-warmup later in a run (linear from {@code from} to {@code to}); does not move the first peak. */
        public Builder rewarmup(int steps, double from, double to) {
            closeWarmup();
            for (int i = 0; i < steps; i++) {
                add(steps == 1 ? to : from + (to - from) * i / (steps - 1.0));
            }
            return this;
        }

        public Builder constant(int steps, double lr) {
            closeWarmup();
            for (int i = 0; i < steps; i++) {
                add(lr);
            }
            return this;
        }

        /** A decay of the given shape from {@code from} towards {@code to} over {@code steps} steps. */
        public Builder decay(int steps, double from, double to, Decay shape) {
            closeWarmup();
            for (int i = 0; i < steps; i++) {
                add(shape.at(from, to, (double) i / steps));
            }
            return this;
        }

        /** Step decay: {@code lr * gamma^floor(i / every)} over {@code steps} steps. */
        public Builder stepDecay(int steps, double lr, int every, double gamma) {
            closeWarmup();
            for (int i = 0; i < steps; i++) {
                add(lr * Math.pow(gamma, i / every));
            }
            return this;
        }

        /** Multi-step: {@code lr * gamma^k} where k milestones (offsets within this segment) have passed. */
        public Builder multiStep(int steps, double lr, int[] milestones, double gamma) {
            closeWarmup();
            int[] m = milestones.clone();
            Arrays.sort(m);
            int k = 0;
            for (int i = 0; i < steps; i++) {
                while (k < m.length && i >= m[k]) {
                    k++;
                }
                add(lr * Math.pow(gamma, k));
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
            for (int i = 0; i < steps; i++) {
                int j = i % period;
                if (j < half) {
                    add(shape.at(hi, lo, (double) j / half));
                } else {
                    add(lo + (hi - lo) * (j - half) / (double) (period - half));
                }
            }
            return this;
        }

        public LrSchedule build() {
            closeWarmup();
            return new LrSchedule(firstStep, Arrays.copyOf(a, n), peakStep);
        }
    }
}
