package dev.runlaw.math.law;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.runlaw.math.schedule.LrSchedule;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The multi-power law on a piecewise schedule (closed-form drop sums) against the same LR step by step. */
class KnotDropPrefixTest {
    private static final double[] MPL = LossLawTest.MPL;

    @Test
    void piecewisePrepareEqualsThePerStepOne() {
        // Warmup, a decay, a flat stretch, a re-warmup, a steep cooldown, a long tail: every kind of segment.
        LrSchedule pw = LrSchedule.piecewiseLinear(
                new long[] {0, 500, 20_000, 30_000, 30_400, 50_000, 52_000, 99_999},
                new double[] {1e-5, 3e-4, 1.5e-4, 1.5e-4, 2.5e-4, 2e-4, 2e-5, 1e-5});
        LrSchedule perStep = LrSchedule.of(0, pw.toArray(), pw.peakStep());
        long[] steps = {501, 502, 1000, 19_999, 20_000, 25_000, 30_001, 30_200, 30_400, 41_234, 50_001, 51_999, 52_000,
                77_777, 99_999};
        for (MultiPowerLaw law : List.of(MultiPowerLaw.create(), MultiPowerLaw.withWarmupInLossDrop())) {
            double[] a = new double[steps.length];
            double[] b = new double[steps.length];
            law.prepare(pw, steps).evaluate(MPL, a, 0, null);
            law.prepare(perStep, steps).evaluate(MPL, b, 0, null);
            for (int i = 0; i < steps.length; i++) {
                assertThat(a[i]).as("%s at step %d", law, steps[i]).isCloseTo(b[i], within(1e-10 * b[i]));
            }
        }
    }
}
