package dev.runlaw.math.live;

/**
 * The state of a run's forecast, most severe condition first as {@link RunTracker#forecast} ranks them:
 * {@code FIT_FAILED > NAN_LOSS > SCHEDULE_CONTRADICTS_LR > WAITING_FOR_DATA > SCHEDULE_MISSING > OUT_OF_ORDER_STEPS
 * > DUPLICATE_STEPS > OK} (waiting, i.e. no forecast at all, outranks a missing plan). Every condition present is also listed, with counts, in {@link LiveForecast#issues()}.
 */
public enum Status {
    /** Forecast made; nothing to report. */
    OK,
    /** Fewer than {@link RunTracker#MIN_POINTS} post-warmup loss points and no usable reference run: no forecast. */
    WAITING_FOR_DATA,
    /** The law fit (or the final forecast) failed: no usable forecast. */
    FIT_FAILED,
    /** A loss was NaN or infinite: training probably diverged. Forecast from the finite points, flagged. */
    NAN_LOSS,
    /** Steps arrived out of order (ignored). */
    OUT_OF_ORDER_STEPS,
    /** Steps arrived twice (ignored). */
    DUPLICATE_STEPS,
    /** No planned schedule: the forecast holds the last observed LR constant to the planned final step. */
    SCHEDULE_MISSING,
    /** Observed LRs contradict the planned schedule: the forecast uses the observed past and the planned future. */
    SCHEDULE_CONTRADICTS_LR
}
