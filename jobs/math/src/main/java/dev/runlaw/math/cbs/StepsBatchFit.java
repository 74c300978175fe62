package dev.runlaw.math.cbs;

/**
 * The steps-versus-batch law of one group of runs reaching the same target loss: S(B) = S_min·(1 + B_noise/B)
 * (McCandlish et al. 2018, eq. 2.11; Zhang et al. 2024 fit it as log S = log(a + b/B), a = S_min, b/a = B_noise).
 *
 * @param sMin       S_min, steps at an infinite batch
 * @param bNoise     B_noise (= McCandlish's B_crit), sequences
 * @param bNoiseLo90 lower end of the interval on B_noise (profile likelihood; 90 % by default)
 * @param bNoiseHi90 upper end; +Infinity when the data do not bound it
 * @param r2         R² of the fit in log space
 * @param points     runs fitted
 */
public record StepsBatchFit(double sMin, double bNoise, double bNoiseLo90, double bNoiseHi90, double r2,
                            int points) {

    /** Steps to the target at batch {@code batch} (sequences). */
    public double steps(double batch) {
        return sMin * (1 + bNoise / batch);
    }

    /** E_min = S_min·B_noise: sequences to the target at an infinitely small batch. */
    public double eMin() {
        return sMin * bNoise;
    }

    /**
     * Zhang et al.'s critical batch size: the batch whose steps exceed linear scaling from {@code baseBatch} by
     * the fraction {@code overhead}: (1 + x)·B0 + x·B_noise (x = 0.2, B0 = 256 in the paper).
     */
    public double cbs(double overhead, double baseBatch) {
        return (1 + overhead) * baseBatch + overhead * bNoise;
    }
}
