package dev.runlaw.cli.bench.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.runlaw.bench.detect.BaselineRule;
import dev.runlaw.math.anomaly.StepTable;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The injector writes what its cases say, within the stated ranges, and the baselines follow their rules. */
class AnomalyInjectorTest {

    private static StepTable clean(int n) {
        long[] steps = new long[n];
        double[] lr = new double[n];
        double[] loss = new double[n];
        double[] grad = new double[n];
        double[] ms = new double[n];
        for (int i = 0; i < n; i++) {
            steps[i] = i + 1;
            lr[i] = 1e-3;
            loss[i] = 3 + 1.0 / (i + 1);
            grad[i] = Double.NaN;
            ms[i] = 200;
        }
        return new StepTable(steps, lr, loss, grad, ms);
    }

    @Test
    void spikesMultiplyOneToThreeLossesWithinTheirRange() {
        StepTable c = clean(5_000);
        AnomalyInjector.Injected inj = AnomalyInjector.inject(c, InjectedKind.SPIKE_LARGE, new SplittableRandom(1));
        assertThat(inj.injections()).hasSize((5_000 - AnomalyInjector.SKIP) / AnomalyInjector.BLOCK);
        for (Injection s : inj.injections()) {
            assertThat(s.factor()).isBetween(1.3, 2.5);
            assertThat(s.end() - s.start()).isBetween(0L, 2L);
            for (long t = s.start(); t <= s.end(); t++) {
                int i = (int) t - 1;
                assertThat(inj.table().loss()[i] / c.loss()[i]).isCloseTo(s.factor(), within(1e-12));
            }
            assertThat(inj.table().loss()[(int) s.end()]).isEqualTo(c.loss()[(int) s.end()]);
        }
    }

    @Test
    void divergenceDoublesWithinItsDoublingTimeAndTheCopyEndsAfterTheGrace() {
        StepTable c = clean(5_000);
        Injection d = AnomalyInjector.inject(c, InjectedKind.DIVERGENCE, new SplittableRandom(2)).injections().get(0);
        AnomalyInjector.Injected inj = AnomalyInjector.inject(c, InjectedKind.DIVERGENCE, new SplittableRandom(2));
        assertThat(d.factor()).isBetween(50.0, 400.0);
        int at = (int) d.start() - 1 + (int) Math.round(d.factor());
        assertThat(inj.table().loss()[at] / c.loss()[at]).isCloseTo(2.0, within(0.02));
        assertThat(inj.table().size()).isEqualTo((int) d.windowEnd());
    }

    @Test
    void hangsAndSlowdownsTouchStepTimesOnly() {
        StepTable c = clean(5_000);
        AnomalyInjector.Injected hang = AnomalyInjector.inject(c, InjectedKind.HANG, new SplittableRandom(3));
        assertThat(hang.table().loss()).isEqualTo(c.loss());
        Injection h = hang.injections().get(0);
        assertThat(hang.table().stepMs()[(int) h.start() - 1] / 200).isBetween(20.0, 100.0);
        assertThat(Arrays.stream(hang.table().stepMs()).filter(x -> x > 200).count())
                .isEqualTo(hang.injections().size());
    }

    @Test
    void baselinesFollowTheirPublishedRules() {
        BaselineRule olmo = BaselineRule.olmo();
        BaselineRule foundry = BaselineRule.llmFoundry();
        for (int i = 0; i < 200; i++) {
            double x = 3 + 0.01 * (i % 2);
            assertThat(olmo.alarm(x)).isFalse();
            assertThat(foundry.alarm(x)).isFalse();
        }
        assertThat(olmo.alarm(3.2)).as("far above mean + 6 sd").isTrue();
        assertThat(olmo.alarm(Double.NaN)).as("NaN compares false").isFalse();
        boolean[] f = new boolean[6];
        for (int k = 0; k < 6; k++) {
            f[k] = foundry.alarm(7);
        }
        assertThat(f).containsExactly(false, false, false, false, true, true);
    }
}
