package dev.runlaw.math.cbs;

/**
 * The gradient noise scale of a run at a step: B_simple = tr(Σ)/|G|² (McCandlish et al. 2018, eq. 2.8 and App. A)
 * from the smoothed means of the per-step estimates of |G|² and tr(Σ), with an interval at
 * {@link NoiseScaleSettings#level()} (named 90 after the default).
 *
 * @param step             the last accepted step
 * @param bSimple          B_simple in sequences; NaN where undefined (no data, or the smoothed |G|² ≤ 0)
 * @param lo90             lower end of the interval (sequences, ≥ 0); NaN with no data
 * @param hi90             upper end (sequences); +Infinity when {@link NoiseScaleStatus#LOWER_BOUND_ONLY}
 * @param gradSq           smoothed |G|² (squared norm of the true gradient)
 * @param traceSigma       smoothed tr(Σ) (per-example gradient covariance trace)
 * @param effectiveSamples effective number of independent steps behind the means (weights and autocorrelation)
 * @param status           how far to trust it
 */
public record NoiseScaleEstimate(long step, double bSimple, double lo90, double hi90, double gradSq,
                                 double traceSigma, double effectiveSamples, NoiseScaleStatus status) {

    /** The estimate before any sample. */
    static NoiseScaleEstimate noData() {
        return new NoiseScaleEstimate(-1, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0,
                NoiseScaleStatus.NO_DATA);
    }

    /** B_simple in tokens, for sequences of {@code seqLen} tokens. */
    public double bSimpleTokens(long seqLen) {
        if (seqLen <= 0) {
            throw new IllegalArgumentException("seqLen must be > 0, got " + seqLen);
        }
        return bSimple * seqLen;
    }
}
