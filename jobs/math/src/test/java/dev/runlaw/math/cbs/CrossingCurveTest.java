package dev.runlaw.math.cbs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CrossingCurveTest {

    /** Brute force: first step whose trailing mean of {@code window} losses is ≤ target. */
    private static OptionalLong bruteForce(double[] loss, int window, double target) {
        double sum = 0;
        for (int i = 0; i < loss.length; i++) {
            sum += loss[i];
            if (i >= window) {
                sum -= loss[i - window];
            }
            if (sum / Math.min(i + 1, window) <= target) {
                return OptionalLong.of(i);
            }
        }
        return OptionalLong.empty();
    }

    private static double[] noisyCurve(long seed, int n) {
        Random random = new Random(seed);
        double[] loss = new double[n];
        for (int i = 0; i < n; i++) {
            loss[i] = 2.5 + 8.0 * Math.pow(i + 10, -0.4) + 0.05 * random.nextGaussian();
        }
        return loss;
    }

    @Test
    void exactFirstCrossingAtZeroResolution() {
        double[] loss = noisyCurve(1, 5000);
        CrossingCurve curve = new CrossingCurve(20, 0);
        for (int i = 0; i < loss.length; i++) {
            curve.add(i, loss[i]);
        }
        for (double target = 2.7; target < 5; target += 0.0137) {
            assertThat(curve.firstCrossing(target)).as("target " + target).isEqualTo(bruteForce(loss, 20, target));
        }
        assertThat(curve.firstCrossing(curve.lowest() - 1e-9)).isEmpty();
        assertThat(curve.firstCrossing(curve.lowest())).isPresent();
    }

    @Test
    void coarseResolutionIsExactAwayFromBreakpointsAndBounded() {
        double[] loss = noisyCurve(2, 200_000);
        CrossingCurve curve = new CrossingCurve(50, 1e-3);
        for (int i = 0; i < loss.length; i++) {
            curve.add(i, loss[i]);
        }
        assertThat(curve.points()).isLessThanOrEqualTo(CrossingCurve.MAX_POINTS);
        int late = 0;
        int total = 0;
        for (double target = 2.8; target < 4.5; target += 0.00731) {
            OptionalLong truth = bruteForce(loss, 50, target);
            OptionalLong got = curve.firstCrossing(target);
            assertThat(got.isPresent()).isEqualTo(truth.isPresent());
            // Never early; late only for targets within the resolution of a breakpoint.
            assertThat(got.getAsLong()).isGreaterThanOrEqualTo(truth.getAsLong());
            total++;
            if (got.getAsLong() != truth.getAsLong()) {
                late++;
                OptionalLong atLooser = bruteForce(loss, 50, target * (1 - 2e-3));
                assertThat(got.getAsLong()).isLessThanOrEqualTo(atLooser.getAsLong());
            }
        }
        assertThat(late).isLessThan(total / 4);
    }

    @Test
    void staysBoundedAtTheCapAndRoundTrips() {
        CrossingCurve curve = new CrossingCurve(1, 0);
        for (int i = 0; i < 100_000; i++) {
            curve.add(i, 10.0 - i * 1e-4);
        }
        assertThat(curve.points()).isLessThanOrEqualTo(CrossingCurve.MAX_POINTS);
        assertThat(curve.resolution()).isPositive();
        CrossingCurve copy = CrossingCurve.fromBytes(curve.toBytes());
        for (int i = 100_000; i < 100_050; i++) {
            curve.add(i, 10.0 - i * 1e-4);
            copy.add(i, 10.0 - i * 1e-4);
        }
        assertThat(copy.toBytes()).isEqualTo(curve.toBytes());
        assertThat(copy.firstCrossing(5)).isEqualTo(curve.firstCrossing(5));
    }

    @Test
    void ignoresNonFiniteAndReplayedLossesAndRefusesBadState() {
        CrossingCurve curve = new CrossingCurve(3, 0);
        curve.add(0, 5);
        curve.add(1, Double.NaN);
        curve.add(0, 1);
        assertThat(curve.lowest()).isEqualTo(5);
        assertThat(curve.firstCrossing(1)).isEmpty();
        byte[] state = curve.toBytes();
        state[0] = 7;
        assertThatThrownBy(() -> CrossingCurve.fromBytes(state)).hasMessageContaining("version 7");
        assertThatThrownBy(() -> CrossingCurve.fromBytes(new byte[] {1, 0})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CrossingCurve(0, 0)).hasMessageContaining("smoothingWindow");
        assertThatThrownBy(() -> new CrossingCurve(5, 0.7)).hasMessageContaining("relativeResolution");
    }
}
