package dev.runlaw.math.cbs;

import java.util.Random;

/**
 * Synthetic per-example gradients with a known true gradient G(t) and noise covariance Σ(t), fed the way a trainer
 * measures them: each step, {@code microBatches} micro-batches of {@code perMicro} examples; the mean over the
 * micro-batches of each one's own squared gradient norm (|G_s|² at B_s = perMicro) and the squared norm of their
 * mean (|G_b|² at B_b = microBatches·perMicro).
 *
 * <p>Example i's gradient is G + c_i·(σ ∘ r_i)·√scale(t): r_i a vector of independent random signs, σ_j² ∝ 1/j
 * (a few directions dominate, as in real networks: effective dimension (Σσ²)²/Σσ⁴ ≈ 50 at dimension 2000),
 * c_i a lognormal per-example magnitude with E[c²] = 1 (some examples have much larger gradients). So
 * tr(Σ(t)) = scale(t)·Σσ_j² exactly, and the true B_simple = tr(Σ)/|G|². G points along σ-weighted random
 * directions (the gradient lives where the noise is largest).
 *
 * <p>The truth follows {@link Trajectory}: B_simple drifting upwards as in training, with seeded jumps by 2–4×
 * (up or down) over a few dozen steps, several hundred steps apart.
 */
final class SyntheticGradients {
    private final Random random;
    private final int dim;
    private final int microBatches;
    private final int perMicro;
    private final double[] sigma;
    private final double[] direction;
    private final double sigmaSq;
    private final Trajectory truth;
    private final double[] sums;
    private final double[] scales;
    private long step;

    /** The squared norms of one step and the truth behind them. */
    record Step(long step, double gradSqSmall, long batchSmall, double gradSqBig, long batchBig,
                double trueGradSq, double trueTrace) {
        double trueBSimple() {
            return trueTrace / trueGradSq;
        }
    }

    SyntheticGradients(long seed, int dim, int microBatches, int perMicro, Trajectory truth) {
        this(seed, dim, microBatches, perMicro, truth, 1.0);
    }

    /** As above with σ_j² ∝ j^(−spectrum): larger exponents concentrate the noise in fewer directions. */
    SyntheticGradients(long seed, int dim, int microBatches, int perMicro, Trajectory truth, double spectrum) {
        this.random = new Random(seed);
        this.dim = dim;
        this.microBatches = microBatches;
        this.perMicro = perMicro;
        this.truth = truth;
        this.sigma = new double[dim];
        this.direction = new double[dim];
        double s2 = 0;
        double norm = 0;
        for (int j = 0; j < dim; j++) {
            sigma[j] = Math.pow(j + 1, -spectrum / 2);
            s2 += sigma[j] * sigma[j];
            direction[j] = sigma[j] * random.nextGaussian();
            norm += direction[j] * direction[j];
        }
        for (int j = 0; j < dim; j++) {
            direction[j] /= Math.sqrt(norm);
        }
        this.sigmaSq = s2;
        this.sums = new double[microBatches];
        this.scales = new double[microBatches * perMicro];
    }

    Step next() {
        step++;
        double gradSq = truth.gradSq(step);
        double trace = truth.bSimple(step) * gradSq;
        double noise = Math.sqrt(trace / sigmaSq);
        double g = Math.sqrt(gradSq);
        for (int i = 0; i < scales.length; i++) {
            // Lognormal with E[c²] = 1: c = exp(s·z − s²).
            scales[i] = Math.exp(0.5 * random.nextGaussian() - 0.25) * noise / perMicro;
        }
        double[] small = new double[microBatches];
        double big = 0;
        for (int j = 0; j < dim; j++) {
            long bits = random.nextLong();
            double gj = g * direction[j];
            double total = 0;
            for (int k = 0; k < microBatches; k++) {
                double s = 0;
                for (int i = 0; i < perMicro; i++) {
                    int e = k * perMicro + i;
                    s += ((bits >>> (e & 63)) & 1) == 0 ? scales[e] : -scales[e];
                }
                double m = gj + sigma[j] * s;
                sums[k] = m;
                small[k] += m * m;
                total += m;
            }
            double mean = total / microBatches;
            big += mean * mean;
        }
        double q = 0;
        for (double v : small) {
            q += v / microBatches;
        }
        return new Step(step, q, perMicro, big, (long) microBatches * perMicro, gradSq, trace);
    }

    /**
     * A true noise scale over training: a power-law rise from {@code start} to {@code start·rise} over
     * {@code steps}, times a regime factor that jumps (over {@code jumpSteps}) to a random value in {1/3, 1/2, 1,
     * 2, 3} relative to the trend at random intervals of {@code minGap}..{@code 2·minGap} steps; |G|² carries the
     * jumps (tr(Σ) follows the trend only), as at the edge of stability.
     */
    static final class Trajectory {
        private static final double[] LEVELS = {1.0 / 3, 0.5, 1, 2, 3};
        private final double start;
        private final double rise;
        private final long steps;
        private final long[] at;
        private final double[] level;
        private final long jumpSteps;

        Trajectory(long seed, double start, double rise, long steps, long minGap, long jumpSteps) {
            Random r = new Random(seed * 31 + 7);
            int n = (int) (steps / minGap) + 2;
            this.at = new long[n];
            this.level = new double[n];
            long t = 0;
            double previous = 1;
            for (int i = 0; i < n; i++) {
                at[i] = t;
                double next;
                do {
                    next = LEVELS[r.nextInt(LEVELS.length)];
                } while (i > 0 && !(Math.max(next / previous, previous / next) >= 2
                        && Math.max(next / previous, previous / next) <= 4 + 1e-9));
                level[i] = i == 0 ? 1 : next;
                previous = level[i];
                t += minGap + (long) (r.nextDouble() * minGap);
            }
            this.start = start;
            this.rise = rise;
            this.steps = steps;
            this.jumpSteps = jumpSteps;
        }

        double trend(long step) {
            return start * Math.pow(rise, Math.min(1.0, step / (double) steps));
        }

        double factor(long step) {
            int i = 0;
            while (i + 1 < at.length && at[i + 1] <= step) {
                i++;
            }
            if (i == 0) {
                return level[0];
            }
            double x = Math.min(1.0, (step - at[i]) / (double) jumpSteps);
            // Geometric interpolation between the two regimes.
            return level[i - 1] * Math.pow(level[i] / level[i - 1], x);
        }

        double bSimple(long step) {
            return trend(step) * factor(step);
        }

        /** |G|² = 1 at the trend; the jumps divide it. tr(Σ) = B·|G|² then follows the trend only. */
        double gradSq(long step) {
            return 1 / factor(step);
        }
    }
}
