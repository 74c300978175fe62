package dev.runlaw.producers;

import java.util.SplittableRandom;

/**
 * Training throughput per step: about the nominal tokens per second with 2 % noise, and a slow step (half speed)
 * 1 % of the time, never below a tenth of nominal. Draws from its own stream: two draws per step.
 */
final class SimulatedThroughput {
    private final SplittableRandom rng;
    private final double tokensPerSecond;

    SimulatedThroughput(SplittableRandom rng, double tokensPerSecond) {
        this.rng = rng;
        this.tokensPerSecond = tokensPerSecond;
    }

    /** The next step's throughput, tokens per second. */
    double next() {
        double speed = tokensPerSecond * (1 + 0.02 * rng.nextGaussian());
        if (rng.nextDouble() < 0.01) {
            speed *= 0.5;
        }
        return Math.max(speed, tokensPerSecond * 0.1);
    }
}
