package dev.runlaw.math.forecast;

import dev.runlaw.math.data.RunCurve;
import dev.runlaw.math.fit.RunObservations;
import dev.runlaw.math.schedule.LrSchedule;
import java.util.ArrayList;
import java.util.List;

/**
 * The backtest protocol's arithmetic for one predicted run, shared by {@code runlaw backtest} and the tests that
 * compare the live job with it (online = offline): which steps are observed, which runs are fitted, how the model is
 * selected, under which schedule it forecasts and which steps are scored.
 *
 * <ul>
 *   <li>observed head: with an observe fraction {@code f > 0}, steps up to
 *       {@code cut = firstStep + floor(f * length) - 1}; with {@code f = 0} nothing ({@code cut = firstStep - 1});</li>
 *   <li>fitted runs: the fit and reference runs, plus the observed head of the predicted run when {@code f > 0};</li>
 *   <li>model: {@link ForecastModel#select}{@code (runs, law, balanced = f > 0)};</li>
 *   <li>forecast: under the predicted run's own per-step LR column, with {@code lastObservedStep = cut} when
 *       {@code f > 0} (else -1: nothing of the run observed);</li>
 *   <li>scored: the run's measured steps after the cut and after its warmup.</li>
 * </ul>
 * Deterministic; no clock (the command times the fits itself).
 */
public final class BacktestProtocol {
    private BacktestProtocol() {
    }

    /** The last observed step of {@code p} at observe fraction {@code f} ({@code firstStep - 1} when 0). */
    public static long cut(RunCurve p, double observeFraction) {
        return observeFraction > 0
                ? p.firstStep() + (long) Math.floor(observeFraction * p.length()) - 1
                : p.firstStep() - 1;
    }

    /** The runs fitted to predict {@code p}: {@code base}, plus {@code p} up to {@code cut} when observing. */
    public static List<RunObservations> fittedRuns(List<RunObservations> base, RunCurve p, long cut,
                                                   double observeFraction) {
        List<RunObservations> runs = new ArrayList<>(base);
        if (observeFraction > 0) {
            runs.add(RunObservations.observedUpTo(p, cut));
        }
        return runs;
    }

    /**
     * The model that forecasts {@code p}: {@link ForecastModel#select} on {@link #fittedRuns}, with balanced runs
     * when observing. With {@code f = 0} it does not depend on {@code p} (the command fits it once).
     *
     * @param law momentum, multipower or auto (see {@link ForecastModel#select})
     */
    public static ForecastModel select(List<RunObservations> base, RunCurve p, double observeFraction, String law) {
        long cut = cut(p, observeFraction);
        return ForecastModel.select(fittedRuns(base, p, cut, observeFraction), law, observeFraction > 0);
    }

    /** {@code p}'s own LR column as a schedule (what the forecast runs under). */
    public static LrSchedule schedule(RunCurve p) {
        return LrSchedule.of(p.firstStep(), p.lr());
    }

    /** Forecasts of {@code p} at {@code steps} by {@code model}, under {@link #schedule}{@code (p)}. */
    public static Forecast[] forecast(ForecastModel model, RunCurve p, double observeFraction, long[] steps) {
        return model.forecast(schedule(p), steps, observeFraction > 0 ? cut(p, observeFraction) : -1);
    }

    /**
     * The steps scored: {@code p}'s measured steps after the cut and after the warmup of {@code schedule}.
     *
     * @throws IllegalArgumentException when there are none
     */
    public static long[] scoredSteps(RunCurve p, LrSchedule schedule, double observeFraction) {
        long cut = cut(p, observeFraction);
        List<Long> scored = new ArrayList<>();
        for (long s : p.measuredSteps()) {
            if (s > cut && s > schedule.peakStep()) {
                scored.add(s);
            }
        }
        if (scored.isEmpty()) {
            throw new IllegalArgumentException(p.name() + ": no measured post-warmup loss after the observed part");
        }
        return scored.stream().mapToLong(Long::longValue).toArray();
    }
}
