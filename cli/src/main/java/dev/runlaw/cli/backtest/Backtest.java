package dev.runlaw.cli.backtest;

import dev.runlaw.math.data.RunCurve;
import dev.runlaw.math.fit.FitResult;
import dev.runlaw.math.fit.RunObservations;
import dev.runlaw.math.forecast.BacktestProtocol;
import dev.runlaw.math.forecast.Forecast;
import dev.runlaw.math.forecast.ForecastModel;
import dev.runlaw.math.schedule.LrSchedule;
import java.util.ArrayList;
import java.util.List;

/**
 * The backtest protocol on parsed runs: fit the law jointly on the fit and reference runs (plus, with an observe
 * fraction, the observed head of each predicted run), forecast each predicted run under its own LR column, score
 * on its measured points after the cut. The per-run arithmetic is {@link BacktestProtocol} (in the math module, so
 * the live tracker's equivalence test runs the same code); this class times the fits and builds the report.
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
     *                        in log space with weights from their validation errors; see
     *                        {@link ForecastModel#select})
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
        ForecastModel shared = null;
        long sharedMs = 0;
        String chosen = law;
        for (RunCurve p : predict) {
            long cut = BacktestProtocol.cut(p, observeFraction);
            ForecastModel model;
            long ms;
            if (observeFraction > 0 || shared == null) {
                long t0 = System.nanoTime();
                model = BacktestProtocol.select(base, p, observeFraction, law);
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
            LrSchedule schedule = BacktestProtocol.schedule(p);
            long[] steps = BacktestProtocol.scoredSteps(p, schedule, observeFraction);
            Forecast[] fc = BacktestProtocol.forecast(model, p, observeFraction, steps);
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
}
