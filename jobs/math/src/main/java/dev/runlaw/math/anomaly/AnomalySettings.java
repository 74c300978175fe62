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
 * @param spikeRatio        LOSS_SPIKE also when the loss exceeds spikeRatio times the expected loss ... (default 1.17,
 *                          just above the spiky-runs data set's own measure of a spike, 1.15x the recent median) ...
 * @param spikeRatioZ       ... and the residual exceeds spikeRatioZ scales (default 3)
 * @param spikeResolveZ     an open LOSS_SPIKE resolves at the first step whose residual is below this (default 2)
 * @param cusumK            CUSUM drift allowance in scales (default 1): {@code S = max(0, S + min(z, clipZ) - k)}
 * @param cusumH            DIVERGENCE when S exceeds this (default 12: more than a 3-step spike can add)
 * @param driftZ            DIVERGENCE also when the clipped scores of the last 8, 16 or 32 losses sum to more than
 *                          driftZ times their standard deviation (default 5; {@link DriftWindows})
 * @param plateauWindow     PLATEAU compares progress over blocks of this many steps (default 500; {@link PlateauRule})
 * @param plateauProgress   PLATEAU when the observed log-loss drop over the last blocks is below this fraction of
 *                          the drop the run's earlier trend gives over them (default 0.15) ...
 * @param plateauMinDrop    ... when the trend expects at least this drop of log loss over those blocks (default
 *                          0.0002: a loss at its floor has nothing left to miss) ...
 * @param plateauZ          ... and the block is above that trend by more than this many standard deviations
 *                          (default 4)
 * @param plateauFlatBlocks PLATEAU needs the loss flat (drop below plateauProgress of the expected) over the
 *                          last block (1) or the last two (2, default)
 * @param plateauForget     weight kept per block by the trend PLATEAU extrapolates (default 0.8: a memory of about
 *                          five blocks)
 * @param plateauLrRatio    PLATEAU judges no block while the mean LRs of the blocks it compares differ by more than
 *                          this factor (default 2: a sharp LR drop changes the pace of progress)
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
                              double spikeRatio, double spikeRatioZ, double spikeResolveZ, double cusumK,
                              double cusumH, double driftZ, long plateauWindow, double plateauProgress,
                              double plateauMinDrop, double plateauZ, int plateauFlatBlocks, double plateauForget,
                              double plateauLrRatio, double gradAlpha, double gradZ, double stallFactor,
                              double stallMinMs, double stepMsAlpha, int slowdownWindow, double slowdownRatio,
                              Moe moe) {

    /**
     * Thresholds of the per-layer MoE detectors ({@link LayerDetectors}) and of {@link LinkDetector} (owned by the MoE
     * part). Defaults were calibrated on the project's tiny-moe runs (see docs/benchmarks.md, "MoE health on
     * tiny-moe"); every rule counts <em>observed</em> steps of one layer.
     *
     * @param imbalanceAlpha         weight of the newest step in the EWMA of ln(max/mean) (default 0.05, a memory of
     *                               about 20 steps): IMBALANCE looks at this smoothed level, never at one step
     * @param imbalanceRatio         IMBALANCE (absolute) when the smoothed max/mean exceeds this ... (default 3.0)
     * @param imbalanceRise          IMBALANCE (drift) when the smoothed max/mean exceeds this many times the best
     *                               (lowest) smoothed level the layer has held since warm-up ... (default 1.2)
     * @param imbalanceFloor         ... and is itself above this (default 1.4: a near-balanced layer moving from 1.05
     *                               to 1.3 is not worth anyone's time)
     * @param imbalanceSteps         ... for this many consecutive steps (default 20)
     * @param baselineWarmupSteps    steps before the best level is tracked: routers start near uniform and skew
     *                               strongly before the load-balancing loss evens them out (default 64)
     * @param deadExpertSteps        DEAD_EXPERT when an expert gets zero tokens for this many consecutive steps
     *                               (default 20; a healthy warm-up leaves experts empty for at most 7 in a row)
     * @param collapseEntropy        ROUTER_COLLAPSE when the normalised routing entropy is below this ... (default 0.5)
     * @param collapseTopFraction    ... or when the top {@code max(1, round(E * this))} experts (default 0.25: 2 of 8,
     *                               64 of 256) ...
     * @param collapseTopShare       ... take more than this share of the routed tokens (default 0.7) ...
     * @param collapseSteps          ... for this many consecutive steps (default 5)
     * @param collapseResolveEntropy an open ROUTER_COLLAPSE resolves only after the entropy is at least this ...
     *                               (default 0.8) ...
     * @param collapseResolveShare   ... and the top share at most this (default 0.6) for {@code resolveSteps}
     *                               steps: the gap to the opening thresholds keeps the alert from flapping
     * @param resolveSteps           consecutive healthy steps that close an open IMBALANCE, ROUTER_COLLAPSE,
     *                               DROP_RATE or HOT_LINK (default 20)
     * @param dropRateJump           DROP_RATE when the dropped-token fraction exceeds its running baseline by more
     *                               than this ... (default 0.05)
     * @param dropSteps              ... for this many consecutive steps (default 3)
     * @param dropAlpha              weight of the newest step in the dropped-fraction baseline (default 0.05; frozen
     *                               while a DROP_RATE alert is open)
     * @param hotLinkRatio           HOT_LINK when a device pair carries more than this times the mean bytes of all
     *                               ordered pairs ... (default 3.0) ...
     * @param hotLinkSteps           ... for this many consecutive steps (default 5)
     */
    public record Moe(double imbalanceAlpha, double imbalanceRatio, double imbalanceRise, double imbalanceFloor,
                      int imbalanceSteps, int baselineWarmupSteps, int deadExpertSteps, double collapseEntropy,
                      double collapseTopFraction, double collapseTopShare, int collapseSteps,
                      double collapseResolveEntropy, double collapseResolveShare, int resolveSteps,
                      double dropRateJump, int dropSteps, double dropAlpha, double hotLinkRatio, int hotLinkSteps) {

        /** Validates ranges. */
        public Moe {
            if (imbalanceSteps < 1 || baselineWarmupSteps < 0 || deadExpertSteps < 1 || collapseSteps < 1
                    || resolveSteps < 1 || dropSteps < 1 || hotLinkSteps < 1) {
                throw new IllegalArgumentException("MoE step counts must be positive: " + this);
            }
            if (!(imbalanceAlpha > 0 && imbalanceAlpha < 1 && dropAlpha > 0 && dropAlpha < 1)) {
                throw new IllegalArgumentException("MoE EWMA weights must lie in (0, 1): " + this);
            }
            if (!(imbalanceRatio > 1 && imbalanceRise > 1 && imbalanceFloor >= 1 && collapseEntropy > 0
                    && collapseResolveEntropy >= collapseEntropy && collapseResolveEntropy <= 1
                    && collapseTopFraction > 0 && collapseTopFraction < 1 && collapseTopShare <= 1
                    && collapseResolveShare <= collapseTopShare && collapseResolveShare > 0
                    && dropRateJump > 0 && dropRateJump < 1 && hotLinkRatio > 1)) {
                throw new IllegalArgumentException("MoE threshold out of range: " + this);
            }
        }

        /** The documented defaults. */
        public static Moe defaults() {
            return new Moe(0.05, 3.0, 1.2, 1.4, 20, 64, 20, 0.5, 0.25, 0.7, 5, 0.8, 0.6, 20, 0.05, 3, 0.05, 3.0, 5);
        }

        /** A copy with another dead-expert window. */
        public Moe withDeadExpertSteps(int steps) {
            return new Moe(imbalanceAlpha, imbalanceRatio, imbalanceRise, imbalanceFloor, imbalanceSteps,
                    baselineWarmupSteps, steps, collapseEntropy, collapseTopFraction, collapseTopShare,
                    collapseSteps, collapseResolveEntropy, collapseResolveShare, resolveSteps, dropRateJump,
                    dropSteps, dropAlpha, hotLinkRatio, hotLinkSteps);
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
        if (!(clipZ > 0 && spikeZ > spikeResolveZ && spikeResolveZ >= 0 && spikeMinRatio >= 1 && spikeRatio >= 1
                && spikeRatioZ >= spikeResolveZ && cusumK >= 0
                && cusumH > 0 && driftZ > 0 && plateauProgress >= 0 && plateauMinDrop >= 0 && plateauZ >= 0
                && plateauFlatBlocks >= 1
                && plateauFlatBlocks <= 2 && plateauForget > 0 && plateauForget <= 1 && plateauLrRatio >= 1
                && gradZ > 0 && stallFactor > 1
                && stallMinMs >= 0 && slowdownRatio > 1)) {
            throw new IllegalArgumentException("threshold out of range: " + this);
        }
        if (moe == null) {
            throw new IllegalArgumentException("moe settings are required (use Moe.defaults())");
        }
    }

    /** The documented defaults. */
    public static AnomalySettings defaults() {
        return new AnomalySettings(64, 5, 0.02, 0.02, 0.02, 3, 6, 1.08, 1.17, 3, 2, 1, 12, 5, 500, 0.15,
                0.0002, 4, 2, 0.8, 2, 0.97, 6,
                10, 1000, 0.002, 50, 1.3, Moe.defaults());
    }

    /** A copy with other MoE thresholds. */
    public AnomalySettings withMoe(Moe newMoe) {
        return new AnomalySettings(warmupSteps, cooldownSteps, levelAlpha, trendBeta, scaleAlpha, clipZ, spikeZ,
                spikeMinRatio, spikeRatio, spikeRatioZ, spikeResolveZ, cusumK, cusumH, driftZ, plateauWindow,
                plateauProgress, plateauMinDrop, plateauZ, plateauFlatBlocks, plateauForget, plateauLrRatio, gradAlpha,
                gradZ, stallFactor, stallMinMs, stepMsAlpha, slowdownWindow, slowdownRatio, newMoe);
    }

    /**
     * A copy with some run-level thresholds replaced, by component name (e.g. {@code spikeZ=5}); numbers only, the
     * MoE thresholds are not reachable this way. For benchmarks and deployments that tune a default.
     *
     * @throws IllegalArgumentException naming an unknown key, a value that is not a number, or a range violated
     */
    public AnomalySettings with(java.util.Map<String, String> overrides) {
        java.lang.reflect.RecordComponent[] comps = AnomalySettings.class.getRecordComponents();
        Object[] args = new Object[comps.length];
        Class<?>[] types = new Class<?>[comps.length];
        java.util.Set<String> unknown = new java.util.TreeSet<>(overrides.keySet());
        try {
            for (int i = 0; i < comps.length; i++) {
                types[i] = comps[i].getType();
                args[i] = comps[i].getAccessor().invoke(this);
                String v = overrides.get(comps[i].getName());
                if (v == null) {
                    continue;
                }
                unknown.remove(comps[i].getName());
                try {
                    if (types[i] == int.class) {
                        args[i] = Integer.parseInt(v.trim());
                    } else if (types[i] == long.class) {
                        args[i] = Long.parseLong(v.trim());
                    } else if (types[i] == double.class) {
                        args[i] = Double.parseDouble(v.trim());
                    } else {
                        throw new IllegalArgumentException(comps[i].getName() + " cannot be set this way");
                    }
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(comps[i].getName() + " is not a number: '" + v + "'");
                }
            }
            if (!unknown.isEmpty()) {
                throw new IllegalArgumentException("unknown anomaly setting(s) " + unknown);
            }
            return AnomalySettings.class.getDeclaredConstructor(types).newInstance(args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            if (e.getCause() instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
