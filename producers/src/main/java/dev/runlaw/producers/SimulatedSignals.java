package dev.runlaw.producers;

/**
 * The deterministic signals of a {@link MoeRunSimulator} run: its LR schedule, the loss law along it and the true
 * gradient noise scale. No randomness here; the noisy models ({@link SimulatedGradients}, {@link SimulatedExpertLoad},
 * {@link SimulatedRouting}) draw from their own seeded streams.
 */
final class SimulatedSignals {
    /** Kaplan et al. 2020, eq. 5.1: B_crit(L) ≈ B* / L^(1/α_B), B* ≈ 2·10^8 tokens, α_B ≈ 0.21. */
    static final double B_STAR_TOKENS = 2e8;
    static final double ALPHA_B = 0.21;

    private SimulatedSignals() {
    }

    /**
     * The LR of steps 0..T of a warmup-stable-decay schedule, as the spec announces it ({@code DecayKind.WSD_LINEAR},
     * the ScheduleSpec convention): linear from 0 to the peak, reached on step {@code warmupSteps - 1}; constant
     * up to {@code decayStart}; then linear to {@code minLr} at step T.
     */
    static double[] lrPerStep(int steps, int warmupSteps, int decayStart, double peakLr, double minLr) {
        double[] lr = new double[steps + 1];
        for (int s = 0; s <= steps; s++) {
            if (s < warmupSteps - 1) {
                lr[s] = peakLr * s / (warmupSteps - 1);
            } else if (s <= decayStart) {
                lr[s] = peakLr;
            } else {
                lr[s] = peakLr + (minLr - peakLr) * (s - decayStart) / (double) (steps - decayStart);
            }
        }
        return lr;
    }

    /**
     * The noiseless loss law at steps 1..T (index 0 unused): L(s) = L0 + A·S1(s)^(−α) − C·S2(s), S1 = Σ η_i,
     * m_i = λ·m_{i−1} + (η_{i−1} − η_i), S2 = Σ m_i, with the LR counted as the peak during warmup (Tissue et al.
     * 2024, arXiv 2408.11029, as the paper does).
     *
     * <p>Written out here, not taken from the math module's {@code MomentumLaw}: the simulator is the ground truth
     * the forecast job is tested against, so an error in the math module's areas (its closed forms over piecewise
     * schedules, its warmup convention) must not move the truth with it. {@code MoeRunSimulatorTest} checks that
     * both agree.
     */
    static double[] lawLoss(double[] lr, int warmupSteps, double peakLr, MoeRunSimulator.LossLaw law) {
        int t = lr.length - 1;
        double[] loss = new double[t + 1];
        double s1 = 0;
        double s2 = 0;
        double m = 0;
        double prev = peakLr; // warmup counted at peak LR, so no annealing term from the warmup rise
        for (int s = 1; s <= t; s++) {
            double eta = s <= warmupSteps ? peakLr : lr[s];
            s1 += eta;
            m = law.lambda() * m + (prev - eta);
            s2 += m;
            prev = eta;
            loss[s] = law.l0() + law.a() * Math.pow(s1, -law.alpha()) - law.c() * s2;
        }
        return loss;
    }

    /** The true gradient noise scale B_simple, in sequences of {@code seqLen} tokens, at loss {@code loss}. */
    static double trueNoiseScale(double loss, int seqLen) {
        return B_STAR_TOKENS / Math.pow(loss, 1 / ALPHA_B) / seqLen;
    }
}
