package dev.runlaw.math.anomaly;

/** How urgent an alert is. Ordered: compare with {@link #compareTo}. Never reorder, only append. */
public enum Severity {
    /** Worth a look; never pages anyone. */
    INFO,
    /** Something is off; a person should look. */
    WARNING,
    /** The run is wasting compute (non-finite values, divergence): act now. */
    CRITICAL
}
