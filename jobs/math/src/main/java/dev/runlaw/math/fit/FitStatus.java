package dev.runlaw.math.fit;

/** Outcome of a fit. Only {@link #OK} results carry parameters fit for forecasting. */
public enum FitStatus {
    /** Converged; parameters usable. */
    OK,
    /** Fewer usable points than parameters + 2. */
    TOO_FEW_POINTS,
    /** The loss does not vary: the law's shape is not identifiable. */
    FLAT_LOSS,
    /** Non-finite or non-positive loss, or no runs. */
    INVALID_INPUT,
    /** The optimiser hit its iteration or evaluation limit, or ended on non-finite values. */
    NO_CONVERGENCE
}
