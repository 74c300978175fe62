package dev.runlaw.math.cbs;

/**
 * Settings of the online gradient-noise-scale estimator ({@link NoiseScaleEstimator}).
 *
 * @param halfLifeSteps  the longest half-life of the exponential weights, in optimizer steps (> 0): a sample
 *                       {@code h} steps old weighs half as much as the newest
 * @param halfLifeTokens when > 0, decay in tokens instead (the longest half-life, in tokens); steps whose token
 *                       count is unknown then decay by {@code halfLifeSteps}; 0 = decay in steps
 * @param minSamples     accepted samples before the status leaves {@link NoiseScaleStatus#WARMING_UP} (≥ 2)
 * @param level          two-sided interval level in (0, 1); 0.90 by default
 * @param rungs          half-lives in the adaptive ladder, 1..{@value #MAX_RUNGS}: the longest and each half of the
 *                       previous; the estimator picks the longest that agrees with all shorter ones (intersection
 *                       of confidence intervals). 1 = a single exponential mean at {@code halfLifeSteps}
 */
public record NoiseScaleSettings(double halfLifeSteps, double halfLifeTokens, int minSamples, double level,
                                 int rungs) {

    /** Default longest half-life in steps; docs/batch-size.md says why. */
    public static final double DEFAULT_HALF_LIFE_STEPS = 200;
    /** Default samples before an estimate is OK. */
    public static final int DEFAULT_MIN_SAMPLES = 30;
    /** Default ladder: half-lives 200, 100, 50, 25, 12.5 steps. */
    public static final int DEFAULT_RUNGS = 5;
    /** Most half-lives in the ladder. */
    public static final int MAX_RUNGS = 8;

    public NoiseScaleSettings {
        if (!(halfLifeSteps > 0) || Double.isInfinite(halfLifeSteps)) {
            throw new IllegalArgumentException("halfLifeSteps must be finite and > 0, got " + halfLifeSteps);
        }
        if (!(halfLifeTokens >= 0) || Double.isInfinite(halfLifeTokens)) {
            throw new IllegalArgumentException("halfLifeTokens must be finite and >= 0, got " + halfLifeTokens);
        }
        if (minSamples < 2) {
            throw new IllegalArgumentException("minSamples must be >= 2, got " + minSamples);
        }
        if (!(level > 0 && level < 1)) {
            throw new IllegalArgumentException("level must be in (0, 1), got " + level);
        }
        if (rungs < 1 || rungs > MAX_RUNGS) {
            throw new IllegalArgumentException("rungs must be in 1.." + MAX_RUNGS + ", got " + rungs);
        }
    }

    /** The contract's four settings with the default ladder of {@value #DEFAULT_RUNGS} half-lives. */
    public NoiseScaleSettings(double halfLifeSteps, double halfLifeTokens, int minSamples, double level) {
        this(halfLifeSteps, halfLifeTokens, minSamples, level, DEFAULT_RUNGS);
    }

    /** Longest half-life 200 steps in a ladder of 5 (200/100/50/25/12.5), 30 samples to warm up, 90 %. */
    public static NoiseScaleSettings defaults() {
        return new NoiseScaleSettings(DEFAULT_HALF_LIFE_STEPS, 0, DEFAULT_MIN_SAMPLES, 0.90, DEFAULT_RUNGS);
    }

    /** A copy with the longest half-life in steps. */
    public NoiseScaleSettings withHalfLifeSteps(double steps) {
        return new NoiseScaleSettings(steps, halfLifeTokens, minSamples, level, rungs);
    }

    /** A copy decaying in tokens (0 = back to steps). */
    public NoiseScaleSettings withHalfLifeTokens(double tokens) {
        return new NoiseScaleSettings(halfLifeSteps, tokens, minSamples, level, rungs);
    }

    /** A copy with {@code n} half-lives in the ladder (1 = one fixed exponential mean). */
    public NoiseScaleSettings withRungs(int n) {
        return new NoiseScaleSettings(halfLifeSteps, halfLifeTokens, minSamples, level, n);
    }

    /** Whether the weights decay in tokens. */
    public boolean decaysInTokens() {
        return halfLifeTokens > 0;
    }
}
