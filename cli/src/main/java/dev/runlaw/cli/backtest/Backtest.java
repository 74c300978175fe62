package dev.runlaw.cli.backtest;

import dev.runlaw.math.data.RunCurve;
import dev.runlaw.math.fit.FitResult;
import dev.runlaw.math.fit.LawFitter;
import dev.runlaw.math.fit.RunObservations;
import dev.runlaw.math.forecast.Ensemble;
import dev.runlaw.math.forecast.Forecast;
import dev.runlaw.math.forecast.Forecaster;
import dev.runlaw.math.law.LossLaw;
import dev.runlaw.math.law.MomentumLaw;
import dev.runlaw.math.law.MultiPowerLaw;
import dev.runlaw.math.schedule.LrSchedule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The backtest protocol on parsed runs: fit the law jointly on the fit and reference runs (plus, with an observe
 * fraction, the observed head of each predicted run), forecast each predicted run under its own LR column, score
 * on its measured points after the cut.
 */
public final class Backtest {
    /** Thrown when a fit fails; the command reports it and exits non-zero. */
    public static final class FitFailedException extends RuntimeException {
        FitFailedException(String message) {
            super(message);
        }
    }

    private Backtest() {
    }

    /**
     * Runs the protocol.
     *
     * @param law             momentum, multipower (kernel prior, strength by validation) or auto (both, combined
     *                        in log space with weights from their validation errors; see {@link #select})
     * @param observeFraction fraction of each predicted run's steps observed, in [0, 1)
     */
    public static BacktestReport run(List<RunCurve> fit, List<RunCurve> reference, List<RunCurve> predict,
                                     double observeFraction, String law) {
        List<RunObservations> base = new ArrayList<>();
        for (RunCurve c : fit) {
            base.add(RunObservations.of(c));
        }
        for (RunCurve c : reference) {
            base.add(RunObservations.of(c));
        }
        List<BacktestReport.RunScore> scores = new ArrayList<>();
        long fitMs = 0;
        Model shared = null;
        long sharedMs = 0;
        String chosen = law;
        for (RunCurve p : predict) {
            long cut = observeFraction > 0
                    ? p.firstStep() + (long) Math.floor(observeFraction * p.length()) - 1
                    : p.firstStep() - 1;
            List<RunObservations> runs = new ArrayList<>(base);
            if (observeFraction > 0) {
                runs.add(RunObservations.observedUpTo(p, cut));
            }
            Model model;
            long ms;
            if (observeFraction > 0 || shared == null) {
                long t0 = System.nanoTime();
                model = select(runs, law, observeFraction > 0);
                ms = (System.nanoTime() - t0) / 1_000_000;
                fitMs += ms;
                if (observeFraction == 0) {
                    shared = model;
                    sharedMs = ms;
                }
            } else {
                model = shared;
                ms = sharedMs;
            }
            for (FitResult fr : model.fits()) {
                if (!fr.ok()) {
                    throw new FitFailedException("fit for " + p.name() + " failed: " + fr.status() + ": "
                            + fr.message());
                }
            }
            chosen = model.name();
            LrSchedule schedule = LrSchedule.of(p.firstStep(), p.lr());
            List<Long> scored = new ArrayList<>();
            for (long s : p.measuredSteps()) {
                if (s > cut && s > schedule.peakStep()) {
                    scored.add(s);
                }
            }
            if (scored.isEmpty()) {
                throw new IllegalArgumentException(p.name() + ": no measured post-warmup loss after the observed part");
            }
            long[] steps = scored.stream().mapToLong(Long::longValue).toArray();
            Forecast[] fc = model.forecast(schedule, steps, observeFraction > 0 ? cut : -1);
            double sumE = 0;
            for (int i = 0; i < steps.length; i++) {
                if (!fc[i].ok()) {
                    throw new FitFailedException(p.name() + ": forecast at step " + steps[i] + " failed: "
                            + fc[i].message());
                }
                double t = p.lossAt(steps[i]);
                sumE += Math.abs(fc[i].point() - t) / t;
            }
            Forecast last = fc[fc.length - 1];
            double truth = p.lossAt(steps[steps.length - 1]);
            scores.add(new BacktestReport.RunScore(p.name(), model.name(), model.params(), steps.length,
                    sumE / steps.length, steps[steps.length - 1], Math.abs(last.point() - truth) / truth,
                    last.point(), truth, last.lo(), last.hi(), last.covers(truth), last.logSd(),
                    Math.log((double) steps[steps.length - 1]
                            / (observeFraction > 0 ? cut : Math.max(1, schedule.peakStep()))), ms));
        }
        double meanPred = scores.stream().mapToDouble(BacktestReport.RunScore::predE).average().orElse(Double.NaN);
        double meanFinal = scores.stream().mapToDouble(BacktestReport.RunScore::finalErr).average()
                .orElse(Double.NaN);
        double maxFinal = scores.stream().mapToDouble(BacktestReport.RunScore::finalErr).max().orElse(Double.NaN);
        double cov = scores.stream().mapToDouble(s -> s.covered() ? 1 : 0).average().orElse(Double.NaN);
        return new BacktestReport(law.equals("auto") ? "auto:" + chosen : law, observeFraction, scores, meanPred,
                meanFinal, maxFinal, cov, fitMs);
    }

    /** Prior means of the multi-power law's kernel parameters: the authors' initialisation C = 1, beta = gamma = 0.5. */
    static final double[] MULTIPOWER_PRIOR = {Double.NaN, Double.NaN, Double.NaN, Double.NaN, 1, 0.5, 0.5};
    /** Candidate prior strengths for the multi-power law, chosen per fit by validation on the fitted data. */
    static final double[] PRIOR_STRENGTHS = {0.1, 1, 10};
    /** Candidate weights of the observed run relative to each reference run (observe mode), chosen likewise. */
    static final int[] HEAD_COPIES = {1, 3};

    /** A fitted forecaster: one law, or a weighted log-space ensemble of laws. */
    record Model(String name, List<FitResult> fits, double[] weights) {
        Forecast[] forecast(LrSchedule schedule, long[] steps, long lastObserved) {
            if (fits.size() == 1) {
                return Forecaster.create(fits.get(0)).withLastObservedStep(lastObserved).forecast(schedule, steps);
            }
            // Ensemble: members without their own horizon terms, the ensemble's calibrated one added to the mixture.
            Forecast[][] m = new Forecast[fits.size()][];
            Forecaster first = null;
            for (int i = 0; i < m.length; i++) {
                Forecaster f = Forecaster.create(fits.get(i)).withDiscrepancy(0).withLastObservedStep(lastObserved);
                first = first == null ? f : first;
                m[i] = f.forecast(schedule, steps);
            }
            double[] extra = new double[steps.length];
            for (int i = 0; i < steps.length; i++) {
                extra[i] = Forecaster.ENSEMBLE_DISCREPANCY * first.logHorizon(schedule, steps[i]);
            }
            return Ensemble.combine(m, weights, 0.9, extra);
        }

        Map<String, Double> params() {
            Map<String, Double> out = new LinkedHashMap<>();
            for (int f = 0; f < fits.size(); f++) {
                FitResult fr = fits.get(f);
                String prefix = fits.size() == 1 ? "" : fr.law().name() + ".";
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
    }

    /** One validation split: fit on {@code train}, forecast {@code held}'s post-warmup points. */
    record Split(List<RunObservations> train, RunObservations held) {
    }

    /**
     * Validation splits that use only the fitted data. Paper protocol (several complete runs): leave one run out.
     * Observe mode (the last run is the partially observed one): fit on the other runs plus the first half of the
     * observed part, forecast its second half.
     */
    static List<Split> splits(List<RunObservations> runs, boolean observeMode) {
        List<Split> out = new ArrayList<>();
        if (observeMode) {
            RunObservations head = runs.get(runs.size() - 1);
            List<Long> post = new ArrayList<>();
            for (long s : head.steps()) {
                if (s > head.schedule().peakStep()) {
                    post.add(s);
                }
            }
            if (post.size() >= 8) {
                long mid = post.get(post.size() / 2 - 1);
                List<RunObservations> train = new ArrayList<>(runs.subList(0, runs.size() - 1));
                train.add(slice(head, Long.MIN_VALUE, mid));
                out.add(new Split(train, slice(head, mid + 1, Long.MAX_VALUE)));
            }
            return out;
        }
        if (runs.size() < 2) {
            return out;
        }
        for (int i = 0; i < runs.size(); i++) {
            List<RunObservations> train = new ArrayList<>(runs);
            RunObservations held = train.remove(i);
            out.add(new Split(train, held));
        }
        return out;
    }

    private static RunObservations slice(RunObservations r, long from, long to) {
        long[] s = r.steps();
        double[] l = r.losses();
        int n = 0;
        for (long x : s) {
            if (x >= from && x <= to) {
                n++;
            }
        }
        long[] ss = new long[n];
        double[] ll = new double[n];
        int k = 0;
        for (int i = 0; i < s.length; i++) {
            if (s[i] >= from && s[i] <= to) {
                ss[k] = s[i];
                ll[k++] = l[i];
            }
        }
        return new RunObservations(r.name(), r.schedule(), ss, ll);
    }

    /**
     * Mean over the splits of the mean relative error on the held-out post-warmup points; +infinity if a fit or a
     * forecast fails, NaN if there are no splits.
     */
    static double validationError(List<Split> splits, String law, double strength, boolean balanced) {
        return validationError(splits, law, strength, balanced, 1);
    }

    static double validationError(List<Split> splits, String law, double strength, boolean balanced,
                                  int headCopies) {
        if (splits.isEmpty()) {
            return Double.NaN;
        }
        double sum = 0;
        for (Split sp : splits) {
            FitResult fr = fitLaw(sp.train(), law, balanced, strength, headCopies);
            if (!fr.ok()) {
                return Double.POSITIVE_INFINITY;
            }
            List<Long> steps = new ArrayList<>();
            List<Double> truth = new ArrayList<>();
            long[] hs = sp.held().steps();
            for (int i = 0; i < hs.length; i++) {
                if (hs[i] > sp.held().schedule().peakStep()) {
                    steps.add(hs[i]);
                    truth.add(sp.held().losses()[i]);
                }
            }
            if (steps.isEmpty()) {
                continue;
            }
            Forecast[] fc = Forecaster.create(fr).forecast(sp.held().schedule(),
                    steps.stream().mapToLong(Long::longValue).toArray());
            double e = 0;
            for (int i = 0; i < fc.length; i++) {
                if (!fc[i].ok()) {
                    return Double.POSITIVE_INFINITY;
                }
                e += Math.abs(fc[i].point() - truth.get(i)) / truth.get(i);
            }
            sum += e / fc.length;
        }
        return sum / splits.size();
    }

    /**
     * Fits the requested law, choosing the multi-power prior strength by validation; for {@code auto}, both laws,
     * combined in log space with weights proportional to 1 / validation error^2. With an observe fraction the runs
     * are balanced (each run's points weigh as much in total): the partially observed run is the one forecast, and
     * its short head would otherwise be outweighed by the long reference runs.
     */
    static Model select(List<RunObservations> runs, String law, boolean balanced) {
        List<Split> splits = splits(runs, balanced);
        if (law.equals("momentum")) {
            return new Model("momentum", List.of(fitLaw(runs, "momentum", balanced, 0)), new double[] {1});
        }
        double bestK = 1;
        int bestCopies = 1;
        double bestE = Double.POSITIVE_INFINITY;
        for (int copies : balanced ? HEAD_COPIES : new int[] {1}) {
            for (double k : PRIOR_STRENGTHS) {
                double e = validationError(splits, "multipower", k, balanced, copies);
                if (e < bestE) {
                    bestE = e;
                    bestK = k;
                    bestCopies = copies;
                }
            }
        }
        FitResult mp = fitLaw(runs, "multipower", balanced, bestK, bestCopies);
        String mpName = String.format(Locale.ROOT, "multipower prior=%s%s (val %.3f%%)", bestK,
                bestCopies > 1 ? " head x" + bestCopies : "", 100 * bestE);
        if (law.equals("multipower")) {
            return new Model(mpName, List.of(mp), new double[] {1});
        }
        FitResult mo = fitLaw(runs, "momentum", balanced, 0);
        if (!mp.ok()) {
            return new Model("momentum", List.of(mo), new double[] {1});
        }
        if (!mo.ok()) {
            return new Model(mpName, List.of(mp), new double[] {1});
        }
        double eMo = validationError(splits, "momentum", 0, balanced);
        double[] w = Double.isNaN(bestE) || Double.isNaN(eMo) ? new double[] {0.5, 0.5}
                : Ensemble.inverseSquareWeights(new double[] {eMo, bestE});
        String name = String.format(Locale.ROOT, "ensemble momentum (val %.3f%%) %.2f + %s %.2f", 100 * eMo, w[0],
                mpName, w[1]);
        return new Model(name, List.of(mo, mp), w);
    }

    static FitResult fitLaw(List<RunObservations> runs, String law, boolean balanced, double priorStrength) {
        return fitLaw(runs, law, balanced, priorStrength, 1);
    }

    /**
     * Fits one law. {@code headCopies > 1} (observe mode only) enters the last run, the partially observed one,
     * that many times into the balanced fit, so it weighs {@code headCopies} times as much as each reference run.
     */
    static FitResult fitLaw(List<RunObservations> runs, String law, boolean balanced, double priorStrength,
                            int headCopies) {
        List<RunObservations> r = runs;
        if (balanced && headCopies > 1) {
            r = new ArrayList<>(runs);
            for (int i = 1; i < headCopies; i++) {
                r.add(runs.get(runs.size() - 1));
            }
        }
        if (law.equals("momentum")) {
            return LawFitter.create(MomentumLaw.create()).withBalancedRuns(balanced).fit(r);
        }
        return LawFitter.create(MultiPowerLaw.create()).withBalancedRuns(balanced)
                .withPrior(MULTIPOWER_PRIOR, priorStrength).fit(r);
    }

    static LossLaw lawFor(String name) {
        return name.equals("multipower") ? MultiPowerLaw.create() : MomentumLaw.create();
    }
}
