package dev.runlaw.math.fit;

import dev.runlaw.math.law.LossLaw;
import dev.runlaw.math.schedule.LrSchedule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Fits a {@link LossLaw} to one or more runs of one model family jointly (all parameters shared), as both papers
 * do (Tissue et al. 2024, arXiv 2408.11029, Sec. 3; Luo et al. 2025, arXiv 2503.12811, Sec. 4).
 *
 * <p><b>Objective</b>: {@code sum_i Huber_delta(ln Lhat(s_i) - ln L_i)} over every measured post-warmup point of
 * every run, delta = 1e-3 by default (the papers' choice). The Huber loss is turned into a least-squares problem
 * through the residual {@code sign(r) sqrt(2 Huber(r))} and minimised with Hipparchus's Levenberg–Marquardt
 * optimiser, with the law's analytic Jacobian.
 *
 * <p><b>Bounds</b>: each parameter lives in the law's box ({@link LossLaw#lowerBounds}); the optimiser works on
 * unbounded internal coordinates ({@code lo + exp(z)} for a half-bounded parameter, a logistic map for a bounded
 * one), so every iterate is feasible.
 *
 * <p><b>Starts</b>: variable projection ({@link VariableProjection}). At each point of the law's non-linear grid, the
 * parameters in which the law is linear are solved by weighted linear least squares on the relative residual
 * (≈ the log residual); the small normal equations are solved by Hipparchus's Cholesky decomposition.
 * <ul>
 *   <li>Default: for one pilot variant (the middle of {@link LossLaw#variants()}, e.g. the momentum law's lambda),
 *       with a single non-linear parameter each local minimum of that projected profile is refined by golden-section
 *       search (otherwise the best 3 grid points are taken). With one variant these start LM. With several, the
 *       variants are screened by a {@link #SCREEN_ITERATIONS}-iteration LM from the pilot's non-linear values (their
 *       linear ones re-projected), outward from the pilot along the variants' order; a direction stops at the first
 *       variant screening more than {@link #VARIANT_MARGIN} above the best so far (fit quality taken as unimodal
 *       along the order). Only the variants screening within that margin of the best are run to convergence.</li>
 *   <li>{@link #withStarts(int)}: the best {@code n} grid points of every variant start LM (exhaustive).</li>
 * </ul>
 * The lowest objective wins. Deterministic: no random numbers.
 *
 * <p><b>Warm start</b>: {@link #withWarmStart(FitResult)} first runs LM from a previous fit's parameters (same law
 * variant) and only falls back to the full multi-start if that fails.
 *
 * <p><b>Annealing</b>: when no fitted run has an LR more than 10 % below its peak at or before its last measured
 * point, the annealing parameters ({@link LossLaw#annealingParameters()}) are not identifiable: they are fixed so
 * that the annealing term is 0 and {@link FitResult#annealingIdentified()} is false. {@link #withAnnealingFrom}
 * instead fixes them (and the law variant) to those of a finished reference run's fit.
 *
 * <p><b>Stopping</b>: LM's own relative cost / parameter tolerances (1e-10), or an iteration changing the residual
 * RMS by less than {@link #RMS_RELATIVE_TOLERANCE}; at most {@link #withMaxIterations} iterations per start. Failures (too few points, flat loss, non-finite input, no convergence) come back as a
 * {@link FitResult} with that status; {@link #fit} never throws for bad data.
 *
 * <p>Parts: {@link BoundedParameters} (the box and its internal coordinates), {@link LawProblem} (data, objective,
 * result and covariance of one variant), {@link LmProblem} (one LM run), {@link VariableProjection} (projected
 * starts) and {@link StartStrategy} (warm, exhaustive and screened multi-start). This class checks the input,
 * decides which parameters are fixed and which variants are tried, and turns the outcome into a {@link FitResult}.
 *
 * <p>Immutable: the {@code with*} methods return modified copies.
 */
public final class LawFitter {
    /** A run is "annealed" once its LR has fallen this far below its peak. */
    public static final double ANNEALING_THRESHOLD = 0.9;
    /**
     * LM also stops once an iteration changes the RMS of the (Huber-transformed) residuals by less than this
     * fraction: parameters drifting towards a bound move the cost by nothing measurable.
     */
    static final double RMS_RELATIVE_TOLERANCE = 1e-9;
    /**
     * Law variants (and refined projected starts) whose projected objective is more than this fraction above the
     * best variant's are not refined by LM.
     */
    static final double VARIANT_MARGIN = 0.02;
    /** Golden-section steps refining a projected start (interval shrinks by 0.618 per step). */
    static final int REFINE_STEPS = 12;
    /** LM iterations screening each law variant before the full LM of the best ones. */
    static final int SCREEN_ITERATIONS = 3;
    /** Default LM starts of a single variant (refined projected local minima within VARIANT_MARGIN). */
    static final int DEFAULT_STARTS = 3;

    private final LossLaw law;
    private final double huberDelta;
    private final int starts;
    private final int maxIterations;
    private final FitResult warmStart;
    private final FitResult annealingFrom;
    private final boolean balanceRuns;
    private final double[] priorMean;
    private final double priorStrength;
    private final boolean diagnostics;

    private LawFitter(LossLaw law, double huberDelta, int starts, int maxIterations, FitResult warmStart,
                      FitResult annealingFrom, boolean balanceRuns) {
        this(law, huberDelta, starts, maxIterations, warmStart, annealingFrom, balanceRuns, null, 0, true);
    }

    private LawFitter(LossLaw law, double huberDelta, int starts, int maxIterations, FitResult warmStart,
                      FitResult annealingFrom, boolean balanceRuns, double[] priorMean, double priorStrength,
                      boolean diagnostics) {
        this.diagnostics = diagnostics;
        this.priorMean = priorMean;
        this.priorStrength = priorStrength;
        this.balanceRuns = balanceRuns;
        this.law = law;
        this.huberDelta = huberDelta;
        this.starts = starts;
        this.maxIterations = maxIterations;
        this.warmStart = warmStart;
        this.annealingFrom = annealingFrom;
    }

    /**
     * A fitter for {@code law} with the papers' Huber delta 1e-3, at most 300 LM iterations per start, and the
     * default (screened, refined) starts described above.
     */
    public static LawFitter create(LossLaw law) {
        return new LawFitter(law, 1e-3, -1, 300, null, null, false);
    }

    public LawFitter withHuberDelta(double delta) {
        if (!(delta > 0)) {
            throw new IllegalArgumentException("Huber delta must be > 0, got " + delta);
        }
        return new LawFitter(law, delta, starts, maxIterations, warmStart, annealingFrom, balanceRuns,
                priorMean, priorStrength, diagnostics);
    }

    /**
     * Number of LM starts per law variant (the best grid points by the projected objective), for every variant:
     * the exhaustive multi-start instead of the default screening.
     */
    public LawFitter withStarts(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("starts must be >= 1, got " + n);
        }
        return new LawFitter(law, huberDelta, n, maxIterations, warmStart, annealingFrom, balanceRuns,
                priorMean, priorStrength, diagnostics);
    }

    public LawFitter withMaxIterations(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("max iterations must be >= 1, got " + n);
        }
        return new LawFitter(law, huberDelta, starts, n, warmStart, annealingFrom, balanceRuns,
                priorMean, priorStrength, diagnostics);
    }

    /** Start from a previous fit's parameters and law variant (ignored if it failed or is another law). */
    public LawFitter withWarmStart(FitResult previous) {
        return new LawFitter(law, huberDelta, starts, maxIterations, previous, annealingFrom, balanceRuns,
                priorMean, priorStrength, diagnostics);
    }

    /**
     * As {@link #withWarmStart(FitResult)} from a previous fit's law variant, parameters and
     * {@link FitResult#annealingIdentified()} alone (e.g. restored from a checkpoint, where the full result is not
     * kept): the fit then runs exactly as it would from the original result. Ignored when {@code params} is null
     * or of the wrong length.
     */
    public LawFitter withWarmStart(LossLaw variant, double[] params, boolean annealingIdentified) {
        if (variant == null || params == null || params.length != variant.parameterCount()) {
            return withWarmStart((FitResult) null);
        }
        FitResult seed = new FitResult(FitStatus.OK, "warm start", variant, params, Double.NaN, Double.NaN,
                Double.NaN, 0, 0, 0, 0, null, annealingIdentified, 0);
        return withWarmStart(seed);
    }

    /** Fix the annealing parameters and the law variant to those of a reference fit (ignored if it failed). */
    public LawFitter withAnnealingFrom(FitResult reference) {
        return new LawFitter(law, huberDelta, starts, maxIterations, warmStart, reference, balanceRuns,
                priorMean, priorStrength, diagnostics);
    }

    /**
     * Weight each run's points by {@code N / (R * n_run)} so every run counts equally in the objective, however many
     * points it has (a live run's short observed head then weighs as much as a long finished reference). Off by
     * default (the papers weight points equally).
     */
    public LawFitter withBalancedRuns(boolean balanced) {
        return new LawFitter(law, huberDelta, starts, maxIterations, warmStart, annealingFrom, balanced,
                priorMean, priorStrength, diagnostics);
    }

    /**
     * A log-normal prior on some parameters (a ridge penalty in log space): the objective gains
     * {@code strength * W * delta^2 / 2 * sum_j (ln p_j - ln mean_j)^2} over the parameters j whose {@code mean_j} is
     * finite and positive (others: NaN), W the total point weight and delta the Huber delta. So {@code strength = 1}
     * makes a factor e away from the prior cost as much as every point being off by delta; 0 switches it off.
     * Fixed parameters are unaffected.
     */
    public LawFitter withPrior(double[] mean, double strength) {
        if (!(strength >= 0) || !Double.isFinite(strength)) {
            throw new IllegalArgumentException("prior strength must be finite and >= 0, got " + strength);
        }
        if (mean != null && mean.length != law.parameterCount()) {
            throw new IllegalArgumentException("prior needs " + law.parameterCount() + " means, got " + mean.length);
        }
        return new LawFitter(law, huberDelta, starts, maxIterations, warmStart, annealingFrom, balanceRuns,
                mean == null ? null : mean.clone(), strength, diagnostics);
    }

    /**
     * With {@code false}, a fit that estimates the annealing parameters returns its parameters and objective only:
     * no Laplace covariance ({@link FitResult#covariance()} empty), RMS residual and lag-1 autocorrelation NaN. For
     * fits whose point predictions alone are used (e.g. validation folds, scored by the law's value), which then
     * skip an evaluation of the law with its Jacobian and an SVD. A fit without the annealing identified keeps them
     * (its forecast's point goes through the interval machinery). Default true.
     */
    public LawFitter withDiagnostics(boolean diagnostics) {
        return new LawFitter(law, huberDelta, starts, maxIterations, warmStart, annealingFrom, balanceRuns,
                priorMean, priorStrength, diagnostics);
    }

    public LossLaw law() {
        return law;
    }

    public double huberDelta() {
        return huberDelta;
    }

    public FitResult fit(RunObservations... runs) {
        return fit(List.of(runs));
    }

    /** Fits the law jointly to all post-warmup points of {@code runs}. Never throws for bad data. */
    public FitResult fit(List<RunObservations> runs) {
        return fit(runs, null);
    }

    /**
     * As {@link #fit(List)}, taking each run's schedule terms from {@code cache} (null: none), which keeps them for
     * later fits of the same run objects; the result is the same as without the cache.
     */
    public FitResult fit(List<RunObservations> runs, PreparedCurveCache cache) {
        if (runs.isEmpty()) {
            return FitResult.failure(FitStatus.INVALID_INPUT, law, "no runs to fit", 0);
        }
        List<LrSchedule> schedules = new ArrayList<>();
        List<long[]> steps = new ArrayList<>();
        List<double[]> losses = new ArrayList<>();
        int n = 0;
        boolean annealed = false;
        for (RunObservations r : runs) {
            LrSchedule sch = r.schedule();
            long[] s = r.steps();
            double[] l = r.losses();
            int k = 0;
            long[] ks = new long[s.length];
            double[] kl = new double[s.length];
            long lastObserved = -1;
            for (int i = 0; i < s.length; i++) {
                if (!Double.isFinite(l[i]) || l[i] <= 0) {
                    return FitResult.failure(FitStatus.INVALID_INPUT, law,
                            r.name() + ": loss at step " + s[i] + " is " + l[i], n);
                }
                if (!sch.contains(s[i])) {
                    return FitResult.failure(FitStatus.INVALID_INPUT, law,
                            r.name() + ": step " + s[i] + " outside its schedule " + sch, n);
                }
                if (s[i] > sch.peakStep()) {
                    ks[k] = s[i];
                    kl[k] = l[i];
                    k++;
                    lastObserved = s[i];
                }
            }
            // O(steps) on a per-step schedule: through the cache, once per run object rather than once per fit.
            boolean annealedRun = lastObserved >= 0
                    && (cache != null ? cache.annealed(r, lastObserved) : annealedBy(sch, lastObserved));
            if (annealedRun) {
                annealed = true;
            }
            schedules.add(sch);
            steps.add(Arrays.copyOf(ks, k));
            losses.add(Arrays.copyOf(kl, k));
            n += k;
        }
        boolean anyAnnealing = annealed;
        return fit(new ScheduleRuns(law, schedules, steps, losses, anyAnnealing, runs, cache));
    }

    /** Fits the law jointly to already prepared runs (see {@link PreparedRuns}). Never throws for bad data. */
    public FitResult fit(PreparedRuns data) {
        try {
            return fitUnchecked(data);
        } catch (RuntimeException e) {
            // Last line of defence: a numerical library failure becomes a result, never an exception.
            return FitResult.failure(FitStatus.NO_CONVERGENCE, law,
                    "numerical failure: " + e.getClass().getSimpleName() + ": " + e.getMessage(), 0);
        }
    }

    private FitResult fitUnchecked(PreparedRuns data) {
        int runCount = data.runCount();
        if (runCount == 0) {
            return FitResult.failure(FitStatus.INVALID_INPUT, law, "no runs to fit", 0);
        }
        List<double[]> losses = new ArrayList<>();
        List<double[]> weights = new ArrayList<>();
        int n = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int r = 0; r < runCount; r++) {
            double[] l = data.losses(r);
            double[] w = data.weights(r);
            for (int i = 0; i < l.length; i++) {
                if (!Double.isFinite(l[i]) || l[i] <= 0 || !(w[i] >= 0) || !Double.isFinite(w[i])) {
                    return FitResult.failure(FitStatus.INVALID_INPUT, law,
                            "run " + r + ": point " + i + " has loss " + l[i] + ", weight " + w[i], n);
                }
                min = Math.min(min, l[i]);
                max = Math.max(max, l[i]);
            }
            losses.add(l);
            weights.add(w);
            n += l.length;
        }
        boolean annealed = data.annealed();
        boolean fixAnnealing = annealingFrom != null && annealingFrom.ok()
                && annealingFrom.law().name().equals(law.name());
        int free = law.parameterCount() - (fixAnnealing || !annealed ? law.annealingParameters().length : 0);
        if (n < free + 2) {
            return FitResult.failure(FitStatus.TOO_FEW_POINTS, law,
                    "need at least " + (free + 2) + " post-warmup points, got " + n, n);
        }
        if ((max - min) <= 1e-6 * max) {
            return FitResult.failure(FitStatus.FLAT_LOSS, law,
                    String.format(Locale.ROOT, "loss is flat (%.6g..%.6g): the law's shape is not identifiable",
                            min, max), n);
        }
        List<LossLaw> variants;
        if (fixAnnealing) {
            variants = List.of(annealingFrom.law());
        } else if (!annealed) {
            variants = List.of(law);
        } else {
            variants = law.variants();
        }
        double[] fixedValues = new double[law.parameterCount()];
        boolean[] fixed = new boolean[law.parameterCount()];
        if (fixAnnealing) {
            double[] ref = annealingFrom.params();
            for (int j : law.annealingParameters()) {
                fixed[j] = true;
                fixedValues[j] = ref[j];
            }
        } else if (!annealed) {
            // The annealing term's scale (first annealing parameter, linear) is 0; the others are then inert.
            int[] ap = law.annealingParameters();
            double[] lo = law.lowerBounds(min);
            double[] hi = law.upperBounds(min);
            for (int j : ap) {
                fixed[j] = true;
                fixedValues[j] = Double.isFinite(hi[j]) ? Math.max(lo[j], Math.min(hi[j], 0.5 * (lo[j] + hi[j])))
                        : Math.max(lo[j], 1);
            }
            fixedValues[ap[0]] = 0;
        }
        StartStrategy search = new StartStrategy(starts, maxIterations);
        if (warmStart != null && warmStart.ok() && warmStart.law().name().equals(law.name())
                && (annealed || fixAnnealing) == warmStart.annealingIdentified()) {
            // With annealing from a reference, the reference's variant (e.g. lambda) and values stay fixed.
            LossLaw v = fixAnnealing ? annealingFrom.law() : warmStart.law();
            search.warm(problem(v, data, losses, weights, min, fixed, fixedValues), warmStart.params());
        }
        if (search.best == null) {
            List<LawProblem> problems = new ArrayList<>();
            for (LossLaw v : variants) {
                try {
                    problems.add(problem(v, data, losses, weights, min, fixed, fixedValues));
                } catch (RuntimeException e) {
                    return FitResult.failure(FitStatus.INVALID_INPUT, law, e.getMessage(), n);
                }
            }
            search.search(problems);
        }
        if (search.best == null) {
            return FitResult.failure(FitStatus.NO_CONVERGENCE, law, search.lastError, n);
        }
        boolean identified = annealed || fixAnnealing;
        return search.best.result(search.iterations, search.evaluations, search.startsRun, identified,
                fixAnnealing ? annealingFrom.covariance() : null, diagnostics || !identified);
    }

    private LawProblem problem(LossLaw v, PreparedRuns data, List<double[]> losses, List<double[]> weights,
                               double minLoss, boolean[] fixed, double[] fixedValues) {
        return new LawProblem(v, data, losses, weights, minLoss, fixed, fixedValues, huberDelta, balanceRuns,
                priorMean, priorStrength);
    }

    /** Whether the LR has fallen below {@link #ANNEALING_THRESHOLD} of its peak by {@code step}. */
    static boolean annealedBy(LrSchedule sch, long step) {
        // O(knots) on a piecewise schedule (LrSchedule.minLr), the same answer as a per-step scan.
        return sch.minLr(sch.peakStep() + 1, step) < ANNEALING_THRESHOLD * sch.peakLr();
    }
}
