package dev.runlaw.producers;

import java.util.SplittableRandom;

/**
 * Squared gradient norms at two batch sizes, as a data-parallel trainer measures them (McCandlish et al. 2018,
 * App. A): with the true |G|² = {@link #GRAD_SQ_PER_LOSS}·(L − L0) and tr(Σ) = B_simple(L)·|G|²
 * ({@link SimulatedSignals#trueNoiseScale}), a batch of B sequences reports |G_B|² = (|G|² + tr(Σ)/B)·(1 + ε),
 * ε ~ N(0, {@link #GRAD_NOISE}²), floored at 0.05 of the noiseless value. So the two-batch estimator recovers the
 * true noise scale up to noise. Draws from its own stream: one pair of draws per step.
 */
final class SimulatedGradients {
    /** |G|² = GRAD_SQ_PER_LOSS · (L − L0): the true gradient shrinks with the reducible loss. */
    static final double GRAD_SQ_PER_LOSS = 0.5;
    static final double GRAD_NOISE = 0.03;

    private final SplittableRandom rng;
    private final double l0;
    private final int seqLen;
    private final int batchSmall;
    private final int batchBig;

    SimulatedGradients(SplittableRandom rng, double l0, int seqLen, int batchSmall, int batchBig) {
        this.rng = rng;
        this.l0 = l0;
        this.seqLen = seqLen;
        this.batchSmall = batchSmall;
        this.batchBig = batchBig;
    }

    /** {@code {|G_small|², |G_big|²}} at a step whose noiseless loss is {@code law}. */
    double[] squaredNorms(double law) {
        double g2 = GRAD_SQ_PER_LOSS * Math.max(law - l0, 1e-6);
        double trSigma = SimulatedSignals.trueNoiseScale(law, seqLen) * g2;
        double small = (g2 + trSigma / batchSmall) * Math.max(0.05, 1 + GRAD_NOISE * rng.nextGaussian());
        double big = (g2 + trSigma / batchBig) * Math.max(0.05, 1 + GRAD_NOISE * rng.nextGaussian());
        return new double[] {small, big};
    }
}
