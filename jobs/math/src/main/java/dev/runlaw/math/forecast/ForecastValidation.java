package dev.runlaw.math.forecast;

import dev.runlaw.math.fit.FitResult;
import dev.runlaw.math.fit.LawFitter;
import dev.runlaw.math.fit.PreparedCurveCache;
import dev.runlaw.math.fit.RunObservations;
import dev.runlaw.math.forecast.ForecastModel.Split;
import dev.runlaw.math.schedule.LrSchedule;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link ForecastModel}'s validation on fitted data only: the splits (leave one run out, or the observed run's
 * second half), each split's point forecasts from a fit on its training runs, and their mean relative error on the
 * held-out post-warmup points. What the model's choices (prior strength, head copies, ensemble weights) are made on.
 */
final class ForecastValidation {

    private ForecastValidation() {
    }

    /**
     * Validation splits that use only the fitted data. Paper protocol (several complete runs): leave one run out.
     * Observe mode (the last run is the partially observed one): fit on the other runs plus the first half of the
     * observed run's post-warmup points, forecast its second half (no split with fewer than 8 such points).
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
     * Per split, the point forecasts of a fit on its training runs at its held-out run's post-warmup points (an
     * empty array when there are none); null if a fit or a forecast fails.
     */
    static double[][] points(List<Split> splits, String law, double strength, boolean balanced,
                                               int headCopies, FitResult warmFrom, PreparedCurveCache cache) {
        double[][] out = new double[splits.size()][];
        for (int s = 0; s < splits.size(); s++) {
            Split sp = splits.get(s);
            // Only the fold's point forecasts are scored: no covariance or residual statistics (same parameters).
            LawFitter f = ForecastModel.fitter(law, balanced, strength).withDiagnostics(false);
            if (warmFrom != null) {
                f = f.withWarmStart(warmFrom);
            }
            FitResult fr = f.fit(ForecastModel.headCopies(sp.train(), balanced, headCopies), cache);
            if (!fr.ok()) {
                return null;
            }
            long[] steps = java.util.Arrays.stream(sp.held().steps())
                    .filter(x -> x > sp.held().schedule().peakStep()).toArray();
            out[s] = steps.length == 0 ? new double[0] : pointForecasts(fr, sp.held(), steps, cache);
            if (out[s] == null) {
                return null;
            }
        }
        return out;
    }

    /**
     * The point forecasts of {@link Forecaster} at {@code steps} (all after the warmup), or null if one fails. With
     * the annealing identified the point is the law's value, computed directly (no interval: the validation needs
     * none); otherwise through {@link Forecaster}, whose point then carries the annealing prior. {@code steps} are
     * all of {@code held}'s post-warmup steps, so the law's terms there may come from {@code cache}.
     */
    private static double[] pointForecasts(FitResult fr, RunObservations held, long[] steps,
                                           PreparedCurveCache cache) {
        LrSchedule schedule = held.schedule();
        double[] out = new double[steps.length];
        if (fr.annealingIdentified()) {
            if (cache != null) {
                cache.prepared(fr.law(), held).evaluate(fr.params(), out, 0, null);
            } else {
                out = fr.law().predict(fr.params(), schedule, steps);
            }
            for (double v : out) {
                if (!(v > 0) || !Double.isFinite(v)) {
                    return null;
                }
            }
            return out;
        }
        Forecast[] fc = Forecaster.create(fr).forecast(schedule, steps);
        for (int i = 0; i < fc.length; i++) {
            if (!fc[i].ok()) {
                return null;
            }
            out[i] = fc[i].point();
        }
        return out;
    }

    /**
     * The validation error of per-split point forecasts ({@link #points}; null: +infinity), NaN if there
     * are no splits.
     */
    static double error(List<Split> splits, double[][] points) {
        if (splits.isEmpty()) {
            return Double.NaN;
        }
        if (points == null) {
            return Double.POSITIVE_INFINITY;
        }
        double sum = 0;
        for (int s = 0; s < splits.size(); s++) {
            double[] truth = heldTruth(splits.get(s));
            double e = 0;
            for (int i = 0; i < truth.length; i++) {
                e += Math.abs(points[s][i] - truth[i]) / truth[i];
            }
            sum += truth.length == 0 ? 0 : e / truth.length;
        }
        return sum / splits.size();
    }

    /** A split's measured losses at its held-out run's post-warmup points. */
    private static double[] heldTruth(Split sp) {
        long[] hs = sp.held().steps();
        double[] ls = sp.held().losses();
        List<Double> truth = new ArrayList<>();
        for (int i = 0; i < hs.length; i++) {
            if (hs[i] > sp.held().schedule().peakStep()) {
                truth.add(ls[i]);
            }
        }
        return truth.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Per split, {@link #heldTruth}: what {@link #points} are scored against. */
    static double[][] heldTruths(List<Split> splits) {
        double[][] out = new double[splits.size()][];
        for (int s = 0; s < out.length; s++) {
            out[s] = heldTruth(splits.get(s));
        }
        return out;
    }
}
