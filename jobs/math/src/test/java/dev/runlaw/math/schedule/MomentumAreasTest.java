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
}
