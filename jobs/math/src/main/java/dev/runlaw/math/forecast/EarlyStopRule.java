package dev.runlaw.math.forecast;

import java.util.Locale;

/**
 * Stop / continue advice from a run's forecast final loss and a target: either a target loss, or a sibling run's
 * own forecast final loss.
 *
 * <p>With the forecast's log-normal predictive distribution ({@link Forecast#logSd()}):
 * <pre>
 *   p = P(final loss &lt; target)             = Phi((ln target - ln point) / sd)
 *   p = P(final loss &lt; sibling final loss)  = Phi((ln sibling - ln point) / sqrt(sd^2 + sd_sibling^2))
 * </pre>
 * (the sibling's forecast error taken as independent). Advice: {@code STOP} when {@code p <= stopBelow} (the run
 * is very unlikely to beat the target), {@code CONTINUE} when {@code p >= continueAbove}, else {@code UNDECIDED}.
 * Defaults 0.05 / 0.95: each call is wrong at most 5 % of the time if the intervals are calibrated. A failed
 * forecast gives {@code UNDECIDED} with probability NaN.
 *
 * <p>Immutable.
 */
public final class EarlyStopRule {
    /** The advice. */
    public enum Action { STOP, CONTINUE, UNDECIDED }

    /**
     * @param action                advice
     * @param probabilityBeatsTarget P(final loss below the target), NaN when no forecast
     * @param reason                one line for people
     */
    public record Decision(Action action, double probabilityBeatsTarget, String reason) {
    }

    private final double stopBelow;
    private final double continueAbove;

    private EarlyStopRule(double stopBelow, double continueAbove) {
        this.stopBelow = stopBelow;
        this.continueAbove = continueAbove;
    }

    /** The rule with thresholds 0.05 / 0.95. */
    public static EarlyStopRule create() {
        return new EarlyStopRule(0.05, 0.95);
    }

    /** Thresholds on P(beat target): stop at or below {@code stopBelow}, continue at or above {@code continueAbove}. */
    public EarlyStopRule withThresholds(double stopBelow, double continueAbove) {
        if (!(stopBelow >= 0 && stopBelow < continueAbove && continueAbove <= 1)) {
            throw new IllegalArgumentException("need 0 <= stopBelow < continueAbove <= 1, got " + stopBelow + ", "
                    + continueAbove);
        }
        return new EarlyStopRule(stopBelow, continueAbove);
    }

    /** Advice against a target loss. */
    public Decision decide(Forecast finalLoss, double targetLoss) {
        if (finalLoss == null || !finalLoss.ok()) {
            return new Decision(Action.UNDECIDED, Double.NaN, "no usable forecast"
                    + (finalLoss == null ? "" : ": " + finalLoss.message()));
        }
        if (!(targetLoss > 0) || !Double.isFinite(targetLoss)) {
            return new Decision(Action.UNDECIDED, Double.NaN, "target loss " + targetLoss + " is not positive");
        }
        return advise(finalLoss.probabilityBelow(targetLoss), String.format(Locale.ROOT,
                "forecast %.5f [%.5f, %.5f] vs target %.5f", finalLoss.point(), finalLoss.lo(), finalLoss.hi(),
                targetLoss));
    }

    /** Advice against a sibling run's forecast final loss. */
    public Decision decide(Forecast finalLoss, Forecast siblingFinalLoss) {
        if (finalLoss == null || !finalLoss.ok() || siblingFinalLoss == null || !siblingFinalLoss.ok()) {
            return new Decision(Action.UNDECIDED, Double.NaN, "no usable forecast for this run or its sibling");
        }
        double sd = Math.hypot(finalLoss.logSd(), siblingFinalLoss.logSd());
        double d = Math.log(siblingFinalLoss.point()) - Math.log(finalLoss.point());
        double p = sd > 0 ? Normal.cdf(d / sd) : (d > 0 ? 1 : 0);
        return advise(p, String.format(Locale.ROOT, "forecast %.5f vs sibling %.5f", finalLoss.point(),
                siblingFinalLoss.point()));
    }

    private Decision advise(double p, String what) {
        Action a = p <= stopBelow ? Action.STOP : p >= continueAbove ? Action.CONTINUE : Action.UNDECIDED;
        return new Decision(a, p, String.format(Locale.ROOT, "%s: P(beat) = %.3f -> %s", what, p, a));
    }
}
