package dev.runlaw.cli.backtest;

import java.util.List;
import java.util.Locale;

/**
 * The backtest's measurements; serialised to JSON with snake_case names ({@code pred_e}, {@code final_err}, ...).
 * Relative errors are fractions (0.001 = 0.1 %).
 *
 * @param law            law used (for {@code auto}: the one chosen)
 * @param observeFraction fraction of each predicted run observed before forecasting
 * @param runs           per predicted run
 * @param meanPredE      mean of the runs' {@code pred_e}
 * @param meanFinalErr   mean of the runs' {@code final_err}
 * @param maxFinalErr    max of the runs' {@code final_err}
 * @param coverage90     fraction of runs whose final true loss lies in their 90 % interval
 * @param fitMs          wall time of the fit(s), milliseconds
 */
public record BacktestReport(String law, double observeFraction, List<RunScore> runs, double meanPredE,
                             double meanFinalErr, double maxFinalErr, double coverage90, long fitMs) {

    /**
     * One predicted run's scores.
     *
     * @param name       run name (file name without .csv)
     * @param law        law fitted for this run (with hyper-parameters)
     * @param params     fitted parameters by name
     * @param scoredPoints number of measured points scored
     * @param predE      mean over scored points of |pred - true| / true
     * @param finalStep  last measured step
     * @param finalErr   |pred - true| / true at the last measured step
     * @param finalPred  forecast at the last measured step
     * @param finalTrue  measured loss at the last measured step
     * @param lo90       lower end of the 90 % interval at the last measured step
     * @param hi90       upper end
     * @param covered    whether finalTrue lies within [lo90, hi90]
     * @param logSd      predictive standard deviation of ln(loss) at the last measured step
     * @param horizon    ln(last measured step / last observed step of the run, or its warmup end if unobserved)
     * @param fitMs      wall time of the fit used for this run (shared fits count once in the total)
     */
    public record RunScore(String name, String law, java.util.Map<String, Double> params, int scoredPoints,
                           double predE, long finalStep, double finalErr, double finalPred, double finalTrue,
                           double lo90, double hi90, boolean covered, double logSd, double horizon,
                           long fitMs) {
    }

    /** A human-readable summary for stdout. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "law %s, observe-fraction %.2f%n", law, observeFraction));
        sb.append(String.format(Locale.ROOT, "%-22s %8s %9s %10s %10s %21s %s%n", "run", "pred_e%", "final_err%",
                "final_pred", "final_true", "90% interval", "covered"));
        for (RunScore r : runs) {
            sb.append(String.format(Locale.ROOT, "%-22s %8.4f %9.4f %10.5f %10.5f [%9.5f,%9.5f] %s%n", r.name(),
                    100 * r.predE(), 100 * r.finalErr(), r.finalPred(), r.finalTrue(), r.lo90(), r.hi90(),
                    r.covered() ? "yes" : "NO"));
        }
        sb.append(String.format(Locale.ROOT,
                "mean_pred_e %.4f%%  mean_final_err %.4f%%  max_final_err %.4f%%  coverage90 %.3f  fit_ms %d%n",
                100 * meanPredE, 100 * meanFinalErr, 100 * maxFinalErr, coverage90, fitMs));
        return sb.toString();
    }
}
