package dev.runlaw.math.cbs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The estimator with its defaults against synthetic per-example gradients with known truth ({@link
 * SyntheticGradients}: dimension 1000, 4 micro-batches of 8 per step, B_simple rising 4× over 3000 steps with
 * seeded 2–4× jumps every 400–800 steps). Checkpoints every 50 steps from step 300 (warmed up).
 */
class NoiseScaleCoverageTest {
    private static final int DIM = 1000;
    private static final long STEPS = 3000;

    /** {median relative error, coverage, checkpoints}. */
    private static double[] replay(int seeds, double startB, double spectrum, NoiseScaleSettings settings) {
        double[] errors = new double[seeds * 60];
        int n = 0;
        int covered = 0;
        for (int seed = 1; seed <= seeds; seed++) {
            SyntheticGradients gen = new SyntheticGradients(seed, DIM, 4, 8,
                    new SyntheticGradients.Trajectory(seed, startB, 4, STEPS, 400, 40), spectrum);
            NoiseScaleEstimator estimator = new NoiseScaleEstimator(settings);
            for (long t = 1; t <= STEPS; t++) {
                SyntheticGradients.Step s = gen.next();
                assertThat(estimator.add(s.step(), s.gradSqSmall(), s.batchSmall(), s.gradSqBig(), s.batchBig(), 0))
                        .isEqualTo(SampleStatus.ACCEPTED);
                if (t >= 300 && t % 50 == 0) {
                    NoiseScaleEstimate e = estimator.estimate();
                    double truth = s.trueBSimple();
                    errors[n++] = Math.abs(e.bSimple() - truth) / truth;
                    if (e.lo90() <= truth && truth <= e.hi90()) {
                        covered++;
                    }
                }
            }
        }
        double[] sorted = Arrays.copyOf(errors, n);
        Arrays.sort(sorted);
        return new double[] {sorted[n / 2], covered / (double) n, n};
    }

    @Test
    void defaultsTrackDriftingAndJumpingNoiseScaleWithCalibratedBand() {
        // Low per-step noise (B_simple 10..40 at batch 32, spread-out noise spectrum): the error is mostly lag.
        double[] r = replay(6, 10, 0.5, NoiseScaleSettings.defaults());
        assertThat(r[2]).isGreaterThanOrEqualTo(200);
        assertThat(r[0]).as("median relative error").isLessThanOrEqualTo(0.05);
        assertThat(r[1]).as("90 % band coverage").isBetween(0.80, 0.95);
    }

    @Test
    void noisierRunsStayWithinTheRealRunTargets() {
        // B_simple 200..800 (up to 2400 after jumps) at batch 32, noise in few directions: per-step |G|² estimates
        // are several times |G|² itself. The held-out real run's targets: median error ≤ 30 %, band ≥ 2/3.
        double[] r = replay(4, 200, 1.0, NoiseScaleSettings.defaults());
        assertThat(r[0]).as("median relative error").isLessThanOrEqualTo(0.30);
        assertThat(r[1]).as("90 % band coverage").isGreaterThanOrEqualTo(2.0 / 3);
    }

    @Test
    void ladderFollowsAJumpThatASingleLongMeanLags() {
        // Constant B_simple 20, then |G|² falls 3× at step 1000 (B_simple 60).
        NoiseScaleEstimator ladder = new NoiseScaleEstimator(NoiseScaleSettings.defaults());
        NoiseScaleEstimator single = new NoiseScaleEstimator(NoiseScaleSettings.defaults().withRungs(1));
        java.util.Random random = new java.util.Random(4);
        for (long t = 1; t <= 1100; t++) {
            double gradSq = t <= 1000 ? 3 : 1;
            double trace = 60;
            // Expected norms plus 10 % noise on the trace part (per-step noise of a large-dimension run).
            double small = gradSq + trace / 8 * (1 + 0.1 * random.nextGaussian());
            double big = gradSq + trace / 32 * (1 + 0.1 * random.nextGaussian());
            ladder.add(t, small, 8, big, 32, 0);
            single.add(t, small, 8, big, 32, 0);
        }
        NoiseScaleEstimate l = ladder.estimate();
        NoiseScaleEstimate s = single.estimate();
        assertThat(Math.abs(l.bSimple() - 60) / 60).isLessThan(0.15);
        assertThat(l.lo90()).isLessThanOrEqualTo(60).isLessThan(l.bSimple());
        assertThat(l.hi90()).isGreaterThanOrEqualTo(60);
        assertThat(Math.abs(s.bSimple() - 60) / 60).isGreaterThan(0.3);
    }
}
