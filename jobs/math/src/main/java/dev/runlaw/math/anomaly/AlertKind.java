package dev.runlaw.math.anomaly;

/**
 * What an alert is about. The order is part of the contract (ordinals are stored): never reorder, only append.
 *
 * <p>Run level (one per run, {@link Alert#layer()} = -1): {@link #NON_FINITE}, {@link #LOSS_SPIKE},
 * {@link #DIVERGENCE}, {@link #PLATEAU}, {@link #GRAD_NORM_SPIKE}, {@link #STALL}, {@link #SLOWDOWN}. MoE, per layer:
 * {@link #IMBALANCE}, {@link #DEAD_EXPERT}, {@link #ROUTER_COLLAPSE}, {@link #DROP_RATE}; data movement:
 * {@link #HOT_LINK}.
 */
public enum AlertKind {
    /** Loss or gradient norm is NaN or infinite. */
    NON_FINITE,
    /** The log loss far above what is expected at this step, for a short time. */
    LOSS_SPIKE,
    /** A sustained upward departure of the loss from what is expected. */
    DIVERGENCE,
    /** The loss stopped improving while its law says it should. */
    PLATEAU,
    /** The log gradient norm far above its running mean. */
    GRAD_NORM_SPIKE,
    /** No step for much longer than the run's usual step time. */
    STALL,
    /** Step time off the run's own baseline for a window. */
    SLOWDOWN,
    /** Max/mean expert load over a threshold, sustained. */
    IMBALANCE,
    /** An expert receives no tokens for a window of steps. */
    DEAD_EXPERT,
    /** The router sends most tokens to a few experts (low normalised entropy). */
    ROUTER_COLLAPSE,
    /** The dropped-token fraction jumps. */
    DROP_RATE,
    /** A device pair carries far more bytes than the mean. */
    HOT_LINK
}
