package dev.runlaw.math.live;

/**
 * What the run is trying to reach, for early-stop advice.
 *
 * @param kind {@link Kind#LOSS}: reach {@code loss}; {@link Kind#BEAT_BEST_SIBLING}: beat the best finished run of
 *             the family ({@code loss} is then that run's final loss, NaN until known)
 * @param loss the target loss
 */
public record Target(Kind kind, double loss) {
    /** Kind of target. */
    public enum Kind {
        /** A fixed loss. */
        LOSS,
        /** The best final loss among the family's finished runs. */
        BEAT_BEST_SIBLING
    }

    public Target {
        if (kind == null) {
            throw new IllegalArgumentException("target kind is required");
        }
    }
}
