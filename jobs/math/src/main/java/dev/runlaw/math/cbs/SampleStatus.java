package dev.runlaw.math.cbs;

/**
 * What {@link NoiseScaleEstimator#add} did with one step's two squared gradient norms. A rejected sample
 * (anything but {@link #ACCEPTED}) leaves the estimator unchanged.
 */
public enum SampleStatus {
    /** Used. */
    ACCEPTED,
    /** A norm is NaN or infinite. */
    NON_FINITE,
    /** A squared norm or the token count is negative. */
    NEGATIVE,
    /** {@code batchSmall < 1} or {@code batchSmall >= batchBig}: the two batch sizes cannot separate |G|² from tr(Σ). */
    BAD_BATCH,
    /** The step is not after the last accepted step (a replayed or reordered record would be counted twice). */
    OUT_OF_ORDER
}
