package dev.runlaw.math.cbs;

/**
 * What a batch size costs against the critical one. McCandlish et al. 2018 (arXiv 1812.06162, eqs. 2.11–2.12):
 * the steps and the examples (or tokens) needed to reach a loss are S = S_min·(1 + B_noise/B) and
 * E = E_min·(1 + B/B_noise), so a batch far below B_noise wastes steps and one far above wastes data.
 */
public final class BatchTradeoff {
    private BatchTradeoff() {
    }

    /** S/S_min = 1 + bNoise/batch: how many times the minimum number of steps the batch needs. */
    public static double stepsFactor(double batch, double bNoise) {
        requirePositive("batch", batch);
        requirePositive("bNoise", bNoise);
        return 1 + bNoise / batch;
    }

    /** E/E_min = 1 + batch/bNoise: how many times the minimum data the batch needs. */
    public static double tokensFactor(double batch, double bNoise) {
        requirePositive("batch", batch);
        requirePositive("bNoise", bNoise);
        return 1 + batch / bNoise;
    }

    /**
     * The AdamW timescale τ = B/(η·λ·D) (Bergsma et al. 2025, "Power Lines", arXiv 2505.13738): the fraction of
     * training over which AdamW's weight average forgets, with B the batch and D the run's data in the same unit
     * (sequences or tokens), η the learning rate and λ the weight decay.
     */
    public static double adamTimescale(double batch, double lr, double weightDecay, double tokens) {
        requirePositive("batch", batch);
        requirePositive("lr", lr);
        requirePositive("weightDecay", weightDecay);
        requirePositive("tokens", tokens);
        return batch / (lr * weightDecay * tokens);
    }

    private static void requirePositive(String name, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(name + " must be finite and > 0, got " + v);
        }
    }
}
