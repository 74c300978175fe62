package dev.runlaw.math.forecast;

import dev.runlaw.math.data.RunCurve;
import dev.runlaw.math.fit.FitResult;
import dev.runlaw.math.fit.RunObservations;
import dev.runlaw.math.schedule.LrSchedule;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Not a test: where the held-out error of the paper protocol comes from. For each size and law, each predicted
 * run's PredE, final error and its signed relative error {@code (Lhat - L) / L} averaged over ten equal-count bins of
 * the scored points (the residual's shape over the run), then the fitted runs' in-sample residuals the same way.
 * Arguments: data directory (holding {@code mpl-25m/}, {@code mpl-100m/}), then laws (momentum, multipower, auto).
 */
public final class AccResidualShape {
    private AccResidualShape() {
    }

    public static void main(String[] args) throws Exception {
        Path data = Path.of(args[0]);
        for (int a = 1; a < args.length; a++) {
            for (String size : new String[] {"mpl-25m", "mpl-100m"}) {
                Path dir = data.resolve(size);
                List<RunObservations> base = new ArrayList<>();
                for (String n : AccuracyExperiment.FIT) {
                    base.add(RunObservations.of(AccuracyExperiment.load(dir, n)));
                }
                ForecastModel m = ForecastModel.select(base, args[a], false);
                System.out.printf(Locale.ROOT, "%s %s: %s%n", size, args[a], m.name());
                for (FitResult f : m.fits()) {
                    System.out.println("   " + f.law() + " " + m.params());
                    break;
                }
                for (String n : AccuracyExperiment.PAPER_PREDICT) {
                    print(m, AccuracyExperiment.load(dir, n), "test");
                }
                for (String n : AccuracyExperiment.FIT) {
                    print(m, AccuracyExperiment.load(dir, n), "fit ");
                }
            }
        }
    }

    static void print(ForecastModel m, RunCurve p, String tag) {
        LrSchedule sch = BacktestProtocol.schedule(p);
        long[] steps = BacktestProtocol.scoredSteps(p, sch, 0);
        Forecast[] fc = m.forecast(sch, steps, -1);
        double pe = 0;
        double[] bins = new double[10];
        int[] cnt = new int[10];
        for (int i = 0; i < steps.length; i++) {
            double t = p.lossAt(steps[i]);
            double e = (fc[i].point() - t) / t;
            pe += Math.abs(e);
            int b = Math.min(9, i * 10 / steps.length);
            bins[b] += e;
            cnt[b]++;
        }
        double t = p.lossAt(steps[steps.length - 1]);
        StringBuilder sb = new StringBuilder();
        for (int b = 0; b < 10; b++) {
            sb.append(String.format(Locale.ROOT, " %+6.3f", 100 * bins[b] / Math.max(1, cnt[b])));
        }
        System.out.printf(Locale.ROOT, "  %s %-18s pe %.3f final %+.3f |%s%n", tag, p.name(), 100 * pe / steps.length,
                100 * (fc[fc.length - 1].point() - t) / t, sb);
    }
}
