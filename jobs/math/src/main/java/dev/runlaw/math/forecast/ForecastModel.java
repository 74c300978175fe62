package dev.runlaw.math.forecast;

import dev.runlaw.math.fit.FitResult;
import dev.runlaw.math.fit.LawFitter;
import dev.runlaw.math.fit.PreparedCurveCache;
import dev.runlaw.math.fit.RunObservations;
import dev.runlaw.math.law.LossLaw;
import dev.runlaw.math.law.MomentumLaw;
import dev.runlaw.math.law.MultiPowerLaw;
import dev.runlaw.math.schedule.LrSchedule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A fitted forecaster chosen by validation on the fitted data alone: one loss law, or a weighted log-space ensemble
 * of the momentum law (Tissue et al. 2024, arXiv 2408.11029) and the multi-power law (Luo et al. 2025,
 * arXiv 2503.12811). This is the model selection of the offline backtest, shared with the live forecast job so
 * that both give the same numbers on the same inputs.
 *
 * <p><b>Selection</b> ({@link #select}):
 * <ul>
 *   <li>{@code momentum}: one momentum-law fit (lambda chosen by the fitter).</li>
 *   <li>{@code multipower}: the multi-power law with a log-normal prior on its kernel parameters
 *       ({@link #MULTIPOWER_PRIOR}, {@code LawFitter.withPrior}); the prior strength (from
 *       {@link #PRIOR_STRENGTHS}) and, in observe mode, how many copies of the observed run enter the balanced fit
 *       ({@link #HEAD_COPIES}) are chosen by the lowest validation error.</li>
 *   <li>{@code auto}: an ensemble combined by {@link Ensemble#combine(Forecast[][], double[], double, double[])}.
 *       With at least {@link #STACKING_MIN_SPLITS} validation splits (the paper protocol: complete runs, left out
 *       one at a time) its candidates are momentum, the multi-power law and the multi-power law with its loss drop
 *       scaled by the power-law term ({@code MultiPowerLaw.withScaledLossDrop()}, same prior and head copies), with
 *       the weights whose mixture forecasts the held-out runs best ({@link Ensemble#stackedWeights}); members with
 *       weight 0 are left out. Otherwise (observe mode: one split) momentum and multi-power with weights
 *       {@code w_m ∝ 1 / e_m^2} ({@link Ensemble#inverseSquareWeights}) from the validation errors {@code e_m}. If
 *       the momentum or the multi-power fit fails, the other alone.</li>
 * </ul>
 * Validation error = mean over the {@linkplain #splits splits} of the mean relative error
 * {@code |Lhat - L| / L} on the held-out post-warmup points (the papers' PredE).
 *
 * <p><b>Warm refit</b> ({@link #refit}): keeps the chosen hyper-parameters (prior strength, head copies, ensemble
 * weights, name) and refits each member from its previous parameters and law variant
 * ({@code LawFitter.withWarmStart}), without any validation fit: one LM run per member instead of a selection's
 * two multi-start fits and its validation fits (warm-started from those, one per split, law, prior strength and
 * head-copy choice). The caller decides when to
 * select again (the weights go stale as data accrue). The warm-start state is a small {@link Seed}, so a refit from
 * a {@code Seed} restored from a checkpoint equals a refit from the model itself.
 *
 * <p>Immutable.
 */
public final class ForecastModel {
    /** Prior means of the multi-power law's kernel parameters: the authors' initialisation C = 1, beta = gamma = 0.5. */
    public static final double[] MULTIPOWER_PRIOR = {Double.NaN, Double.NaN, Double.NaN, Double.NaN, 1, 0.5, 0.5};
    /**
     * Candidate prior strengths for the multi-power law, chosen per fit by validation on the fitted data when there
     * are several. One since issue 13: the validation chose 10 from {0.1, 1, 10} on the paper protocol of both
     * reference sizes, and the fitted kernel then sits within a few % of the prior mean whatever the strength in
     * 1..100 (same test errors), so the two extra candidates cost six validation fits for nothing.
     */
    public static final double[] PRIOR_STRENGTHS = {10};
    /** Candidate weights of the observed run relative to each reference run (observe mode), chosen likewise. */
    public static final int[] HEAD_COPIES = {1, 3};
    /** {@code auto}'s stacked ensemble weights are searched on the simplex grid of step 1 / 20. */
    static final int STACKING_GRID = 20;
    /**
     * {@code auto} stacks three members only with at least this many validation splits (the paper protocol's
     * leave-one-run-out over three or more complete runs). Observe mode has one split, the observed head's second
     * half: choosing two free weights on it made the early-stop forecasts worse on both reference sizes (issue 13,
     * docs/benchmarks.md), so there {@code auto} keeps momentum + multi-power with inverse-square weights.
     */
    static final int STACKING_MIN_SPLITS = 3;
    /** Member name of the multi-power law with its loss drop scaled by the power-law term. */
    static final String SCALED = "multipower-scaled";

    private final String name;
    private final List<FitResult> fits;
    private final double[] weights;
    private final boolean balanced;
    private final double priorStrength;
    private final int headCopies;

    private ForecastModel(String name, List<FitResult> fits, double[] weights, boolean balanced,
                          double priorStrength, int headCopies) {
        this.name = name;
        this.fits = List.copyOf(fits);
        this.weights = weights.clone();
        this.balanced = balanced;
        this.priorStrength = priorStrength;
        this.headCopies = headCopies;
    }

    /**
     * The warm-start state of a model: its chosen hyper-parameters and each member's law variant and parameters.
     * Enough to {@linkplain ForecastModel#refit(Seed, List) refit} exactly as the model itself would.
     *
     * @param name          the model's name (kept by refits)
     * @param balanced      whether the runs are balanced (observe mode)
     * @param priorStrength the multi-power prior strength chosen (0 when no multi-power member)
     * @param headCopies    copies of the observed run in the multi-power fit (1 when not chosen)
     * @param weights       ensemble weights, one per member, summing to 1
     * @param members       one per member fit
     */
    public record Seed(String name, boolean balanced, double priorStrength, int headCopies, double[] weights,
                       List<Member> members) {
        public Seed {
            weights = weights.clone();
            members = List.copyOf(members);
            if (members.isEmpty() || members.size() != weights.length) {
                throw new IllegalArgumentException("need one weight per member, got " + members.size()
                        + " members, " + weights.length + " weights");
            }
        }

        @Override
        public double[] weights() {
            return weights.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Seed s && s.name.equals(name) && s.balanced == balanced
                    && Double.compare(s.priorStrength, priorStrength) == 0 && s.headCopies == headCopies
                    && Arrays.equals(s.weights, weights) && s.members.equals(members);
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 31 + members.hashCode();
        }
    }

    /**
     * One member's warm-start state.
     *
     * @param law                 {@code momentum}, {@code multipower} or {@code multipower-scaled}
     * @param lambda              the momentum law's lambda (NaN for the multi-power law)
     * @param annealingIdentified whether the member's fit estimated its annealing parameters
     * @param params              fitted parameters; empty when that fit failed (the refit then starts cold)
     */
    public record Member(String law, double lambda, boolean annealingIdentified, double[] params) {
        public Member {
            if (!law.equals("momentum") && !law.equals("multipower") && !law.equals(SCALED)) {
                throw new IllegalArgumentException("unknown law " + law);
            }
            params = params.clone();
        }

        @Override
        public double[] params() {
            return params.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Member m && m.law.equals(law) && Double.compare(m.lambda, lambda) == 0
                    && m.annealingIdentified == annealingIdentified && Arrays.equals(m.params, params);
        }

        @Override
        public int hashCode() {
            return law.hashCode() * 31 + Arrays.hashCode(params);
        }

        /** The law variant the parameters belong to. */
        LossLaw variant() {
            return law.equals("momentum") ? MomentumLaw.withLambda(lambda)
                    : law.equals(SCALED) ? MultiPowerLaw.withScaledLossDrop() : MultiPowerLaw.create();
        }
    }

    /** One validation split: fit on {@code train}, forecast {@code held}'s post-warmup points. */
    public record Split(List<RunObservations> train, RunObservations held) {
    }

    /** The model's name, e.g. {@code momentum} or {@code ensemble momentum (val ...) 0.06 + multipower ...}. */
    public String name() {
        return name;
    }

    /** The member fits (one, or momentum then multi-power for an ensemble). */
    public List<FitResult> fits() {
        return fits;
    }

    /** Ensemble weights, one per fit, summing to 1. */
    public double[] weights() {
        return weights.clone();
    }

    /** Whether every member fit succeeded. */
    public boolean ok() {
        for (FitResult f : fits) {
            if (!f.ok()) {
                return false;
            }
        }
        return true;
    }

    /** This model's warm-start state. */
    public Seed seed() {
        List<Member> ms = new ArrayList<>();
        for (FitResult f : fits) {
            LossLaw l = f.law();
            boolean mo = l instanceof MomentumLaw;
            ms.add(new Member(memberLaw(l), mo ? ((MomentumLaw) l).lambda() : Double.NaN,
                    f.ok() && f.annealingIdentified(), f.ok() ? f.params() : new double[0]));
        }
        return new Seed(name, balanced, priorStrength, headCopies, weights, ms);
    }

    /**
     * Forecasts at {@code steps} of {@code schedule}. One law: {@link Forecaster} with the law's calibrated horizon
     * term. Ensemble: members without their own horizon terms, combined in log space, plus the ensemble's own
     * discrepancy {@code Forecaster.ENSEMBLE_DISCREPANCY * ln(s / s_obs)}.
     *
     * @param lastObservedStep the forecast run's last fitted step, -1 when none of it was fitted
     */
    public Forecast[] forecast(LrSchedule schedule, long[] steps, long lastObservedStep) {
        if (fits.size() == 1) {
            return Forecaster.create(fits.get(0)).withLastObservedStep(lastObservedStep).forecast(schedule, steps);
        }
        Forecast[][] m = new Forecast[fits.size()][];
        Forecaster first = null;
        for (int i = 0; i < m.length; i++) {
            Forecaster f = Forecaster.create(fits.get(i)).withDiscrepancy(0).withLastObservedStep(lastObservedStep);
            first = first == null ? f : first;
            m[i] = f.forecast(schedule, steps);
        }
        double[] extra = new double[steps.length];
        for (int i = 0; i < steps.length; i++) {
            extra[i] = Forecaster.ENSEMBLE_DISCREPANCY * first.logHorizon(schedule, steps[i]);
        }
        return Ensemble.combine(m, weights, 0.9, extra);
    }

    /**
     * Parameters by name: a single law's names, or {@code <law>.weight} and {@code <law>.<param>} per member of an
     * ensemble. Insertion-ordered.
     */
    public Map<String, Double> params() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (int f = 0; f < fits.size(); f++) {
            FitResult fr = fits.get(f);
            String prefix = fits.size() == 1 ? "" : memberLaw(fr.law()) + ".";
            if (fits.size() > 1) {
                out.put(prefix + "weight", weights[f]);
            }
            double[] pv = fr.params();
            for (int i = 0; pv != null && i < pv.length; i++) {
                out.put(prefix + fr.law().parameterNames().get(i), pv[i]);
            }
        }
        return out;
    }

    /**
     * Validation splits that use only the fitted data. Paper protocol (several complete runs): leave one run out.
     * Observe mode (the last run is the partially observed one): fit on the other runs plus the first half of the
     * observed run's post-warmup points, forecast its second half (no split with fewer than 8 such points).
     */
    public static List<Split> splits(List<RunObservations> runs, boolean observeMode) {
        return ForecastValidation.splits(runs, observeMode);
    }

    /** {@link #validationError(List, String, double, boolean, int)} with one copy of the observed run. */
    public static double validationError(List<Split> splits, String law, double strength, boolean balanced) {
        return validationError(splits, law, strength, balanced, 1);
    }

    /** {@link #validationError(List, String, double, boolean, int, FitResult)} with cold (multi-start) fits. */
    public static double validationError(List<Split> splits, String law, double strength, boolean balanced,
                                         int headCopies) {
        return validationError(splits, law, strength, balanced, headCopies, null);
    }

    /**
     * Mean over the splits of the mean relative error on the held-out post-warmup points; +infinity if a fit or a
     * forecast fails, NaN if there are no splits. With {@code warmFrom} (a fit of the same law on all the runs)
     * each split's fit starts LM from its parameters ({@code LawFitter.withWarmStart}) instead of the multi-start:
     * a split drops one run or half a head, so its optimum lies near the full fit's.
     */
    public static double validationError(List<Split> splits, String law, double strength, boolean balanced,
                                         int headCopies, FitResult warmFrom) {
        return validationError(splits, law, strength, balanced, headCopies, warmFrom, null);
    }

    /** As above, with the runs' schedule terms from {@code cache} (null: none); the same result either way. */
    private static double validationError(List<Split> splits, String law, double strength, boolean balanced,
                                          int headCopies, FitResult warmFrom, PreparedCurveCache cache) {
        return ForecastValidation.error(splits,
                ForecastValidation.points(splits, law, strength, balanced, headCopies, warmFrom, cache));
    }

    /**
     * Fits the requested law ({@code momentum}, {@code multipower} or {@code auto}), choosing the multi-power prior
     * strength (when {@link #PRIOR_STRENGTHS} offers several) and head copies by validation; for {@code auto}, both
     * laws, combined in log space with weights proportional to 1 / validation error^2. Each law is fitted once on
     * all the runs by its multi-start; the validation fits start from that fit. With {@code balanced} (observe mode:
     * the last run is the partially observed one, the others are references) each run's points weigh as much in
     * total, so the short observed head is not outweighed by the long reference runs. Never throws for bad data:
     * failed fits are in {@link #fits()} ({@link #ok()} false).
     *
     * @throws IllegalArgumentException for an unknown law name or no runs
     */
    public static ForecastModel select(List<RunObservations> runs, String law, boolean balanced) {
        return select(runs, law, balanced, PreparedCurveCache.withCapacity(runs.size() + 4));
    }

    /**
     * As {@link #select(List, String, boolean)}, with the runs' schedule terms from {@code cache}, which keeps them
     * for later calls on the same run objects (e.g. a live task's unchanged references); the same model either
     * way. The cache should hold at least {@code runs.size() + 2} runs.
     */
    public static ForecastModel select(List<RunObservations> runs, String law, boolean balanced,
                                       PreparedCurveCache cache) {
        if (!law.equals("momentum") && !law.equals("multipower") && !law.equals("auto")) {
            throw new IllegalArgumentException("law must be momentum, multipower or auto, got " + law);
        }
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("no runs to fit");
        }
        if (law.equals("momentum")) {
            return new ForecastModel("momentum", List.of(fitLaw(runs, "momentum", balanced, 0, 1, cache)),
                    new double[] {1},
                    balanced, 0, 1);
        }
        List<Split> splits = splits(runs, balanced);
        double firstK = PRIOR_STRENGTHS[0];
        FitResult mpFirst = fitLaw(runs, "multipower", balanced, firstK, 1, cache);
        FitResult warmMp = mpFirst.ok() ? mpFirst : null;
        double bestK = firstK;
        int bestCopies = 1;
        double bestE = Double.POSITIVE_INFINITY;
        double[][] mpPoints = null;
        for (int copies : balanced ? HEAD_COPIES : new int[] {1}) {
            for (double k : PRIOR_STRENGTHS) {
                double[][] pts = ForecastValidation.points(splits, "multipower", k, balanced, copies, warmMp, cache);
                double e = ForecastValidation.error(splits, pts);
                if (e < bestE) {
                    bestE = e;
                    bestK = k;
                    bestCopies = copies;
                    mpPoints = pts;
                }
            }
        }
        FitResult mp = bestK == firstK && bestCopies == 1 ? mpFirst
                : fitter("multipower", balanced, bestK).withWarmStart(warmMp)
                        .fit(headCopies(runs, balanced, bestCopies), cache);
        String mpName = String.format(Locale.ROOT, "multipower prior=%s%s (val %.3f%%)", bestK,
                bestCopies > 1 ? " head x" + bestCopies : "", 100 * bestE);
        if (law.equals("multipower")) {
            return new ForecastModel(mpName, List.of(mp), new double[] {1}, balanced, bestK, bestCopies);
        }
        FitResult mo = fitLaw(runs, "momentum", balanced, 0, 1, cache);
        if (!mp.ok()) {
            return new ForecastModel("momentum", List.of(mo), new double[] {1}, balanced, 0, 1);
        }
        if (!mo.ok()) {
            return new ForecastModel(mpName, List.of(mp), new double[] {1}, balanced, bestK, bestCopies);
        }
        if (splits.size() >= STACKING_MIN_SPLITS) {
            return stacked(runs, splits, balanced, cache, mo, mp, mpPoints, mpName, bestK, bestCopies);
        }
        double eMo = validationError(splits, "momentum", 0, balanced, 1, mo, cache);
        double[] w = Double.isNaN(bestE) || Double.isNaN(eMo) ? new double[] {0.5, 0.5}
                : Ensemble.inverseSquareWeights(new double[] {eMo, bestE});
        String name = String.format(Locale.ROOT, "ensemble momentum (val %.3f%%) %.2f + %s %.2f", 100 * eMo, w[0],
                mpName, w[1]);
        return new ForecastModel(name, List.of(mo, mp), w, balanced, bestK, bestCopies);
    }

    /**
     * {@code auto}'s ensemble (issue 13): momentum, the scaled-loss-drop multi-power law (same prior strength and
     * head copies as the multi-power member) and the multi-power law, weighted by {@link Ensemble#stackedWeights}
     * on the validation splits' point forecasts (fitted data only); members with weight 0 are left out. Without
     * splits, momentum and multi-power share equally.
     */
    private static ForecastModel stacked(List<RunObservations> runs, List<Split> splits, boolean balanced,
                                         PreparedCurveCache cache, FitResult mo, FitResult mp, double[][] mpPoints,
                                         String mpName, double k, int copies) {
        double[][] moPoints = ForecastValidation.points(splits, "momentum", 0, balanced, 1, mo, cache);
        FitResult sc = fitter(SCALED, balanced, k).fit(headCopies(runs, balanced, copies), cache);
        double[][] scPoints = sc.ok() ? ForecastValidation.points(splits, SCALED, k, balanced, copies, sc, cache)
                : null;
        List<FitResult> all = List.of(mo, sc, mp);
        double[][][] points = {moPoints, scPoints, mpPoints};
        double[] w = splits.isEmpty() ? null : Ensemble.stackedWeights(points, ForecastValidation.heldTruths(splits),
                STACKING_GRID);
        if (w == null) {
            w = new double[] {0.5, 0, 0.5};
        }
        List<FitResult> kept = new ArrayList<>();
        List<Double> kw = new ArrayList<>();
        StringBuilder name = new StringBuilder("ensemble");
        String[] labels = {"momentum", SCALED, mpName};
        for (int i = 0; i < all.size(); i++) {
            if (w[i] > 0) {
                kept.add(all.get(i));
                kw.add(w[i]);
                double e = ForecastValidation.error(splits, points[i]);
                name.append(kept.size() == 1 ? " " : " + ").append(labels[i]).append(i == 2 ? "" : String.format(
                        Locale.ROOT, " (val %.3f%%)", 100 * e)).append(String.format(Locale.ROOT, " %.2f", w[i]));
            }
        }
        if (kept.size() == 1) {
            FitResult only = kept.get(0);
            boolean isMo = only == mo;
            return new ForecastModel(isMo ? "momentum" : only == mp ? mpName : SCALED, kept, new double[] {1},
                    balanced, isMo ? 0 : k, isMo ? 1 : copies);
        }
        return new ForecastModel(name.toString(), kept, kw.stream().mapToDouble(Double::doubleValue).toArray(),
                balanced, k, copies);
    }

    /** The law name of a member fit, as in {@link Member#law()}. */
    private static String memberLaw(LossLaw l) {
        return l instanceof MomentumLaw ? "momentum"
                : l instanceof MultiPowerLaw m && m.scaledLossDrop() ? SCALED : "multipower";
    }

    /**
     * A warm refit of this model on {@code runs}: same hyper-parameters and weights, each member warm-started from
     * its current parameters; see {@link #refit(Seed, List)}.
     */
    public ForecastModel refit(List<RunObservations> runs) {
        return refit(seed(), runs);
    }

    /**
     * A warm refit from a {@link Seed}: each member is refitted on {@code runs} with the seed's prior strength and
     * head copies, starting LM from the member's parameters ({@code LawFitter} falls back to its multi-start when
     * that start does not converge, or when whether annealing is identified has changed); the weights and the name
     * are kept. No validation fits. Never throws for bad data.
     *
     * @throws IllegalArgumentException for no runs
     */
    public static ForecastModel refit(Seed seed, List<RunObservations> runs) {
        return refit(seed, runs, PreparedCurveCache.withCapacity(runs.size() + 1));
    }

    /**
     * As {@link #refit(Seed, List)}, with the runs' schedule terms from {@code cache}, which keeps them for later
     * calls on the same run objects: a live task's references are then prepared once, not at every refit. The same
     * model either way.
     */
    public static ForecastModel refit(Seed seed, List<RunObservations> runs, PreparedCurveCache cache) {
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("no runs to fit");
        }
        List<FitResult> out = new ArrayList<>();
        for (Member m : seed.members()) {
            boolean mp = !m.law().equals("momentum");
            LawFitter fitter = fitter(m.law(), seed.balanced(), mp ? seed.priorStrength() : 0);
            if (m.params.length > 0) {
                fitter = fitter.withWarmStart(m.variant(), m.params, m.annealingIdentified());
            }
            out.add(fitter.fit(headCopies(runs, seed.balanced(), mp ? seed.headCopies() : 1), cache));
        }
        return new ForecastModel(seed.name(), out, seed.weights(), seed.balanced(), seed.priorStrength(),
                seed.headCopies());
    }

    /** {@link #fitLaw(List, String, boolean, double, int)} with one copy of the observed run. */
    public static FitResult fitLaw(List<RunObservations> runs, String law, boolean balanced, double priorStrength) {
        return fitLaw(runs, law, balanced, priorStrength, 1);
    }

    /**
     * Fits one law ({@code momentum}, or {@code multipower} with the kernel prior of the given strength).
     * {@code headCopies > 1} (balanced mode only) enters the last run, the partially observed one, that many times
     * into the balanced fit, so it weighs {@code headCopies} times as much as each reference run.
     */
    public static FitResult fitLaw(List<RunObservations> runs, String law, boolean balanced, double priorStrength,
                                   int headCopies) {
        return fitLaw(runs, law, balanced, priorStrength, headCopies, null);
    }

    private static FitResult fitLaw(List<RunObservations> runs, String law, boolean balanced, double priorStrength,
                                    int headCopies, PreparedCurveCache cache) {
        return fitter(law, balanced, priorStrength).fit(headCopies(runs, balanced, headCopies), cache);
    }

    static LawFitter fitter(String law, boolean balanced, double priorStrength) {
        if (law.equals("momentum")) {
            return LawFitter.create(MomentumLaw.create()).withBalancedRuns(balanced);
        }
        return LawFitter.create(law.equals(SCALED) ? MultiPowerLaw.withScaledLossDrop() : MultiPowerLaw.create())
                .withBalancedRuns(balanced)
                .withPrior(MULTIPOWER_PRIOR, priorStrength);
    }

    static List<RunObservations> headCopies(List<RunObservations> runs, boolean balanced, int headCopies) {
        List<RunObservations> r = runs;
        if (balanced && headCopies > 1) {
            r = new ArrayList<>(runs);
            for (int i = 1; i < headCopies; i++) {
                r.add(runs.get(runs.size() - 1));
            }
        }
        return r;
    }

    @Override
    public String toString() {
        return "ForecastModel[" + name + ", " + fits + "]";
    }
}
