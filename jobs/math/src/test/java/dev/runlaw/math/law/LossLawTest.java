package dev.runlaw.math.law;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.runlaw.math.schedule.Decay;
import dev.runlaw.math.schedule.LrSchedule;
import java.util.List;
import org.junit.jupiter.api.Test;

class LossLawTest {
    static final double[] MOMENTUM = {3.0, 0.5, 0.5, 0.4};
    static final double[] MPL = {2.8, 0.6, 0.45, 500, 2, 0.6, 0.6};

    @Test
    void momentumLawFollowsItsFormula() {
        LrSchedule s = LrSchedule.wsd(3000, 100, 2000, 1e-3, 1e-4, Decay.LINEAR);
        double[][] a = dev.runlaw.math.schedule.MomentumAreas.of(s, 0.999);
        double expected = 3.0 + 0.5 * Math.pow(a[0][2500], -0.5) - 0.4 * a[1][2500];
        assertThat(MomentumLaw.withLambda(0.999).predict(MOMENTUM, s, 2500)).isCloseTo(expected, within(1e-12));
    }

    @Test
    void multiPowerBlockedSumMatchesTheDirectSum() {
        LrSchedule s = LrSchedule.cosine(30_000, 1000, 3e-4, 3e-5);
        for (long t : new long[] {1500, 10_000, 29_999}) {
            double ld = 0;
            for (long k = s.peakStep() + 1; k <= t; k++) {
                double eta = s.lrAt(k);
                double x = Math.pow(eta, -MPL[6]) * (s.area(t) - s.area(k - 1));
                ld += (s.lrAt(k - 1) - eta) * (1 - Math.pow(MPL[4] * x + 1, -MPL[5]));
            }
            double direct = MPL[0] + MPL[1] * Math.pow(s.area(t), -MPL[2]) - MPL[3] * ld;
            // Geometric blocks of at most 20 % of their distance, one node each: O(r^2) midpoint error.
            assertThat(MultiPowerLaw.create().predict(MPL, s, t)).isCloseTo(direct, within(3e-5 * direct));
        }
    }

    @Test
    void multiPowerBlockedSumMatchesTheDirectSumWithLrIncreases() {
        // A re-warmup after a decay: increases and decreases are blocked apart. A block far back may hold a whole
        // warmup (LR from ~0 to its peak), where one node errs most: measured 4.2e-5 at step 6299, so 1e-4 here
        // (the fits' RMS residual on the real curves is ~5e-4; the cosine case above is held to 3e-5).
        LrSchedule s = LrSchedule.builder().warmup(200, 0, 3e-4).constant(2000, 3e-4)
                .decay(1000, 3e-4, 3e-5, Decay.COSINE).rewarmup(100, 3e-5, 2e-4).constant(3000, 2e-4).build();
        for (MultiPowerLaw law : List.of(MultiPowerLaw.create(), MultiPowerLaw.withWarmupInLossDrop())) {
            long from = law.warmupInLossDrop() ? s.firstStep() : s.peakStep();
            for (long t : new long[] {2500, 3250, 3400, 6299}) {
                double ld = 0;
                for (long k = from + 1; k <= t; k++) {
                    double eta = s.lrAt(k);
                    double x = Math.pow(eta, -MPL[6]) * (s.area(t) - s.area(k - 1));
                    ld += (s.lrAt(k - 1) - eta) * (1 - Math.pow(MPL[4] * x + 1, -MPL[5]));
                }
                double direct = MPL[0] + MPL[1] * Math.pow(s.area(t), -MPL[2]) - MPL[3] * ld;
                assertThat(law.predict(MPL, s, t)).as("%s at %d", law.hyperParameters(), t)
                        .isCloseTo(direct, within(1e-4 * direct));
            }
        }
    }

    @Test
    void scaledLossDropMultipliesTheLossDropByThePowerLawFactor() {
        // L = L0 + pw * (A - B * sum) with pw = S^-alpha, so with the same parameters the scaled law's loss drop is
        // the plain law's times pw, whatever the schedule.
        LrSchedule s = LrSchedule.wsd(30_000, 1000, 24_000, 3e-4, 3e-5, Decay.LINEAR);
        double[] noDrop = MPL.clone();
        noDrop[3] = 0;
        for (long t : new long[] {5000, 26_000, 29_999}) {
            double base = MultiPowerLaw.create().predict(noDrop, s, t);
            double plainDrop = base - MultiPowerLaw.create().predict(MPL, s, t);
            double scaledDrop = base - MultiPowerLaw.withScaledLossDrop().predict(MPL, s, t);
            double pw = Math.pow(s.area(t), -MPL[2]);
            assertThat(scaledDrop).isCloseTo(pw * plainDrop, within(1e-12 + 1e-9 * plainDrop));
        }
        assertThat(MultiPowerLaw.withScaledLossDrop().hyperParameters()).isEqualTo("ld-scaled");
        assertThat(MultiPowerLaw.create().scaledLossDrop()).isFalse();
    }

    @Test
    void multiPowerLawIsExactUnderConstantLr() {
        LrSchedule s = LrSchedule.constant(5000, 500, 3e-4);
        double expected = MPL[0] + MPL[1] * Math.pow(s.area(4000), -MPL[2]);
        assertThat(MultiPowerLaw.create().predict(MPL, s, 4000)).isCloseTo(expected, within(1e-12));
    }

    @Test
    void analyticJacobiansMatchFiniteDifferences() {
        LrSchedule s = LrSchedule.builder().warmup(200, 0, 3e-4).constant(2000, 3e-4)
                .decay(1000, 3e-4, 3e-5, Decay.COSINE).rewarmup(100, 3e-5, 2e-4).constant(400, 2e-4).build();
        long[] steps = {500, 2300, 3000, 3300, 3699};
        for (var c : List.of(new Object[] {MomentumLaw.withLambda(0.995), MOMENTUM},
                new Object[] {MultiPowerLaw.create(), MPL}, new Object[] {MultiPowerLaw.withWarmupInLossDrop(), MPL},
                new Object[] {MultiPowerLaw.withScaledLossDrop(), MPL})) {
            LossLaw law = (LossLaw) c[0];
            double[] p = (double[]) c[1];
            PreparedCurve pc = law.prepare(s, steps);
            double[] v = new double[steps.length];
            double[][] jac = new double[steps.length][p.length];
            pc.evaluate(p, v, 0, jac);
            for (int j = 0; j < p.length; j++) {
                double h = 1e-6 * Math.max(1e-3, Math.abs(p[j]));
                double[] up = p.clone();
                double[] dn = p.clone();
                up[j] += h;
                dn[j] -= h;
                double[] vu = new double[steps.length];
                double[] vd = new double[steps.length];
                pc.evaluate(up, vu, 0, null);
                pc.evaluate(dn, vd, 0, null);
                for (int i = 0; i < steps.length; i++) {
                    double fd = (vu[i] - vd[i]) / (2 * h);
                    assertThat(jac[i][j]).as("%s d/d%s at %d", law.name(), law.parameterNames().get(j), steps[i])
                            .isCloseTo(fd, within(1e-5 * (1 + Math.abs(fd))));
                }
            }
        }
    }
}
