package dev.runlaw.math.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class MomentumAreasTest {

    @Test
    void warmupCountsAsPeakAndLeavesNoMomentum() {
        LrSchedule s = LrSchedule.constant(1000, 100, 1e-3);
        double[][] a = MomentumAreas.of(s, 0.999);
        // Steps 1..99 are warmup (peak at 99), counted at the peak; then constant.
        assertThat(a[0][99]).isCloseTo(99 * 1e-3, within(1e-15));
        assertThat(a[0][999]).isCloseTo(999 * 1e-3, within(1e-12));
        assertThat(a[1][999]).isZero();
    }

    @Test
    void suddenDropBuildsGeometricMomentum() {
        double lambda = 0.99;
        LrSchedule s = LrSchedule.builder().constant(100, 1e-3).constant(200, 4e-4).build();
        double[][] a = MomentumAreas.of(s, lambda);
        double d = 6e-4;
        for (int n = 1; n <= 200; n++) {
            double expected = d * (1 - Math.pow(lambda, n)) / (1 - lambda);
            assertThat(a[1][99 + n]).isCloseTo(expected, within(1e-12));
        }
    }

    @Test
    void onlineDetectionMatchesKnownWarmup() {
        LrSchedule s = LrSchedule.cosine(5000, 300, 3e-4, 3e-5);
        double[][] offline = MomentumAreas.of(s, 0.998);
        MomentumAreas online = new MomentumAreas(0.998, 0, -1);
        for (int t = 0; t < 5000; t++) {
            online.push(s.lrAt(t));
            if (t >= s.peakStep()) {
                assertThat(online.s1()).isCloseTo(offline[0][t], within(1e-12));
                assertThat(online.s2()).isCloseTo(offline[1][t], within(1e-12));
            }
        }
    }

    @Test
    void rewarmupDrivesAnnealingAreaNegative() {
        LrSchedule s = LrSchedule.builder().warmup(10, 0, 1e-4).constant(100, 1e-4).rewarmup(50, 1e-4, 1e-3)
                .constant(100, 1e-3).build();
        double[][] a = MomentumAreas.of(s, 0.999);
        assertThat(a[1][a[1].length - 1]).isNegative();
    }
    @Test
    void atStepsMatchesOnePassPerLambdaExactly() {
        java.util.Random rnd = new java.util.Random(42);
        LrSchedule[] schedules = {
            LrSchedule.cosine(5000, 300, 3e-4, 3e-5),
            LrSchedule.wsd(4000, 200, 3000, 1e-3, 1e-5, Decay.LINEAR),
            LrSchedule.builder().warmup(10, 0, 1e-4).constant(100, 1e-4).rewarmup(50, 1e-4, 1e-3)
                    .constant(100, 1e-3).build(),
            LrSchedule.of(7, new double[] {1e-3, 1e-3, 5e-4, 2e-4, 2e-4, 1e-4}),
        };
        double[] lambdas = {0.99, 0.995, 0.998, 0.999, 0.9995, 0};
        for (LrSchedule s : schedules) {
            long[] steps = new long[40];
            for (int i = 0; i < steps.length; i++) {
                steps[i] = s.firstStep() + rnd.nextInt(s.length());
            }
            steps[0] = s.lastStep();
            steps[1] = s.firstStep();
            steps[2] = steps[3];
            double[][] got = MomentumAreas.atSteps(s, lambdas, steps);
            for (int l = 0; l < lambdas.length; l++) {
                double[][] ref = MomentumAreas.of(s, lambdas[l]);
                for (int i = 0; i < steps.length; i++) {
                    int k = (int) (steps[i] - s.firstStep());
                    assertThat(got[0][i]).isEqualTo(ref[0][k]);
                    assertThat(got[1 + l][i]).isEqualTo(ref[1][k]);
                }
            }
        }
    }

    @Test
    void atStepsRejectsStepsOutsideTheSchedule() {
        LrSchedule s = LrSchedule.constant(100, 10, 1e-3);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> MomentumAreas.atSteps(s, new double[] {0.99}, new long[] {5, 100}))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(MomentumAreas.atSteps(s, new double[] {0.99, 0.9}, new long[0])).hasDimensions(3, 0);
    }
}
