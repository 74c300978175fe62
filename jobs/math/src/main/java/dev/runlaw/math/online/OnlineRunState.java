package dev.runlaw.math.online;

import dev.runlaw.math.fit.FitResult;
import dev.runlaw.math.fit.LawFitter;
import dev.runlaw.math.fit.PreparedRuns;
import dev.runlaw.math.forecast.Forecast;
import dev.runlaw.math.forecast.Forecaster;
import dev.runlaw.math.law.LossLaw;
import dev.runlaw.math.law.MomentumLaw;
import dev.runlaw.math.law.PreparedCurve;
import dev.runlaw.math.schedule.LrSchedule;
import dev.runlaw.math.schedule.MomentumAreas;
import java.util.Arrays;
import java.util.List;

/**
 * The live state of one run for online forecasting with the LR-annealing (momentum) law of Tissue et al. 2024
 * (arXiv 2408.11029), in bounded memory.
 *
 * <p>{@link #append(long, double, double)} takes every optimizer step's LR (and its loss when measured) in O(1):
 * it advances the law's S1/S2 recurrences ({@link MomentumAreas}) for each lambda candidate, and stores a measured
 * post-warmup point as (weight, loss, S1, S2 per lambda). The momentum law needs nothing else of the past, which is
 * why this state uses it rather than the multi-power law (whose loss-drop kernel needs the whole LR history).
 *
 * <p><b>Bounded memory</b>: at most {@code capacity} stored points. When full, the older half is merged pairwise
 * (weights add; loss, S1 and S2 are weight-averaged), so old points end up in geometrically growing buckets while
 * recent ones stay raw: memory is {@code capacity * (2 + 2 * lambdas)} doubles whatever the run's length (26 KB for
 * the defaults). Merging neighbours averages the law's convex power term over a short S1 range; that bias is far
 * below the loss noise for adjacent buckets. Amortised cost O(1) per append.
 *
 * <p>{@link #refit()} fits the law on the stored points (bucket weights in the Huber objective), warm-started from
 * the previous fit (a full multi-start fit every {@link #FULL_REFIT_EVERY} refits, so lambda can move); with a
 * reference fit ({@link #create(long, MomentumLaw, FitResult, int)}) the annealing parameters come from it until
 * this run has annealed itself.
 *
 * <p>Mutable, not thread-safe (one per run, owned by one keyed operator).
 */
public final class OnlineRunState {
    /** Default number of stored points (buckets). */
    public static final int DEFAULT_CAPACITY = 256;
    /** Every this many refits, a full multi-start fit replaces the warm-started one (lambda may change). */
    public static final int FULL_REFIT_EVERY = 32;

    private final MomentumLaw law;
    private final double[] lambdas;
    private final FitResult reference;
    private final int capacity;
    private final MomentumAreas[] areas;
    private final double[] weight;
    private final double[] loss;
    private final double[] stepMean;
    private final double[][] s1;
    private final double[][] s2;
    private int size;
    private long lastStep;
    private long lastObservedStep = -1;
    private double peakLr;
    private boolean pastWarmup;
    private boolean annealed;
    private double prevLr = Double.NaN;
    private long appended;
    private FitResult lastFit;
    private int refits;

    private OnlineRunState(long firstStep, MomentumLaw law, FitResult reference, int capacity) {
        if (capacity < 8) {
            throw new IllegalArgumentException("capacity must be >= 8, got " + capacity);
        }
        this.law = law;
        this.reference = reference != null && reference.ok() && reference.law() instanceof MomentumLaw ? reference
                : null;
        double[] ls = law.variants().stream().mapToDouble(v -> ((MomentumLaw) v).lambda()).toArray();
        if (this.reference != null) {
            ls = new double[] {((MomentumLaw) this.reference.law()).lambda()};
        }
        this.lambdas = ls;
        this.capacity = capacity;
        this.areas = new MomentumAreas[ls.length];
        for (int v = 0; v < ls.length; v++) {
            areas[v] = new MomentumAreas(ls[v], firstStep, -1);
        }
        this.weight = new double[capacity];
        this.loss = new double[capacity];
        this.stepMean = new double[capacity];
        this.s1 = new double[ls.length][capacity];
        this.s2 = new double[ls.length][capacity];
        this.lastStep = firstStep - 1;
    }

    /** A state for a run whose first step is {@code firstStep}, lambda chosen by fit, default capacity. */
    public static OnlineRunState create(long firstStep) {
        return new OnlineRunState(firstStep, MomentumLaw.create(), null, DEFAULT_CAPACITY);
    }

    /**
     * A state with a given law (lambda candidates), an optional finished reference run's fit (its lambda and C are
     * used until this run anneals; may be null) and a capacity (stored points, at least 8).
     */
    public static OnlineRunState create(long firstStep, MomentumLaw law, FitResult reference, int capacity) {
        return new OnlineRunState(firstStep, law, reference, capacity);
    }

    /**
     * Records one optimizer step: its LR, and its loss or NaN when not measured. Steps must increase; a gap is
     * filled with the previous LR (the schedule is then assumed constant across it).
     *
     * @throws IllegalArgumentException for a step not after the last one, or a non-finite or negative LR, or a
     *                                  non-positive or infinite loss
     */
    public void append(long step, double lr, double lossValue) {
        if (step <= lastStep) {
            throw new IllegalArgumentException("step " + step + " not after " + lastStep);
        }
        if (!Double.isFinite(lr) || lr < 0) {
            throw new IllegalArgumentException("lr at step " + step + " is " + lr);
        }
        if (!Double.isNaN(lossValue) && !(lossValue > 0 && Double.isFinite(lossValue))) {
            throw new IllegalArgumentException("loss at step " + step + " is " + lossValue);
        }
        while (lastStep + 1 < step) {
            advance(lastStep + 1, Double.isNaN(prevLr) ? lr : prevLr);
        }
        advance(step, lr);
        if (!Double.isNaN(lossValue) && pastWarmup) {
            if (size == capacity) {
                compact();
            }
            weight[size] = 1;
            loss[size] = lossValue;
            stepMean[size] = step;
            for (int v = 0; v < lambdas.length; v++) {
                s1[v][size] = areas[v].s1();
                s2[v][size] = areas[v].s2();
            }
            size++;
            lastObservedStep = step;
        }
    }

    private void advance(long step, double lr) {
        for (MomentumAreas a : areas) {
            a.push(lr);
        }
        if (!pastWarmup && !Double.isNaN(prevLr) && lr <= prevLr) {
            pastWarmup = true;
        }
        peakLr = Math.max(peakLr, lr);
        if (pastWarmup && lr < LawFitter.ANNEALING_THRESHOLD * peakLr) {
            annealed = true;
        }
        prevLr = lr;
        lastStep = step;
        appended++;
    }

    /** Merges the older half of the stored points pairwise. */
    private void compact() {
        int half = size / 2;
        int w = 0;
        for (int r = 0; r + 1 < half; r += 2) {
            merge(w, r, r + 1);
            w++;
        }
        if (half % 2 == 1) {
            copy(w++, half - 1);
        }
        for (int r = half; r < size; r++) {
            copy(w++, r);
        }
        size = w;
    }

    private void merge(int to, int a, int b) {
        double wa = weight[a];
        double wb = weight[b];
        double t = wa + wb;
        loss[to] = (wa * loss[a] + wb * loss[b]) / t;
        stepMean[to] = (wa * stepMean[a] + wb * stepMean[b]) / t;
        for (int v = 0; v < lambdas.length; v++) {
            s1[v][to] = (wa * s1[v][a] + wb * s1[v][b]) / t;
            s2[v][to] = (wa * s2[v][a] + wb * s2[v][b]) / t;
        }
        weight[to] = t;
    }

    private void copy(int to, int from) {
        weight[to] = weight[from];
        loss[to] = loss[from];
        stepMean[to] = stepMean[from];
        for (int v = 0; v < lambdas.length; v++) {
            s1[v][to] = s1[v][from];
            s2[v][to] = s2[v][from];
        }
    }

    /**
     * Refits the law on the stored points, warm-started from the previous successful fit. Never throws; a failed
     * fit is returned (and kept as {@link #lastFit()} only if no earlier fit succeeded).
     */
    public FitResult refit() {
        LawFitter fitter = LawFitter.create(law);
        refits++;
        if (lastFit != null && lastFit.ok() && refits % FULL_REFIT_EVERY != 0) {
            fitter = fitter.withWarmStart(lastFit);
        }
        if (reference != null && !annealed) {
            fitter = fitter.withAnnealingFrom(reference);
        }
        int n = size;
        long[] steps = new long[n];
        for (int i = 0; i < n; i++) {
            steps[i] = Math.round(stepMean[i]);
        }
        boolean anyAnnealing = annealed;
        FitResult r = fitter.fit(new PreparedRuns() {
            @Override
            public int runCount() {
                return 1;
            }

            @Override
            public PreparedCurve prepare(LossLaw variant, int run) {
                double l = ((MomentumLaw) variant).lambda();
                for (int v = 0; v < lambdas.length; v++) {
                    if (lambdas[v] == l) {
                        return MomentumLaw.fromAreas(steps, Arrays.copyOf(s1[v], n), Arrays.copyOf(s2[v], n));
                    }
                }
                throw new IllegalArgumentException("lambda " + l + " not tracked by this state");
            }

            @Override
            public double[] losses(int run) {
                return Arrays.copyOf(loss, n);
            }

            @Override
            public double[] weights(int run) {
                return Arrays.copyOf(weight, n);
            }

            @Override
            public boolean annealed() {
                return anyAnnealing;
            }
        });
        if (r.ok() || lastFit == null || !lastFit.ok()) {
            lastFit = r;
        }
        return r;
    }

    /** The last fit, or null before the first {@link #refit()}. */
    public FitResult lastFit() {
        return lastFit;
    }

    /**
     * Forecast at {@code step} of the run's planned (or a what-if) whole schedule, from the last fit; a failed
     * forecast if there is no usable fit.
     */
    public Forecast forecast(LrSchedule schedule, long step) {
        if (lastFit == null) {
            return Forecaster.create(FitResultHolder.NONE).forecast(schedule, step);
        }
        return Forecaster.create(lastFit).withLastObservedStep(lastObservedStep).forecast(schedule, step);
    }

    /** Last step appended. */
    public long lastStep() {
        return lastStep;
    }

    /** Number of stored points (buckets). */
    public int storedPoints() {
        return size;
    }

    /** Total weight of stored points = number of measured post-warmup points appended. */
    public double totalWeight() {
        double t = 0;
        for (int i = 0; i < size; i++) {
            t += weight[i];
        }
        return t;
    }

    /** Whether the LR has fallen below 90 % of its peak after warmup. */
    public boolean annealed() {
        return annealed;
    }

    /** The lambdas tracked. */
    public List<Double> lambdas() {
        return Arrays.stream(lambdas).boxed().toList();
    }

    /** Bytes held by the point store and accumulators (a constant for a given capacity and lambda count). */
    public long memoryBytes() {
        long doubles = (long) capacity * (3 + 2L * lambdas.length);
        return doubles * 8 + lambdas.length * 96L + 160;
    }

    /** Holder of a failed fit used when no fit has been made yet. */
    private static final class FitResultHolder {
        static final FitResult NONE = LawFitter.create(MomentumLaw.create()).fit(List.of());
    }
}
