package dev.runlaw.math.cbs;

/**
 * Settings of the online gradient-noise-scale estimator ({@link NoiseScaleEstimator}).
 *
 * @param halfLifeSteps  half-life of the exponential weights, in optimizer steps (> 0): a sample {@code h} steps
 *                       old weighs half as much as the newest
 * @param halfLifeTokens when > 0, decay in tokens instead: a sample {@code h} tokens old weighs half (steps whose
 *                       token count is unknown decay by {@code halfLifeSteps}); 0 = decay in steps
 * @param minSamples     accepted samples before the status leaves {@link NoiseScaleStatus#WARMING_UP} (≥ 2)
 * @param level          two-sided interval level in (0, 1); 0.90 by default
 */
public record NoiseScaleSettings(double halfLifeSteps, double halfLifeTokens, int minSamples, double level) {

    /** Default half-life in steps; docs/batch-size.md says why. */
    public static final double DEFAULT_HALF_LIFE_STEPS = 50;
    /** Default samples before an estimate is OK. */
    public static final int DEFAULT_MIN_SAMPLES = 30;

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
    }

    /** Half-life {@value #DEFAULT_HALF_LIFE_STEPS} steps, {@value #DEFAULT_MIN_SAMPLES} samples to warm up, 90 %. */
    public static NoiseScaleSettings defaults() {
        return new NoiseScaleSettings(DEFAULT_HALF_LIFE_STEPS, 0, DEFAULT_MIN_SAMPLES, 0.90);
    }

    /** A copy with the half-life in steps. */
    public NoiseScaleSettings withHalfLifeSteps(double steps) {
        return new NoiseScaleSettings(steps, halfLifeTokens, minSamples, level);
    }

    /** A copy decaying in tokens (0 = back to steps). */
    public NoiseScaleSettings withHalfLifeTokens(double tokens) {
        return new NoiseScaleSettings(halfLifeSteps, tokens, minSamples, level);
    }

    /** Whether the weights decay in tokens. */
    public boolean decaysInTokens() {
        return halfLifeTokens > 0;
    }
}
