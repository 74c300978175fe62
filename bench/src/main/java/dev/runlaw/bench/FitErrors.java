package dev.runlaw.bench;

import dev.runlaw.math.data.RunCurve;
import dev.runlaw.math.law.LossLaw;
import dev.runlaw.math.schedule.LrSchedule;
import java.util.ArrayList;
import java.util.List;

/**
 * Error measures of a fitted law on runs, as both loss-law papers report them: the relative error
 * {@code |Lhat - L| / L} averaged over a run's measured post-warmup points ("PredE", Luo et al. 2025, arXiv
 * 2503.12811; Tissue et al. 2024, arXiv 2408.11029), each run predicted under its own LR column. Pure.
 */
public final class FitErrors {
    private FitErrors() {
    }

    /** Mean of {@code |Lhat - L| / L} over every measured post-warmup point of all {@code runs} pooled. */
    public static double pooled(LossLaw law, double[] params, List<RunCurve> runs) {
        double sum = 0;
        long n = 0;
        for (RunCurve c : runs) {
            double[] e = relativeErrors(law, params, c);
            for (double x : e) {
                sum += x;
            }
            n += e.length;
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** PredE of one run: mean of {@code |Lhat - L| / L} over its measured post-warmup points. */
    public static double predE(LossLaw law, double[] params, RunCurve run) {
        double[] e = relativeErrors(law, params, run);
        double s = 0;
        for (double x : e) {
            s += x;
        }
        return e.length == 0 ? Double.NaN : s / e.length;
    }

    /**
     * The fitters' objective at {@code params}: {@code sum Huber_delta(ln Lhat - ln L)} over every measured post-warmup
     * point of {@code runs}, with {@code Huber_delta(r) = r^2 / 2} for {@code |r| <= delta}, else
     * {@code delta (|r| - delta / 2)}. Infinite when a prediction is not positive.
     */
    public static double huberObjective(LossLaw law, double[] params, List<RunCurve> runs, double delta) {
        double sum = 0;
        for (RunCurve c : runs) {
            LrSchedule schedule = LrSchedule.of(c.firstStep(), c.lr());
            long[] steps = postWarmupSteps(c, schedule);
            double[] pred = law.predict(params, schedule, steps);
            for (int i = 0; i < steps.length; i++) {
                if (!(pred[i] > 0)) {
                    return Double.POSITIVE_INFINITY;
                }
                double r = Math.log(pred[i]) - Math.log(c.lossAt(steps[i]));
                double a = Math.abs(r);
                sum += a <= delta ? 0.5 * r * r : delta * (a - 0.5 * delta);
            }
        }
        return sum;
    }

    /** {@code |Lhat - L| / L} at each measured post-warmup point of {@code run} (the points a fit uses). */
    public static double[] relativeErrors(LossLaw law, double[] params, RunCurve run) {
        LrSchedule schedule = LrSchedule.of(run.firstStep(), run.lr());
        long[] steps = postWarmupSteps(run, schedule);
        double[] pred = law.predict(params, schedule, steps);
        double[] out = new double[steps.length];
        for (int i = 0; i < steps.length; i++) {
            double t = run.lossAt(steps[i]);
            out[i] = Math.abs(pred[i] - t) / t;
        }
        return out;
    }

    private static long[] postWarmupSteps(RunCurve run, LrSchedule schedule) {
        List<Long> kept = new ArrayList<>();
        for (long s : run.measuredSteps()) {
            if (s > schedule.peakStep()) {
                kept.add(s);
            }
        }
        return kept.stream().mapToLong(Long::longValue).toArray();
    }
}
