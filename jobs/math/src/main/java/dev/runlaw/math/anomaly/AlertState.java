package dev.runlaw.math.anomaly;

/** Where an alert is in its lifecycle: raised ({@link #OPEN}), then closed ({@link #RESOLVED}). */
public enum AlertState {
    /** Raised and not closed yet. */
    OPEN,
    /** Closed: {@link Alert#lastStep()} is set. */
    RESOLVED
}
