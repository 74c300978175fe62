package dev.runlaw.math.anomaly;

import java.util.Objects;

/**
 * One lifecycle event of an alert: an {@link AlertState#OPEN} event when it is raised, and one
 * {@link AlertState#RESOLVED} event (same kind, layer and first step; {@code lastStep} set) when it closes. The
 * identity of an alert is (run, kind, layer, firstStep); the run is the caller's key and is not stored here.
 *
 * @param kind         what the alert is about
 * @param severity     how urgent
 * @param layer        MoE layer, or -1 for run-level alerts
 * @param firstStep    the step where the anomaly began (for a divergence: the first step after the last good one)
 * @param detectedStep the step whose arrival raised the alert
 * @param lastStep     the last anomalous step once resolved, -1 while open
 * @param value        the observed value that raised it (for example the loss), NaN when not applicable
 * @param expected     what was expected instead (for example the law's or the baseline's loss), NaN if unknown
 * @param score        the detector's statistic (for example a robust z-score), NaN if not applicable
 * @param message      one line for people
 * @param state        open or resolved
 */
public record Alert(AlertKind kind, Severity severity, int layer, long firstStep, long detectedStep, long lastStep,
                    double value, double expected, double score, String message, AlertState state) {

    /** Layer value of run-level alerts. */
    public static final int NO_LAYER = -1;

    /** Checks the invariants: non-null enums and message, layer ≥ -1, and lastStep set exactly when resolved. */
    public Alert {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(state, "state");
        if (layer < NO_LAYER) {
            throw new IllegalArgumentException("layer must be >= -1, got " + layer);
        }
        if (state == AlertState.OPEN && lastStep != -1) {
            throw new IllegalArgumentException("an open alert has lastStep -1, got " + lastStep);
        }
        if (state == AlertState.RESOLVED && lastStep < firstStep) {
            throw new IllegalArgumentException("resolved alert needs lastStep >= firstStep " + firstStep + ", got "
                    + lastStep);
        }
    }

    /** True while open. */
    public boolean isOpen() {
        return state == AlertState.OPEN;
    }

    /** The RESOLVED event of this alert, closed at {@code last}. */
    public Alert resolved(long last) {
        return new Alert(kind, severity, layer, firstStep, detectedStep, last, value, expected, score, message,
                AlertState.RESOLVED);
    }
}
