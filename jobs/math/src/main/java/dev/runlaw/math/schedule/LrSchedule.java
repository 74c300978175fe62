package dev.runlaw.math.schedule;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A learning-rate schedule: the LR of every optimizer step {@code firstStep..lastStep}. Two implementations: one
 * value per step (<em>per-step</em>: {@link #of(long, double[])}, {@link Builder#build()}) and
 * <em>piecewise-linear</em> knots ({@link #piecewiseLinear}, {@link Builder#buildPiecewise(double)}); callers use
 * this interface, and both give the same per-step values for the same LRs.
 *
 * <p>{@code lrAt(s)} is the LR used at optimizer step {@code s}. The forward area
 * {@code area(s) = sum_{i = max(1, firstStep)..s} lr_i} (the S1 of both loss laws, before any warmup convention) is
 * a prefix sum filled once (per-step) or a closed form over the knots (piecewise).
 *
 * <p><b>Piecewise-linear</b>: knots {@code (k_j, v_j)} with increasing integer steps; the LR at a knot is
 * {@code v_j} exactly and between knots {@code v_j + (v_{j+1} - v_j) * ((s - k_j) / (k_{j+1} - k_j))} (the
 * interpolation of {@code LrTrack}, so both give bit-identical per-step values). Within a segment the LR changes by
 * the constant {@code delta = (v_{j+1} - v_j) / (k_{j+1} - k_j)} per step, so
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
 * <p>Immutable. Build from an explicit array with {@link #of(long, double[])}, from knots with
 * {@link #piecewiseLinear}, or from a spec with {@link #builder()}; what-if variants ({@link #withDecay},
 * {@link #stopWithCooldown}) return new schedules. Sealed: {@link MomentumAreas} relies on the two forms.
 */
public sealed interface LrSchedule permits PerStepLrSchedule, PiecewiseLrSchedule {

    /** A schedule from an explicit per-step LR array ({@code lr[i]} at step {@code firstStep + i}); warmup detected. */
    static LrSchedule of(long firstStep, double[] lr) {
        return new PerStepLrSchedule(firstStep, lr.clone(), -1);
    }

    /** As {@link #of(long, double[])} with the warmup's last step given explicitly. */
    static LrSchedule of(long firstStep, double[] lr, long peakStep) {
        return new PerStepLrSchedule(firstStep, lr.clone(), peakStep);
    }

    /**
     * A piecewise-linear schedule over {@code knotSteps[0]..knotSteps[last]} (see the class comment for the
     * interpolation), warmup detected: the end of the strictly increasing prefix of its per-step values, as
     * {@link #of(long, double[])} would find on {@link #toArray()}.
     *
     * @throws IllegalArgumentException for no knots, unequal lengths, non-increasing steps, a negative step or a
     *                                  negative or non-finite LR
     */
    static LrSchedule piecewiseLinear(long[] knotSteps, double[] knotValues) {
        return new PiecewiseLrSchedule(knotSteps.clone(), knotValues.clone(), -1);
    }

    /** As {@link #piecewiseLinear(long[], double[])} with the warmup's last step given ({@code -1} to detect it). */
    static LrSchedule piecewiseLinear(long[] knotSteps, double[] knotValues, long peakStep) {
        return new PiecewiseLrSchedule(knotSteps.clone(), knotValues.clone(), peakStep);
    }

    /** A builder of a schedule from segments, starting at step 0. */
    static Builder builder() {
        return new Builder(0);
    }

    /** A builder of a schedule from segments, starting at {@code firstStep}. */
    static Builder builder(long firstStep) {
        return new Builder(firstStep);
    }

    /** Linear warmup from 0 over {@code warmup} steps, then constant {@code peak}; {@code total} steps from 0. */
    static LrSchedule constant(int total, int warmup, double peak) {
        return builder().warmup(warmup, 0, peak).constant(total - warmup, peak).build();
    }

    /** Linear warmup from 0, then cosine from {@code peak} to {@code floor} until step {@code total}. */
    static LrSchedule cosine(int total, int warmup, double peak, double floor) {
        return builder().warmup(warmup, 0, peak).decay(total - warmup, peak, floor, Decay.COSINE).build();
    }

    /**
     * Warmup-stable-decay: linear warmup from 0, constant {@code peak} until {@code decayStart}, then a decay of
     * the given shape to {@code floor} at step {@code total}.
     */
    static LrSchedule wsd(int total, int warmup, int decayStart, double peak, double floor, Decay shape) {
        return builder().warmup(warmup, 0, peak).constant(decayStart - warmup, peak)
                .decay(total - decayStart, peak, floor, shape).build();
    }

    long firstStep();

    /** The planned last step. */
    long lastStep();

    /**
     * Number of steps.
     *
     * @throws IllegalStateException for a piecewise schedule longer than an array can be
     */
    default int length() {
        long n = lastStep() - firstStep() + 1;
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("schedule of " + n + " steps is too long for a per-step array");
        }
        return (int) n;
    }

    /** Last step of the warmup (the step at which the LR first peaks). */
    long peakStep();

    /** LR at the end of warmup. */
    default double peakLr() {
        return lrAt(peakStep());
    }

    default boolean contains(long step) {
        return step >= firstStep() && step <= lastStep();
    }

    /** Whether the schedule is held as piecewise-linear knots (per-step arrays only on demand). */
    boolean isPiecewise();

    /** The knots' steps of a piecewise schedule; every step of a per-step one. */
    long[] knotSteps();

    /** The LR at each of {@link #knotSteps()}. */
    double[] knotValues();

    /** The LR at {@code step}; {@link IndexOutOfBoundsException} outside the schedule. */
    double lrAt(long step);

    /** Forward area {@code sum_{i = max(1, firstStep)..step} lr_i}; 0 before the first step. */
    double area(long step);

    /**
     * The lowest LR over steps {@code from..to} (clipped to the schedule); {@code +Infinity} when that is empty.
     * O(log knots + knots in the range) when piecewise.
     */
    double minLr(long from, long to);

    /** A copy of the per-step LR (materialised, and cached, for a piecewise schedule). */
    double[] toArray();

    /**
     * This schedule as a per-step one (itself when it is one): the same per-step LR and peak step, built once for
     * a piecewise schedule and cached. For code that walks every step (the multi-power law's kernel), whose
     * results then equal those on {@code LrSchedule.of(firstStep(), toArray(), peakStep())} exactly.
     */
    LrSchedule perStep();

    /** The schedule cut after {@code lastStep}. */
    LrSchedule truncate(long lastStep);

    /**
     * What-if "start the decay at step {@code decayStart}": the LR is unchanged before {@code decayStart}, then
     * decays with {@code shape} from the LR at {@code decayStart - 1} to {@code floor}, reaching it at
     * {@code endStep + 1} (the convention of the WSD runs); the schedule ends at {@code endStep}. The last LR is held
     * when {@code decayStart - 1} lies past the schedule's end. A piecewise schedule with a {@link Decay#LINEAR}
     * decay stays piecewise (two knots for the decay: the same line, equal per step up to rounding); other shapes
     * are built per step.
     */
    LrSchedule withDecay(long decayStart, long endStep, double floor, Decay shape);

    /**
     * What-if "stop now with a {@code cooldown}-step cooldown": unchanged up to {@code now}, then a decay with
     * {@code shape} to {@code floor} over the next {@code cooldown} steps; the schedule ends at
     * {@code now + cooldown}.
     */
    default LrSchedule stopWithCooldown(long now, long cooldown, double floor, Decay shape) {
        if (cooldown < 1) {
            return truncate(Math.min(now, lastStep()));
        }
        return withDecay(now + 1, now + cooldown, floor, shape);
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
    final class Builder {
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
            add(new Segment.Ramp(steps, from, to));
            if (warmupOpen && steps > 0) {
                peakStep = firstStep + n - 1;
                warmupOpen = false;
            }
            return this;
        }

        /** Re-warmup later in a run (linear from {@code from} to {@code to}); does not move the first peak. */
        public Builder rewarmup(int steps, double from, double to) {
            closeWarmup();
            add(new Segment.Ramp(steps, from, to));
            return this;
        }

        public Builder constant(int steps, double lr) {
            closeWarmup();
            add(new Segment.Ramp(steps, lr, lr));
            return this;
        }

        /** A decay of the given shape from {@code from} towards {@code to} over {@code steps} steps. */
        public Builder decay(int steps, double from, double to, Decay shape) {
            closeWarmup();
            add(new Segment.Curve(steps, from, to, shape));
            return this;
        }

        /** Step decay: {@code lr * gamma^floor(i / every)} over {@code steps} steps. */
        public Builder stepDecay(int steps, double lr, int every, double gamma) {
            closeWarmup();
            for (int i = 0; i < steps; i += every) {
                double v = lr * Math.pow(gamma, i / every);
                add(new Segment.Ramp(Math.min(every, steps - i), v, v));
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
                add(new Segment.Ramp(end - i, v, v));
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
                add(new Segment.Curve(Math.min(half, len), hi, lo, shape, half));
                if (len > half) {
                    add(new Segment.Rise(len - half, lo, hi, period - half));
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
            return new PerStepLrSchedule(firstStep, a, peakStep);
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
            return new PiecewiseLrSchedule(k.steps(), k.values(), peakStep);
        }
    }
}
