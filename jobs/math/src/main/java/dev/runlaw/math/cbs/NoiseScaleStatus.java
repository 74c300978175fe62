package dev.runlaw.math.cbs;

/** How far a {@link NoiseScaleEstimate} can be trusted. */
public enum NoiseScaleStatus {
    /** No sample accepted yet: every figure is NaN. */
    NO_DATA,
    /** Fewer accepted samples than {@link NoiseScaleSettings#minSamples()}: figures shown, not to act on. */
    WARMING_UP,
    /** B_simple with a two-sided interval. */
    OK,
    /**
     * |G|² is not distinguishable from 0 at the interval's level: B_simple may be arbitrarily large, so only
     * {@code lo90} is informative and {@code hi90} is +Infinity.
     */
    LOWER_BOUND_ONLY
}
