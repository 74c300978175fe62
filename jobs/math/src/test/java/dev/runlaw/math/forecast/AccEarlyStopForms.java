package dev.runlaw.math.forecast;

import dev.runlaw.math.data.RunCurve;
import dev.runlaw.math.fit.FitResult;
import dev.runlaw.math.fit.LawFitter;
import dev.runlaw.math.fit.RunObservations;
import dev.runlaw.math.law.LossLaw;
import dev.runlaw.math.law.MomentumLaw;
import dev.runlaw.math.law.MultiPowerLaw;
import dev.runlaw.math.schedule.LrSchedule;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Not a test: early stop (reference cosine_24000 plus the observed head, balanced runs, one head copy) with single
 * law forms, the final-loss error per run, to see whether a form explains the 25M constant_24000 miss. Arguments:
 * data directory, then observe fractions.
 */
public final class AccEarlyStopForms {
    private AccEarlyStopForms() {
    }

    public static void main(String[] args) throws Exception {
        Path data = Path.of(args[0]);
        LossLaw[] laws = {MomentumLaw.create(), MultiPowerLaw.create(), MultiPowerLaw.withScaledLossDrop(),
            MultiPowerLaw.withWarmupInLossDrop()};
        for (int a = 1; a < args.length; a++) {
            double f = Double.parseDouble(args[a]);
            for (String size : new String[] {"mpl-25m", "mpl-100m"}) {
                Path dir = data.resolve(size);
                List<RunObservations> base = List.of(RunObservations.of(AccuracyExperiment.load(dir, "cosine_24000")));
                for (LossLaw law : laws) {
                    LawFitter fitter = LawFitter.create(law).withBalancedRuns(true);
                    if (law instanceof MultiPowerLaw) {
                        fitter = fitter.withPrior(ForecastModel.MULTIPOWER_PRIOR, 10);
                    }
                    StringBuilder sb = new StringBuilder();
                    double max = 0;
                    for (String n : AccuracyExperiment.OBSERVE_PREDICT) {
                        RunCurve p = AccuracyExperiment.load(dir, n);
                        long cut = BacktestProtocol.cut(p, f);
                        FitResult fr = fitter.fit(BacktestProtocol.fittedRuns(base, p, cut, f));
                        LrSchedule sch = BacktestProtocol.schedule(p);
                        long[] steps = BacktestProtocol.scoredSteps(p, sch, f);
                        long last = steps[steps.length - 1];
                        double pred = fr.law().predict(fr.params(), sch, new long[] {last})[0];
                        double t = p.lossAt(last);
                        double e = (pred - t) / t;
                        max = Math.max(max, Math.abs(e));
                        sb.append(String.format(Locale.ROOT, " %s %+.3f", n, 100 * e));
                    }
                    System.out.printf(Locale.ROOT, "%s f=%.1f %-28s max %.3f%% |%s%n", size, f,
                            law + " " + law.hyperParameters(), 100 * max, sb);
                }
            }
        }
    }
}
