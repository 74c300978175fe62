package dev.runlaw.math.live;

import dev.runlaw.math.schedule.Decay;
import dev.runlaw.math.schedule.LrSchedule;
import java.util.Arrays;
import java.util.Locale;

/**
 * The planned LR schedule as declared by the trainer: an Avro-free mirror of the {@code LrScheduleSpec} record of
 * {@code RunStarted} (same field meanings, {@code kind} one of its {@code DecayKind} symbols).
 *
 * <p>{@link #toSchedule()} gives the LR of steps {@code 0..totalSteps-1}, with {@code W = warmupSteps},
 * {@code P = peakLr}, {@code m = minLr}, {@code T = totalSteps}, {@code D} the decay start:
 * <ul>
 *   <li>warmup (all kinds, when {@code W > 0}): {@code lr(s) = init + (P - init) * s / (W - 1)} for
 *       {@code s < W}, reaching P on the last warmup step;</li>
 *   <li>{@code CONSTANT}: P until T;</li>
 *   <li>{@code COSINE} / {@code LINEAR}: P until {@code D = max(W, decayStartStep)}, then
 *       {@code m + (P - m) (1 + cos(pi x)) / 2} resp. {@code P + (m - P) x} with {@code x = (s - D) / (T - D)};</li>
 *   <li>{@code WSD_LINEAR} / {@code WSD_COSINE} / {@code WSD_EXPONENTIAL}: P until {@code D = decayStartStep}, then
 *       the decay of that shape over {@code x = (s - D) / (T - D)}; exponential is
 *       {@code P^(1 - x) * m^x} (the WSD runs of Luo et al. 2025, arXiv 2503.12811);</li>
 *   <li>{@code STEP}: after warmup, {@code P * gamma^k} with k the number of {@code milestones <= s} (absolute
 *       steps);</li>
 *   <li>{@code CYCLIC}: after warmup, periods of {@code cycleSteps}: cosine from P to m over the first half, linear
 *       back to P over the second;</li>
 *   <li>{@code CUSTOM}: no formula ({@link IllegalArgumentException}; the trainer must send the per-step LR).</li>
 * </ul>
 * A decay reaches {@code m} one step after the schedule's end, the convention of the reference runs' schedules.
 *
 * @param kind           {@code CONSTANT, COSINE, LINEAR, WSD_LINEAR, WSD_EXPONENTIAL, WSD_COSINE, STEP, CYCLIC}
 *                       or {@code CUSTOM}
 * @param warmupSteps    number of warmup steps (0 for none)
 * @param warmupInitLr   LR at step 0
 * @param peakLr         LR at the end of warmup
 * @param minLr          floor the decay ends at
 * @param decayStartStep first step of the decay (WSD kinds; cosine/linear: usually the warmup length)
 * @param totalSteps     number of steps of the schedule (steps {@code 0..totalSteps-1})
 * @param milestones     STEP: steps at which the LR is multiplied by {@code gamma}
 * @param gamma          STEP: the factor
 * @param cycleSteps     CYCLIC: period in steps
 */
public record ScheduleSpec(String kind, long warmupSteps, double warmupInitLr, double peakLr, double minLr,
                           long decayStartStep, long totalSteps, long[] milestones, double gamma, long cycleSteps) {
    public ScheduleSpec {
        kind = kind == null ? "CUSTOM" : kind.toUpperCase(Locale.ROOT);
        milestones = milestones == null ? new long[0] : milestones.clone();
    }

    /** A spec without STEP or CYCLIC fields. */
    public static ScheduleSpec of(String kind, long warmupSteps, double warmupInitLr, double peakLr, double minLr,
                                  long decayStartStep, long totalSteps) {
        return new ScheduleSpec(kind, warmupSteps, warmupInitLr, peakLr, minLr, decayStartStep, totalSteps,
                new long[0], 0.1, 0);
    }

    @Override
    public long[] milestones() {
        return milestones.clone();
    }

    /**
     * The per-step LR of steps {@code 0..totalSteps-1}, warmup end = step {@code warmupSteps - 1}.
     *
     * @throws IllegalArgumentException for {@code CUSTOM}, an unknown kind, or inconsistent fields (non-positive or
     *                                  non-finite peak, negative LR, warmup not shorter than the schedule, decay
     *                                  start outside the schedule, non-positive cycle, ...)
     */
    public LrSchedule toSchedule() {
        return builder().build();
    }

    /**
     * The same schedule as {@link #toSchedule()}, piecewise-linear, built in O(knots) without a per-step array:
     * warmup, constant, linear and step pieces exact (up to rounding), cosine and exponential decays within
     * {@code relativeTolerance} of the peak (or, for cyclic, of the period's high LR) at every step
     * ({@link LrSchedule.Builder#buildPiecewise}); e.g. {@link LrTrack#DEFAULT_TOLERANCE}.
     *
     * @throws IllegalArgumentException as {@link #toSchedule()}
     */
    public LrSchedule toPiecewise(double relativeTolerance) {
        return builder().buildPiecewise(relativeTolerance);
    }

    /** The validated segments of this spec. */
    private LrSchedule.Builder builder() {
        if (totalSteps < 1 || totalSteps > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("total_steps must be in 1.." + (Integer.MAX_VALUE - 8) + ", got "
                    + totalSteps);
        }
        if (warmupSteps < 0 || warmupSteps >= totalSteps) {
            throw new IllegalArgumentException("warmup_steps " + warmupSteps + " not in 0.." + (totalSteps - 1));
        }
        if (!(peakLr > 0) || !Double.isFinite(peakLr) || !(minLr >= 0) || !Double.isFinite(minLr)
                || !(warmupInitLr >= 0) || !Double.isFinite(warmupInitLr)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "LRs must be finite, peak > 0, others >= 0: init %s, peak %s, min %s", warmupInitLr, peakLr,
                    minLr));
        }
        int w = (int) warmupSteps;
        int t = (int) totalSteps;
        LrSchedule.Builder b = LrSchedule.builder();
        if (w > 0) {
            b.warmup(w, warmupInitLr, peakLr);
        }
        int rest = t - w;
        switch (kind) {
            case "CONSTANT" -> b.constant(rest, peakLr);
            case "COSINE", "LINEAR" -> {
                int d = (int) Math.max(w, Math.min(decayStartStep, t - 1));
                b.constant(d - w, peakLr).decay(t - d, peakLr, minLr,
                        kind.equals("COSINE") ? Decay.COSINE : Decay.LINEAR);
            }
            case "WSD_LINEAR", "WSD_COSINE", "WSD_EXPONENTIAL" -> {
                if (decayStartStep < w || decayStartStep >= t) {
                    throw new IllegalArgumentException("decay_start_step " + decayStartStep + " not in " + w + ".."
                            + (t - 1));
                }
                Decay shape = switch (kind) {
                    case "WSD_LINEAR" -> Decay.LINEAR;
                    case "WSD_COSINE" -> Decay.COSINE;
                    default -> Decay.EXPONENTIAL;
                };
                if (shape == Decay.EXPONENTIAL && !(minLr > 0)) {
                    throw new IllegalArgumentException("WSD_EXPONENTIAL needs min_lr > 0");
                }
                int d = (int) decayStartStep;
                b.constant(d - w, peakLr).decay(t - d, peakLr, minLr, shape);
            }
            case "STEP" -> {
                if (!(gamma > 0) || !Double.isFinite(gamma)) {
                    throw new IllegalArgumentException("gamma must be finite and > 0, got " + gamma);
                }
                int[] offsets = Arrays.stream(milestones).map(m -> Math.max(0, Math.min(m, t) - w))
                        .mapToInt(m -> (int) m).toArray();
                b.multiStep(rest, peakLr, offsets, gamma);
            }
            case "CYCLIC" -> {
                if (cycleSteps < 2 || cycleSteps > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException("cycle_steps must be >= 2, got " + cycleSteps);
                }
                b.cyclic(rest, (int) cycleSteps, peakLr, minLr, Decay.COSINE);
            }
            case "CUSTOM" -> throw new IllegalArgumentException("CUSTOM schedule has no formula: send lr_per_step");
            default -> throw new IllegalArgumentException("unknown schedule kind " + kind);
        }
        return b;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScheduleSpec s && s.kind.equals(kind) && s.warmupSteps == warmupSteps
                && Double.compare(s.warmupInitLr, warmupInitLr) == 0 && Double.compare(s.peakLr, peakLr) == 0
                && Double.compare(s.minLr, minLr) == 0 && s.decayStartStep == decayStartStep
                && s.totalSteps == totalSteps && Arrays.equals(s.milestones, milestones)
                && Double.compare(s.gamma, gamma) == 0 && s.cycleSteps == cycleSteps;
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + Long.hashCode(totalSteps) * 17 + Arrays.hashCode(milestones);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "ScheduleSpec[%s warmup %d from %s, peak %s, min %s, decay at %d, total %d]",
                kind, warmupSteps, warmupInitLr, peakLr, minLr, decayStartStep, totalSteps);
    }
}
