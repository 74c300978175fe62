package dev.runlaw.math.anomaly;

/**
 * Thresholds of every detector, immutable; {@link #defaults()} gives the documented defaults. Scores are in units
 * of a robust scale learned from the run's own recent residuals ({@code scale = sqrt(pi/2) * EWMA|r|}, which equals
 * the standard deviation for Gaussian noise), so one set of defaults serves runs of any noise level.
 *
 * @param warmupSteps       finite observations each statistic needs before it may raise an alert (default 64,
 *                          as OLMo-core's spike detector)
 * @param cooldownSteps     after an alert of a (kind, layer) resolves, the same (kind, layer) may not open again for
 *                          this many steps (default 5): a noisy run must not flood anyone
 * @param levelAlpha        weight of the newest step in the running level of the log-loss residual (default 0.02,
 *                          a memory of about 50 steps)
 * @param trendBeta         weight of the newest level change in the running trend of that residual (default 0.02);
 *                          the trend lets the robust baseline follow a falling loss without lag
 * @param scaleAlpha        weight of the newest |residual| in the robust scale (default 0.02)
 * @param clipZ             residuals are clipped at +-clipZ scales before they update level, trend, scale and the
 *                          CUSUM, so a spike cannot drag the baseline (default 3)
 * @param spikeZ            LOSS_SPIKE when the residual exceeds spikeZ scales ... (default 6)
 * @param spikeMinRatio     ... and the loss exceeds spikeMinRatio times the expected loss (default 1.08)
 * @param spikeResolveZ     an open LOSS_SPIKE resolves at the first step whose residual is below this (default 2)
 * @param cusumK            CUSUM drift allowance in scales (default 1): {@code S = max(0, S + min(z, clipZ) - k)}
 * @param cusumH            DIVERGENCE when S exceeds this (default 12: more than a 3-step spike can add)
 * @param plateauWindow     PLATEAU compares progress over this many steps (default 1000; needs a law)
 * @param plateauProgress   PLATEAU when the observed log-loss drop over the window is below this fraction of the
 *                          law's (default 0.25)
 * @param plateauMinLawDrop ... and the law predicts at least this log-loss drop over the window (default 0.01)
 * @param gradAlpha         EMA decay of log grad norm mean and variance (default 0.97, as ZClip)
 * @param gradZ             GRAD_NORM_SPIKE when the z-score of the log grad norm exceeds this (default 6)
 * @param stallFactor       STALL when a step (or a silence) lasts more than stallFactor times the baseline step
 *                          time (default 10) ...
 * @param stallMinMs        ... and more than this many ms (default 1000)
 * @param stepMsAlpha       weight of the newest step in the long step-time baseline (default 0.002, frozen while a
 *                          SLOWDOWN is open)
 * @param slowdownWindow    SLOWDOWN compares an EWMA of this many steps (default 50) of the log step time ...
 * @param slowdownRatio     ... with the baseline: alert when above this ratio (default 1.3)
 * @param moe               thresholds of the MoE detectors
 */
public record AnomalySettings(int warmupSteps, long cooldownSteps, double levelAlpha, double trendBeta,
                              double scaleAlpha, double clipZ, double spikeZ, double spikeMinRatio,
                              double spikeResolveZ, double cusumK, double cusumH, long plateauWindow,
                              double plateauProgress, double plateauMinLawDrop, double gradAlpha, double gradZ,
                              double stallFactor, double stallMinMs, double stepMsAlpha, int slowdownWindow,
                              double slowdownRatio, Moe moe) {

    /**
     * Thresholds of the per-layer MoE detectors (owned by the MoE part; extend by adding components).
     *
     * @param imbalanceRatio  IMBALANCE when max/mean expert load exceeds this ... (default 3.0)
     * @param imbalanceSteps  ... for this many consecutive steps (default 20)
     * @param deadExpertSteps DEAD_EXPERT when an expert gets zero tokens for this many consecutive steps
     *                        (default 50)
     * @param collapseEntropy ROUTER_COLLAPSE when the normalised routing entropy is below this (default 0.5)
     * @param dropRateJump    DROP_RATE when the dropped-token fraction rises by more than this (default 0.05)
     * @param hotLinkRatio    HOT_LINK when a device pair carries more than this times the mean bytes (default 3.0)
     */
    public record Moe(double imbalanceRatio, int imbalanceSteps, int deadExpertSteps, double collapseEntropy,
                      double dropRateJump, double hotLinkRatio) {

        /** The documented defaults. */
        public static Moe defaults() {
            return new Moe(3.0, 20, 50, 0.5, 0.05, 3.0);
        }
    }

    /** Validates ranges. */
    public AnomalySettings {
        if (warmupSteps < 1 || cooldownSteps < 0 || plateauWindow < 2 || slowdownWindow < 1) {
            throw new IllegalArgumentException("warmupSteps, plateauWindow, slowdownWindow must be positive and"
                    + " cooldownSteps >= 0");
        }
        for (double a : new double[]{levelAlpha, trendBeta, scaleAlpha, gradAlpha, stepMsAlpha}) {
            if (!(a > 0 && a < 1)) {
                throw new IllegalArgumentException("EWMA weights must lie in (0, 1), got " + a);
            }
        }
        if (!(clipZ > 0 && spikeZ > spikeResolveZ && spikeResolveZ >= 0 && spikeMinRatio >= 1 && cusumK >= 0
                && cusumH > 0 && plateauProgress >= 0 && plateauMinLawDrop > 0 && gradZ > 0 && stallFactor > 1
                && stallMinMs >= 0 && slowdownRatio > 1)) {
            throw new IllegalArgumentException("threshold out of range: " + this);
        }
        if (moe == null) {
            throw new IllegalArgumentException("moe settings are required (use Moe.defaults())");
        }
    }

    /** The documented defaults. */
    public static AnomalySettings defaults() {
        return new AnomalySettings(64, 5, 0.02, 0.02, 0.02, 3, 6, 1.08, 2, 1, 12, 1000, 0.25, 0.01, 0.97, 6,
                10, 1000, 0.002, 50, 1.3, Moe.defaults());
    }

    /** A copy with other MoE thresholds. */
    public AnomalySettings withMoe(Moe newMoe) {
        return new AnomalySettings(warmupSteps, cooldownSteps, levelAlpha, trendBeta, scaleAlpha, clipZ, spikeZ,
                spikeMinRatio, spikeResolveZ, cusumK, cusumH, plateauWindow, plateauProgress, plateauMinLawDrop,
                gradAlpha, gradZ, stallFactor, stallMinMs, stepMsAlpha, slowdownWindow, slowdownRatio, newMoe);
    }
}
