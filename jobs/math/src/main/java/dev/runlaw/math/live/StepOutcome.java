package dev.runlaw.math.live;

/** What {@link RunTracker#observe} did with one step record. */
public enum StepOutcome {
    /** Recorded (its LR, and its loss when measured). */
    ACCEPTED,
    /** The same step again: ignored, counted. */
    DUPLICATE,
    /** A step before the last one: ignored, counted. */
    OUT_OF_ORDER,
    /** The loss was infinite or not positive: the LR was recorded, the loss point skipped, counted. */
    NAN_LOSS,
    /**
     * Recorded, but its LR differs from the planned LR at that step by more than
     * {@link RunTracker#CONTRADICTION_FRACTION} of the planned peak: counted.
     */
    LR_CONTRADICTS_SCHEDULE,
    /** The LR was negative or not finite: ignored, counted (addition to the original API). */
    INVALID_LR
}
