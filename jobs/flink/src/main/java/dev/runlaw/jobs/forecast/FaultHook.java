package dev.runlaw.jobs.forecast;

import java.io.Serializable;

/**
 * Failure injection for tests: {@link RunSession} calls {@link #at} at each point of a run's computation where a
 * failure must leave no partial output and lose no step. The job uses {@link #NONE}.
 */
@FunctionalInterface
public interface FaultHook extends Serializable {
    /** The points, in the order a finishing run passes them. */
    enum Point {
        /** The pending steps are folded into a working tracker; the law is about to be fitted (a throwing law). */
        FORECAST,
        /** The forecast's rows and record are built; the advice is next. */
        FORECAST_BUILT,
        /** A finished run's final forecast and advice are built; its reference is next. */
        REFERENCE,
        /** Every output is built; the new state is next. */
        COMMIT,
        /** An idle run's final forecast is about to be made. */
        EXPIRE
    }

    /** Does nothing. */
    FaultHook NONE = (point, runId) -> { };

    /** Called at {@code point} of run {@code runId}; throw a RuntimeException to inject a failure there. */
    void at(Point point, String runId);
}
