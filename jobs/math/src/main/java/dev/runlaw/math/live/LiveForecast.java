package dev.runlaw.math.live;

import dev.runlaw.math.forecast.Forecast;
import java.util.List;

/**
 * One live forecast of a run, as {@link RunTracker#forecast} makes it.
 *
 * @param runId            the run
 * @param step             last observed step (the forecast's {@code lastObservedStep})
 * @param observedPoints   measured post-warmup loss points received so far
 * @param stepWallTimeMs   wall time of the last observed step, epoch ms (not the time of the forecast)
 * @param status           most severe condition (see {@link Status})
 * @param issues           every condition present, with counts, one line each
 * @param law              the model's name ({@code momentum}, {@code multipower prior=...} or {@code ensemble ...});
 *                         empty when no fit was made
 * @param paramNames       parameter names ({@code <law>.<param>} and {@code <law>.weight} for an ensemble)
 * @param paramValues      parameter values, one per name
 * @param rmsLogResidual   RMS of {@code ln Lhat - ln L} over the fitted points (weight-averaged over ensemble members)
 * @param fitPoints        points in the (first member's) fit, references included
 * @param referenceRuns    names of the reference runs fitted with this one
 * @param plannedFinalStep the step the final forecast is for
 * @param finalForecast    forecast at {@code plannedFinalStep} under the planned schedule, 90 % interval; null when
 *                         no fit was made
 * @param curve            forecasts at a few dozen steps from {@code step + 1} to {@code plannedFinalStep}
 * @param whatIfs          forecasts under what-if decays
 */
public record LiveForecast(String runId, long step, long observedPoints, long stepWallTimeMs, Status status,
                           List<String> issues, String law, List<String> paramNames, double[] paramValues,
                           double rmsLogResidual, int fitPoints, List<String> referenceRuns, long plannedFinalStep,
                           Forecast finalForecast, List<Forecast> curve, List<WhatIf> whatIfs) {
    public LiveForecast {
        issues = List.copyOf(issues);
        paramNames = List.copyOf(paramNames);
        paramValues = paramValues.clone();
        referenceRuns = List.copyOf(referenceRuns);
        curve = List.copyOf(curve);
        whatIfs = List.copyOf(whatIfs);
    }

    @Override
    public double[] paramValues() {
        return paramValues.clone();
    }
}
