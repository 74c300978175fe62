package dev.runlaw.math.fit;

import dev.runlaw.math.law.LossLaw;
import dev.runlaw.math.law.PreparedCurve;
import dev.runlaw.math.schedule.LrSchedule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.hipparchus.exception.MathIllegalStateException;
import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.ArrayRealVector;
import org.hipparchus.linear.RealMatrix;
import org.hipparchus.linear.SingularValueDecomposition;
import org.hipparchus.optim.nonlinear.vector.leastsquares.EvaluationRmsChecker;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LeastSquaresBuilder;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LeastSquaresOptimizer;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LevenbergMarquardtOptimizer;
import org.hipparchus.optim.nonlinear.vector.leastsquares.MultivariateJacobianFunction;
import org.hipparchus.util.Pair;

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
 * <p><b>Starts</b>: variable projection. At each point of the law's non-linear grid, the parameters in which the
 * law is linear are solved by weighted linear least squares on the relative residual (≈ the log residual).
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

    private LawFitter(LossLaw law, double huberDelta, int starts, int maxIterations, FitResult warmStart,
                      FitResult annealingFrom, boolean balanceRuns) {
        this(law, huberDelta, starts, maxIterations, warmStart, annealingFrom, balanceRuns, null, 0);
    }

    private LawFitter(LossLaw law, double huberDelta, int starts, int maxIterations, FitResult warmStart,
                      FitResult annealingFrom, boolean balanceRuns, double[] priorMean, double priorStrength) {
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
                priorMean, priorStrength);
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
                priorMean, priorStrength);
    }

    public LawFitter withMaxIterations(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("max iterations must be >= 1, got " + n);
        }
        return new LawFitter(law, huberDelta, starts, n, warmStart, annealingFrom, balanceRuns,
                priorMean, priorStrength);
    }

    /** Start from a previous fit's parameters and law variant (ignored if it failed or is another law). */
    public LawFitter withWarmStart(FitResult previous) {
        return new LawFitter(law, huberDelta, starts, maxIterations, previous, annealingFrom, balanceRuns,
                priorMean, priorStrength);
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
                priorMean, priorStrength);
    }

    /**
     * Weight each run's points by {@code N / (R * n_run)} so every run counts equally in the objective, however many
     * points it has (a live run's short observed head then weighs as much as a long finished reference). Off by
     * default (the papers weight points equally).
     */
    public LawFitter withBalancedRuns(boolean balanced) {
        return new LawFitter(law, huberDelta, starts, maxIterations, warmStart, annealingFrom, balanced,
                priorMean, priorStrength);
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
                mean == null ? null : mean.clone(), strength);
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
            if (lastObserved >= 0 && annealedBy(sch, lastObserved)) {
                annealed = true;
            }
            schedules.add(sch);
            steps.add(Arrays.copyOf(ks, k));
            losses.add(Arrays.copyOf(kl, k));
            n += k;
        }
        boolean anyAnnealing = annealed;
        return fit(new ScheduleRuns(law, schedules, steps, losses, anyAnnealing));
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
        Problem best = null;
        int totalIt = 0;
        int totalEval = 0;
        int startsRun = 0;
        String lastError = "no start converged";
        if (warmStart != null && warmStart.ok() && warmStart.law().name().equals(law.name())
                && (annealed || fixAnnealing) == warmStart.annealingIdentified()) {
            // With annealing from a reference, the reference's variant (e.g. lambda) and values stay fixed.
            LossLaw v = fixAnnealing ? annealingFrom.law() : warmStart.law();
            Problem p = new Problem(v, data, losses, weights, min, fixed, fixedValues);
            try {
                p.optimize(warmStart.params());
                startsRun++;
                totalIt += p.iterations;
                totalEval += p.evaluations;
                if (p.converged()) {
                    best = p;
                }
            } catch (RuntimeException e) {
                lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
            }
        }
        if (best == null) {
            List<Problem> protos = new ArrayList<>();
            for (LossLaw v : variants) {
                try {
                    protos.add(new Problem(v, data, losses, weights, min, fixed, fixedValues));
                } catch (RuntimeException e) {
                    return FitResult.failure(FitStatus.INVALID_INPUT, law, e.getMessage(), n);
                }
            }
            // Explicit starts: the best grid points of every variant each start LM. Default: refined projected
            // starts of one pilot variant, then (several variants) every variant screened by a short LM from the
            // pilot's non-linear values, and the full LM only for the variants that screen within VARIANT_MARGIN.
            List<List<double[]>> plan = new ArrayList<>();
            if (starts > 0) {
                for (Problem proto : protos) {
                    plan.add(proto.projectedStarts(starts, false));
                }
            } else {
                Problem pilot = protos.get(protos.size() / 2);
                List<double[]> pilotStarts = pilot.projectedStarts(DEFAULT_STARTS, true);
                if (protos.size() == 1) {
                    plan.add(pilotStarts);
                } else if (pilotStarts.isEmpty()) {
                    // No usable projected start for the pilot: every variant from its own.
                    for (Problem proto : protos) {
                        plan.add(proto.projectedStarts(1, true));
                    }
                } else {
                    // Screen outward from the pilot along the variants' order; a direction stops at the first
                    // variant screening more than VARIANT_MARGIN above the best so far (fit quality is taken to be
                    // unimodal along the order, see LossLaw#variants).
                    List<Problem> screened = new ArrayList<>(java.util.Collections.nCopies(protos.size(), null));
                    double bestScreen = Double.POSITIVE_INFINITY;
                    int pilotIndex = protos.size() / 2;
                    int[][] walks = {{pilotIndex}, {pilotIndex - 1, -1}, {pilotIndex + 1, 1}};
                    for (int[] walk : walks) {
                        for (int vi = walk[0]; vi >= 0 && vi < protos.size(); vi += walk.length > 1 ? walk[1] : 0) {
                            Problem proto = protos.get(vi);
                            Problem bestOfVariant = null;
                            for (double[] ps : pilotStarts) {
                                double[] start = proto.projectAt(ps);
                                if (start == null) {
                                    continue;
                                }
                                Problem p = proto.copy();
                                startsRun++;
                                p.optimize(start, Math.min(SCREEN_ITERATIONS, maxIterations));
                                totalIt += p.iterations;
                                totalEval += p.evaluations;
                                if (p.bestParams != null && Double.isFinite(p.objective)
                                        && (bestOfVariant == null || p.objective < bestOfVariant.objective)) {
                                    bestOfVariant = p;
                                }
                            }
                            screened.set(vi, bestOfVariant);
                            if (bestOfVariant != null) {
                                bestScreen = Math.min(bestScreen, bestOfVariant.objective);
                                if (bestOfVariant.finished && bestOfVariant.converged()
                                        && (best == null || bestOfVariant.objective < best.objective)) {
                                    best = bestOfVariant;
                                }
                            }
                            if (walk.length == 1 || bestOfVariant == null
                                    || bestOfVariant.objective > bestScreen * (1 + VARIANT_MARGIN)) {
                                break;
                            }
                        }
                    }
                    for (Problem sp : screened) {
                        boolean refine = sp != null && sp.objective <= bestScreen * (1 + VARIANT_MARGIN);
                        plan.add(refine && !sp.finished ? List.of(sp.bestParams) : List.of());
                    }
                }
            }
            for (int vi = 0; vi < protos.size(); vi++) {
                Problem proto = protos.get(vi);
                for (double[] start : plan.get(vi)) {
                    Problem p = proto.copy();
                    startsRun++;
                    try {
                        p.optimize(start);
                    } catch (RuntimeException e) {
                        lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
                        continue;
                    } finally {
                        totalIt += p.iterations;
                        totalEval += p.evaluations;
                    }
                    if (p.converged() && (best == null || p.objective < best.objective)) {
                        best = p;
                    }
                }
            }
        }
        if (best == null) {
            return FitResult.failure(FitStatus.NO_CONVERGENCE, law, lastError, n);
        }
        return best.result(totalIt, totalEval, startsRun, annealed || fixAnnealing,
                fixAnnealing ? annealingFrom.covariance() : null);
    }

    /** Whether the LR has fallen below {@link #ANNEALING_THRESHOLD} of its peak by {@code step}. */
    static boolean annealedBy(LrSchedule sch, long step) {
        // O(knots) on a piecewise schedule (LrSchedule.minLr), the same answer as a per-step scan.
        return sch.minLr(sch.peakStep() + 1, step) < ANNEALING_THRESHOLD * sch.peakLr();
    }

    /** One fitting problem: a law variant, prepared curves, which parameters are fixed. Mutable, single-use. */
    private final class Problem {
        final LossLaw v;
        final List<PreparedCurve> curves;
        final double[] lnL;
        final double[] obs;
        final double[] sqrtW;
        final int[] runStart;
        final double minLoss;
        final boolean[] fixed;
        final double[] fixedValues;
        final int[] freeIdx;
        final double[] lo;
        final double[] hi;
        /** Free-parameter positions (in freeIdx) with a prior, and the prior's ln mean for each. */
        final int[] priorK;
        final double[] priorLnMean;
        final double priorCoef;
        double[] bestParams;
        double objective = Double.POSITIVE_INFINITY;
        int iterations;
        int evaluations;
        boolean finished;

        Problem(LossLaw v, PreparedRuns data, List<double[]> losses, List<double[]> weights, double minLoss,
                boolean[] fixed, double[] fixedValues) {
            this.v = v;
            List<PreparedCurve> cs = new ArrayList<>();
            int n = 0;
            for (int r = 0; r < losses.size(); r++) {
                cs.add(data.prepare(v, r));
                n += losses.get(r).length;
            }
            this.curves = cs;
            this.obs = new double[n];
            this.lnL = new double[n];
            this.sqrtW = new double[n];
            this.runStart = new int[losses.size() + 1];
            int k = 0;
            int nonEmpty = 0;
            for (double[] l : losses) {
                if (l.length > 0) {
                    nonEmpty++;
                }
            }
            double totalW = 0;
            for (double[] w : weights) {
                for (double x : w) {
                    totalW += x;
                }
            }
            for (int r = 0; r < losses.size(); r++) {
                runStart[r] = k;
                double[] lr = losses.get(r);
                double[] wr = weights.get(r);
                double runW = 0;
                for (double x : wr) {
                    runW += x;
                }
                double scale = balanceRuns && runW > 0 ? totalW / (nonEmpty * runW) : 1;
                for (int i = 0; i < lr.length; i++) {
                    obs[k] = lr[i];
                    lnL[k] = Math.log(lr[i]);
                    sqrtW[k] = Math.sqrt(scale * wr[i]);
                    k++;
                }
            }
            runStart[losses.size()] = k;
            this.minLoss = minLoss;
            this.fixed = fixed;
            this.fixedValues = fixedValues;
            int f = 0;
            for (boolean b : fixed) {
                if (!b) {
                    f++;
                }
            }
            this.freeIdx = new int[f];
            f = 0;
            for (int j = 0; j < fixed.length; j++) {
                if (!fixed[j]) {
                    freeIdx[f++] = j;
                }
            }
            this.lo = v.lowerBounds(minLoss);
            this.hi = v.upperBounds(minLoss);
            double sumW = 0;
            for (double x : sqrtW) {
                sumW += x * x;
            }
            List<Integer> pk = new ArrayList<>();
            List<Double> pm = new ArrayList<>();
            if (priorMean != null && priorStrength > 0) {
                for (int q = 0; q < freeIdx.length; q++) {
                    double m = priorMean[freeIdx[q]];
                    if (m > 0 && Double.isFinite(m)) {
                        pk.add(q);
                        pm.add(Math.log(m));
                    }
                }
            }
            this.priorK = pk.stream().mapToInt(Integer::intValue).toArray();
            this.priorLnMean = pm.stream().mapToDouble(Double::doubleValue).toArray();
            this.priorCoef = Math.sqrt(priorStrength * sumW) * huberDelta;
        }

        private Problem(Problem o) {
            this.v = o.v;
            this.curves = o.curves;
            this.lnL = o.lnL;
            this.obs = o.obs;
            this.sqrtW = o.sqrtW;
            this.runStart = o.runStart;
            this.minLoss = o.minLoss;
            this.fixed = o.fixed;
            this.fixedValues = o.fixedValues;
            this.freeIdx = o.freeIdx;
            this.lo = o.lo;
            this.hi = o.hi;
            this.priorK = o.priorK;
            this.priorLnMean = o.priorLnMean;
            this.priorCoef = o.priorCoef;
        }

        /** The prior's residual for prior entry {@code q} at parameters {@code p} (0 if p is not positive). */
        double priorResidual(double[] p, int q) {
            double x = p[freeIdx[priorK[q]]];
            return x > 0 ? priorCoef * (Math.log(x) - priorLnMean[q]) : 0;
        }

        double penalty(double[] p) {
            double s = 0;
            for (int q = 0; q < priorK.length; q++) {
                double r = priorResidual(p, q);
                s += 0.5 * r * r;
            }
            return s;
        }

        Problem copy() {
            return new Problem(this);
        }

        int n() {
            return obs.length;
        }

        void evaluate(double[] p, double[] values, double[][] jac) {
            int off = 0;
            for (PreparedCurve c : curves) {
                c.evaluate(p, values, off, jac);
                off += c.size();
            }
        }

        double huber(double r) {
            double a = Math.abs(r);
            return a <= huberDelta ? 0.5 * r * r : huberDelta * (a - 0.5 * huberDelta);
        }

        double objectiveAt(double[] p, double[] values) {
            evaluate(p, values, null);
            double sum = 0;
            for (int i = 0; i < values.length; i++) {
                if (!(values[i] > 0) || !Double.isFinite(values[i])) {
                    return Double.POSITIVE_INFINITY;
                }
                sum += sqrtW[i] * sqrtW[i] * huber(Math.log(values[i]) - lnL[i]);
            }
            return sum + penalty(p);
        }

        /**
         * Variable-projection starting points. The linear parameters are solved by weighted least squares on the
         * relative residual at each point of the law's non-linear grid. Without {@code refine}: the best {@code k}
         * grid points by the objective. With {@code refine} and a single free non-linear parameter: each local
         * minimum of that projected profile is refined by golden-section search between its grid neighbours, and
         * the refined minima within {@link #VARIANT_MARGIN} of the best one (at most {@code k}, at least one) are
         * returned, best first.
         */
        List<double[]> projectedStarts(int k, boolean refine) {
            int[] lin = v.linearParameters();
            int np = v.parameterCount();
            boolean[] isLin = new boolean[np];
            for (int j : lin) {
                isLin[j] = true;
            }
            int[] nonlin = new int[np - lin.length];
            int q = 0;
            for (int j = 0; j < np; j++) {
                if (!isLin[j]) {
                    nonlin[q++] = j;
                }
            }
            int[] freeLin = Arrays.stream(lin).filter(j -> !fixed[j]).toArray();
            int n = n();
            double[] values = new double[n];
            double[][] jac = new double[n][np];
            List<double[]> grid = new ArrayList<>();
            List<double[]> projected = new ArrayList<>();
            List<Double> lsScore = new ArrayList<>();
            List<double[]> seen = new ArrayList<>();
            double[] ls = new double[1];
            for (double[] g : v.nonlinearGrid()) {
                double[] p = new double[np];
                for (int j = 0; j < nonlin.length; j++) {
                    p[nonlin[j]] = fixed[nonlin[j]] ? fixedValues[nonlin[j]] : g[j];
                }
                boolean dup = false;
                for (double[] s : seen) {
                    if (Arrays.equals(s, p)) {
                        dup = true;
                        break;
                    }
                }
                if (dup) {
                    continue;
                }
                seen.add(p.clone());
                double[] pp = project(p, lin, nonlin, freeLin, values, jac, ls);
                if (pp != null) {
                    grid.add(g);
                    projected.add(pp);
                    lsScore.add(ls[0]);
                }
            }
            List<Object[]> scored = new ArrayList<>();
            boolean oneFree = nonlin.length == 1 && !fixed[nonlin[0]];
            if (refine && oneFree && projected.size() >= 2) {
                int j0 = nonlin[0];
                int m = projected.size();
                for (int i = 0; i < m; i++) {
                    double si = lsScore.get(i);
                    boolean localMin = (i == 0 || si <= lsScore.get(i - 1)) && (i == m - 1 || si <= lsScore.get(i + 1));
                    if (!localMin) {
                        continue;
                    }
                    double x = grid.get(i)[0];
                    double left = i > 0 ? grid.get(i - 1)[0] : x - (grid.get(1)[0] - x);
                    double right = i < m - 1 ? grid.get(i + 1)[0] : x + (x - grid.get(m - 2)[0]);
                    left = clampInterior(left, lo[j0], hi[j0]);
                    right = clampInterior(right, lo[j0], hi[j0]);
                    double[] refined = refine1d(projected.get(i), j0, left, right, lin, nonlin, freeLin, values,
                            jac, ls);
                    double[] p = refined != null ? refined : projected.get(i);
                    double obj = objectiveAt(p, values);
                    double gridObj = objectiveAt(projected.get(i), values);
                    if (gridObj < obj) {
                        p = projected.get(i);
                        obj = gridObj;
                    }
                    if (Double.isFinite(obj)) {
                        scored.add(new Object[] {obj, p});
                    }
                }
                scored.sort(Comparator.comparingDouble(o -> (Double) o[0]));
                List<double[]> out = new ArrayList<>();
                for (int i = 0; i < Math.min(k, scored.size()); i++) {
                    if (i == 0 || (Double) scored.get(i)[0] <= (Double) scored.get(0)[0] * (1 + VARIANT_MARGIN)) {
                        out.add((double[]) scored.get(i)[1]);
                    }
                }
                return out;
            }
            for (double[] p : projected) {
                double obj = objectiveAt(p, values);
                if (Double.isFinite(obj)) {
                    scored.add(new Object[] {obj, p});
                }
            }
            scored.sort(Comparator.comparingDouble(o -> (Double) o[0]));
            List<double[]> out = new ArrayList<>();
            for (int i = 0; i < Math.min(k, scored.size()); i++) {
                out.add((double[]) scored.get(i)[1]);
            }
            return out;
        }

        /**
         * Golden-section search of the projected least-squares profile over the single non-linear parameter
         * {@code j0} in [a, b]; the projected point at the minimum found, or null.
         */
        private double[] refine1d(double[] start, int j0, double a, double b, int[] lin, int[] nonlin,
                                  int[] freeLin, double[] values, double[][] jac, double[] ls) {
            final double g = 0.5 * (Math.sqrt(5) - 1);
            double[] p = start.clone();
            double x1 = b - g * (b - a);
            double x2 = a + g * (b - a);
            p[j0] = x1;
            double[] p1 = project(p, lin, nonlin, freeLin, values, jac, ls);
            double f1 = p1 != null ? ls[0] : Double.POSITIVE_INFINITY;
            p[j0] = x2;
            double[] p2 = project(p, lin, nonlin, freeLin, values, jac, ls);
            double f2 = p2 != null ? ls[0] : Double.POSITIVE_INFINITY;
            for (int it = 0; it < REFINE_STEPS; it++) {
                if (f1 <= f2) {
                    b = x2;
                    x2 = x1;
                    f2 = f1;
                    p2 = p1;
                    x1 = b - g * (b - a);
                    p[j0] = x1;
                    p1 = project(p, lin, nonlin, freeLin, values, jac, ls);
                    f1 = p1 != null ? ls[0] : Double.POSITIVE_INFINITY;
                } else {
                    a = x1;
                    x1 = x2;
                    f1 = f2;
                    p1 = p2;
                    x2 = a + g * (b - a);
                    p[j0] = x2;
                    p2 = project(p, lin, nonlin, freeLin, values, jac, ls);
                    f2 = p2 != null ? ls[0] : Double.POSITIVE_INFINITY;
                }
            }
            return f1 <= f2 ? p1 : p2;
        }

        /**
         * The free linear parameters solved by weighted least squares on the relative residual, the others as in
         * {@code p0} (non-linear ones clamped into their box); {@code ls[0]} gets the weighted residual sum of
         * squares. Null if the system is singular.
         */
        private double[] project(double[] p0, int[] lin, int[] nonlin, int[] freeLin, double[] values,
                                 double[][] jac, double[] ls) {
            int n = n();
            double[] p = p0.clone();
            for (int j : lin) {
                p[j] = fixed[j] ? fixedValues[j] : 1;
            }
            evaluate(p, values, jac);
            // Columns of the free linear parameters; the rest is an offset.
            int m = freeLin.length;
            double[][] ata = new double[m][m];
            double[] atb = new double[m];
            double yy = 0;
            for (int i = 0; i < n; i++) {
                double[] row = jac[i];
                double offset = values[i];
                for (int j : freeLin) {
                    offset -= row[j] * p[j];
                }
                double w = sqrtW[i] * sqrtW[i] / (obs[i] * obs[i]);
                double y = obs[i] - offset;
                yy += w * y * y;
                for (int a = 0; a < m; a++) {
                    double fa = row[freeLin[a]];
                    atb[a] += w * fa * y;
                    for (int b = 0; b < m; b++) {
                        ata[a][b] += w * fa * row[freeLin[b]];
                    }
                }
            }
            double[] c = solve(ata, atb);
            if (c == null) {
                return null;
            }
            // Residual sum of squares at the unconstrained solution: y'Wy - c'A'Wy.
            double rss = yy;
            for (int a = 0; a < m; a++) {
                rss -= c[a] * atb[a];
            }
            ls[0] = rss;
            for (int a = 0; a < m; a++) {
                int j = freeLin[a];
                p[j] = clampInterior(c[a], lo[j], hi[j]);
            }
            for (int j : nonlin) {
                p[j] = clampInterior(p[j], lo[j], hi[j]);
            }
            return p;
        }

        double[] toExternal(double[] z) {
            double[] p = fixedValues.clone();
            for (int k = 0; k < freeIdx.length; k++) {
                int j = freeIdx[k];
                p[j] = external(z[k], lo[j], hi[j]);
            }
            return p;
        }

        /** The projected start (linear parameters solved) at the non-linear values of {@code p}; null if singular. */
        double[] projectAt(double[] p) {
            int[] lin = v.linearParameters();
            int np = v.parameterCount();
            boolean[] isLin = new boolean[np];
            for (int j : lin) {
                isLin[j] = true;
            }
            int[] nonlin = java.util.stream.IntStream.range(0, np).filter(j -> !isLin[j]).toArray();
            int[] freeLin = Arrays.stream(lin).filter(j -> !fixed[j]).toArray();
            double[] q = p.clone();
            for (int j : nonlin) {
                if (fixed[j]) {
                    q[j] = fixedValues[j];
                }
            }
            return project(q, lin, nonlin, freeLin, new double[n()], new double[n()][np], new double[1]);
        }

        void optimize(double[] start) {
            optimize(start, maxIterations);
        }

        /**
         * LM from {@code start} for at most {@code iterationLimit} iterations. Reaching the limit leaves
         * {@link #finished} false, with the best point seen in {@link #bestParams}.
         */
        void optimize(double[] start, int iterationLimit) {
            double[] z0 = new double[freeIdx.length];
            for (int k = 0; k < freeIdx.length; k++) {
                int j = freeIdx[k];
                z0[k] = internal(clampInterior(start[j], lo[j], hi[j]), lo[j], hi[j]);
            }
            int n = n();
            int np = v.parameterCount();
            double[] values = new double[n];
            double[][] jac = new double[n][np];
            int[] evaluationCount = new int[1];
            MultivariateJacobianFunction model = point -> {
                evaluationCount[0]++;
                double[] z = point.toArray();
                double[] p = toExternal(z);
                evaluate(p, values, jac);
                int m = priorK.length;
                double[] res = new double[n + m];
                double[][] jz = new double[n + m][freeIdx.length];
                // d external / d internal per free parameter: the same for every point.
                double[] dz = new double[freeIdx.length];
                for (int k = 0; k < freeIdx.length; k++) {
                    dz[k] = dExternal(z[k], lo[freeIdx[k]], hi[freeIdx[k]]);
                }
                double obj = 0;
                for (int q = 0; q < m; q++) {
                    int k = priorK[q];
                    int j = freeIdx[k];
                    res[n + q] = priorResidual(p, q);
                    obj += 0.5 * res[n + q] * res[n + q];
                    if (p[j] > 0) {
                        jz[n + q][k] = priorCoef / p[j] * dExternal(z[k], lo[j], hi[j]);
                    }
                }
                for (int i = 0; i < n; i++) {
                    double lhat = values[i];
                    boolean valid = lhat > 0 && Double.isFinite(lhat);
                    double r = valid ? Math.log(lhat) - lnL[i] : 50;
                    obj += sqrtW[i] * sqrtW[i] * huber(r);
                    double a = Math.abs(r);
                    double rp;
                    double drp;
                    if (a <= huberDelta) {
                        rp = r;
                        drp = 1;
                    } else {
                        rp = Math.copySign(Math.sqrt(2 * huberDelta * a - huberDelta * huberDelta), r);
                        drp = huberDelta / Math.abs(rp);
                    }
                    res[i] = sqrtW[i] * rp;
                    if (valid) {
                        double scale = sqrtW[i] * drp / lhat;
                        double[] row = jac[i];
                        double[] out = jz[i];
                        for (int k = 0; k < freeIdx.length; k++) {
                            out[k] = scale * row[freeIdx[k]] * dz[k];
                        }
                    }
                }
                if (obj < objective) {
                    objective = obj;
                    bestParams = p;
                }
                return new Pair<>(new ArrayRealVector(res, false), new Array2DRowRealMatrix(jz, false));
            };
            LeastSquaresOptimizer.Optimum opt;
            try {
                opt = new LevenbergMarquardtOptimizer()
                        .withCostRelativeTolerance(1e-10)
                        .withParameterRelativeTolerance(1e-10)
                        .optimize(new LeastSquaresBuilder()
                                .start(z0)
                                .model(model)
                                .target(new double[n + priorK.length])
                                .maxIterations(iterationLimit)
                                .maxEvaluations(4 * iterationLimit)
                                .lazyEvaluation(false)
                                .checker(new EvaluationRmsChecker(RMS_RELATIVE_TOLERANCE))
                                .build());
            } catch (MathIllegalStateException e) {
                // Iteration / evaluation limit: not converged; keep the counts.
                iterations = iterationLimit;
                evaluations = Math.min(evaluationCount[0], 4 * iterationLimit);
                finished = false;
                return;
            }
            iterations = opt.getIterations();
            evaluations = opt.getEvaluations();
            finished = true;
        }

        boolean converged() {
            if (!finished || bestParams == null || !Double.isFinite(objective)) {
                return false;
            }
            for (double p : bestParams) {
                if (!Double.isFinite(p)) {
                    return false;
                }
            }
            return true;
        }

        FitResult result(int totalIt, int totalEval, int startsRun, boolean annealingIdentified,
                         double[][] referenceCov) {
            int n = n();
            int np = v.parameterCount();
            double[] values = new double[n];
            double[][] jac = new double[n][np];
            evaluate(bestParams, values, jac);
            double[] r = new double[n];
            double ss = 0;
            double sw = 0;
            for (int i = 0; i < n; i++) {
                r[i] = Math.log(values[i]) - lnL[i];
                double w = sqrtW[i] * sqrtW[i];
                ss += w * r[i] * r[i];
                sw += w;
            }
            double rms = Math.sqrt(ss / Math.max(sw, 1e-300));
            double num = 0;
            double den = 0;
            for (int run = 0; run + 1 < runStart.length; run++) {
                for (int i = runStart[run]; i < runStart[run + 1]; i++) {
                    den += r[i] * r[i];
                    if (i + 1 < runStart[run + 1]) {
                        num += r[i] * r[i + 1];
                    }
                }
            }
            double lag1 = den > 0 ? num / den : 0;
            // Laplace covariance on the free parameters: s^2 (J^T W J)^+, J = d ln Lhat / d theta.
            double[][] cov = new double[np][np];
            int f = freeIdx.length;
            double[][] jr = new double[n][f];
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < f; k++) {
                    jr[i][k] = sqrtW[i] * jac[i][freeIdx[k]] / values[i];
                }
            }
            RealMatrix jm = new Array2DRowRealMatrix(jr, false);
            RealMatrix jtj = jm.transposeMultiply(jm);
            RealMatrix inv = new SingularValueDecomposition(jtj).getSolver().getInverse();
            double s2 = ss / Math.max(1, sw - f);
            for (int a = 0; a < f; a++) {
                for (int b = 0; b < f; b++) {
                    cov[freeIdx[a]][freeIdx[b]] = s2 * inv.getEntry(a, b);
                }
            }
            if (referenceCov != null && referenceCov.length == np) {
                for (int a = 0; a < np; a++) {
                    for (int b = 0; b < np; b++) {
                        if (fixed[a] && fixed[b]) {
                            cov[a][b] = referenceCov[a][b];
                        }
                    }
                }
            }
            String msg = String.format(Locale.ROOT, "%s %s: %d points, rms log residual %.3g, objective %.4g",
                    v.name(), v.hyperParameters(), n, rms, objective);
            return new FitResult(FitStatus.OK, msg, v, bestParams, objective, rms, lag1, n, totalIt, totalEval,
                    startsRun, cov, annealingIdentified, freeIdx.length);
        }
    }

    static double clampInterior(double p, double lo, double hi) {
        double span = Double.isFinite(hi) && Double.isFinite(lo) ? hi - lo : Math.max(1e-6, Math.abs(p));
        double eps = 1e-6 * span;
        double v = p;
        if (Double.isFinite(lo) && v < lo + eps) {
            v = lo + (Double.isFinite(hi) ? eps : Math.max(1e-9, eps));
        }
        if (Double.isFinite(hi) && v > hi - eps) {
            v = hi - eps;
        }
        return v;
    }

    static double internal(double p, double lo, double hi) {
        boolean fl = Double.isFinite(lo);
        boolean fh = Double.isFinite(hi);
        if (fl && fh) {
            double u = Math.min(1 - 1e-12, Math.max(1e-12, (p - lo) / (hi - lo)));
            return Math.log(u / (1 - u));
        } else if (fl) {
            return Math.log(Math.max(p - lo, 1e-300));
        } else if (fh) {
            return -Math.log(Math.max(hi - p, 1e-300));
        }
        return p;
    }

    static double external(double z, double lo, double hi) {
        boolean fl = Double.isFinite(lo);
        boolean fh = Double.isFinite(hi);
        double zc = Math.max(-700, Math.min(700, z));
        if (fl && fh) {
            return lo + (hi - lo) / (1 + Math.exp(-zc));
        } else if (fl) {
            return lo + Math.exp(zc);
        } else if (fh) {
            return hi - Math.exp(-zc);
        }
        return z;
    }

    static double dExternal(double z, double lo, double hi) {
        boolean fl = Double.isFinite(lo);
        boolean fh = Double.isFinite(hi);
        double zc = Math.max(-700, Math.min(700, z));
        if (fl && fh) {
            double s = 1 / (1 + Math.exp(-zc));
            return (hi - lo) * s * (1 - s);
        } else if (fl) {
            return Math.exp(zc);
        } else if (fh) {
            return Math.exp(-zc);
        }
        return 1;
    }

    /** Solves a small symmetric system by Gaussian elimination with partial pivoting and a tiny ridge. */
    static double[] solve(double[][] a0, double[] b0) {
        int m = b0.length;
        double[][] a = new double[m][];
        double[] b = b0.clone();
        double tr = 0;
        for (int i = 0; i < m; i++) {
            a[i] = a0[i].clone();
            tr += Math.abs(a[i][i]);
        }
        for (int i = 0; i < m; i++) {
            a[i][i] += 1e-13 * tr / Math.max(1, m);
        }
        for (int c = 0; c < m; c++) {
            int piv = c;
            for (int r = c + 1; r < m; r++) {
                if (Math.abs(a[r][c]) > Math.abs(a[piv][c])) {
                    piv = r;
                }
            }
            if (Math.abs(a[piv][c]) < 1e-300) {
                return null;
            }
            double[] t = a[c];
            a[c] = a[piv];
            a[piv] = t;
            double tb = b[c];
            b[c] = b[piv];
            b[piv] = tb;
            for (int r = c + 1; r < m; r++) {
                double f = a[r][c] / a[c][c];
                for (int k = c; k < m; k++) {
                    a[r][k] -= f * a[c][k];
                }
                b[r] -= f * b[c];
            }
        }
        double[] x = new double[m];
        for (int i = m - 1; i >= 0; i--) {
            double s = b[i];
            for (int k = i + 1; k < m; k++) {
                s -= a[i][k] * x[k];
            }
            x[i] = s / a[i][i];
        }
        for (double v : x) {
            if (!Double.isFinite(v)) {
                return null;
            }
        }
        return x;
    }
}
