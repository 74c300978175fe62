package dev.runlaw.math.forecast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class EnsembleTest {
    static Forecast f(double point, double logSd) {
        double z = Normal.quantile(0.95);
        return new Forecast(100, point, point * Math.exp(-z * logSd), point * Math.exp(z * logSd), 0.9, logSd,
                true, "test");
    }

    @Test
    void inverseSquareWeights() {
        double[] w = Ensemble.inverseSquareWeights(new double[] {0.002, 0.001});
        assertThat(w[0]).isCloseTo(0.2, within(1e-12));
        assertThat(w[1]).isCloseTo(0.8, within(1e-12));
        assertThat(Ensemble.inverseSquareWeights(new double[] {Double.NaN, 0.001})).containsExactly(0, 1);
        assertThat(Ensemble.inverseSquareWeights(new double[] {0, 0.001})).containsExactly(1, 0);
        assertThat(Ensemble.inverseSquareWeights(new double[] {Double.NaN, Double.POSITIVE_INFINITY}))
                .containsExactly(0.5, 0.5);
    }

    @Test
    void stackedWeightsPreferMembersWhoseErrorsCancel() {
        // Two splits of two points each; truth 3.0. Member 0 is 1 % high everywhere, member 1 1 % low, member 2 is
        // 0.5 % high: alone member 2 is best, but the geometric mean of 0 and 1 is exact.
        double[][] truth = {{3, 3}, {3, 3}};
        double[][][] points = {
            {{3.03, 3.03}, {3.03, 3.03}},
            {{3 * 3 / 3.03, 3 * 3 / 3.03}, {3 * 3 / 3.03, 3 * 3 / 3.03}},
            {{3.015, 3.015}, {3.015, 3.015}}};
        double[] w = Ensemble.stackedWeights(points, truth, 20);
        assertThat(w).containsExactly(0.5, 0.5, 0);
        // Inverse-square weights cannot see the cancellation: they favour member 2.
        assertThat(Ensemble.inverseSquareWeights(new double[] {0.01, 0.01, 0.005})[2]).isGreaterThan(0.6);
        // A failed member gets weight 0; one usable member gets everything; none: null.
        assertThat(Ensemble.stackedWeights(new double[][][] {null, points[2]}, truth, 20)).containsExactly(0, 1);
        assertThat(Ensemble.stackedWeights(new double[][][] {null, null}, truth, 20)).isNull();
        // Ties go to the first grid point (all weight on the earlier member).
        assertThat(Ensemble.stackedWeights(new double[][][] {points[2], points[2]}, truth, 4)).containsExactly(1, 0);
        assertThatThrownBy(() -> Ensemble.stackedWeights(points, new double[][] {{3, 3}}, 20))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void combinesInLogSpaceWithMixtureVariance() {
        Forecast[][] m = {{f(3.0, 0.01)}, {f(3.3, 0.02)}};
        Forecast c = Ensemble.combine(m, new double[] {0.25, 0.75}, 0.9)[0];
        double mu = 0.25 * Math.log(3.0) + 0.75 * Math.log(3.3);
        double d0 = Math.log(3.0) - mu;
        double d1 = Math.log(3.3) - mu;
        double var = 0.25 * (1e-4 + d0 * d0) + 0.75 * (4e-4 + d1 * d1);
        assertThat(c.ok()).isTrue();
        assertThat(c.point()).isCloseTo(Math.exp(mu), within(1e-12));
        assertThat(c.logSd()).isCloseTo(Math.sqrt(var), within(1e-12));
        assertThat(c.hi()).isCloseTo(Math.exp(mu + 1.6448536269514722 * Math.sqrt(var)), within(1e-6));
        assertThat(c.step()).isEqualTo(100);
    }

    @Test
    void aSingleMemberOrZeroWeightsReproduceTheMember() {
        Forecast a = f(3.0, 0.01);
        Forecast c = Ensemble.combine(new Forecast[][] {{a}, {Forecast.failed(100, 0.9, "x")}},
                new double[] {1, 0}, 0.9)[0];
        assertThat(c.point()).isCloseTo(3.0, within(1e-12));
        assertThat(c.lo()).isCloseTo(a.lo(), within(1e-9));
        assertThat(c.hi()).isCloseTo(a.hi(), within(1e-9));
    }

    @Test
    void aFailedMemberWithWeightFailsTheStepAndBadWeightsThrow() {
        Forecast[][] m = {{f(3.0, 0.01)}, {Forecast.failed(100, 0.9, "no fit")}};
        Forecast c = Ensemble.combine(m, new double[] {0.5, 0.5}, 0.9)[0];
        assertThat(c.ok()).isFalse();
        assertThat(c.message()).isEqualTo("no fit");
        assertThatThrownBy(() -> Ensemble.combine(m, new double[] {0, 0}, 0.9))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Ensemble.combine(m, new double[] {1}, 0.9))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void extraSdAddsInQuadratureAndLeavesThePointUnchanged() {
        Forecast[][] m = {{f(3.0, 0.01), f(2.9, 0.004)}, {f(3.3, 0.02), f(2.95, 0.003)}};
        double[] w = {0.3, 0.7};
        Forecast[] plain = Ensemble.combine(m, w, 0.9);
        Forecast[] none = Ensemble.combine(m, w, 0.9, new double[] {0, 0});
        Forecast[] extra = Ensemble.combine(m, w, 0.9, new double[] {0.003, 0.012});
        double[] e = {0.003, 0.012};
        for (int i = 0; i < 2; i++) {
            assertThat(none[i]).isEqualTo(plain[i]);
            assertThat(extra[i].point()).isEqualTo(plain[i].point());
            double sd = Math.sqrt(plain[i].logSd() * plain[i].logSd() + e[i] * e[i]);
            assertThat(extra[i].logSd()).isCloseTo(sd, within(1e-15));
            assertThat(extra[i].lo()).isCloseTo(plain[i].point() * Math.exp(-1.6448536269514722 * sd), within(1e-12));
            assertThat(extra[i].hi()).isCloseTo(plain[i].point() * Math.exp(1.6448536269514722 * sd), within(1e-12));
        }
        assertThatThrownBy(() -> Ensemble.combine(m, w, 0.9, new double[] {0.01}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Ensemble.combine(m, w, 0.9, new double[] {0.01, -1}))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Seeded simulation of the situation the interval is built for: two laws whose log forecasts differ, each with
     * its own parameter/noise sd, the truth drawn from the members' mixture (law k with probability w_k, then its
     * normal) plus an independent discrepancy N(0, extra^2). The combined 90 % interval (moment-matched normal of
     * that distribution) must cover 0.9 of 40 000 draws within +-0.01 (binomial sd 0.0015; measured 0.8996; the
     * rest allows for the mixture not being exactly normal).
     */
    @Test
    void mixtureIntervalCoversNinetyPercentOfDrawsFromTheMixture() {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(20261122L);
        int n = 40_000;
        int covered = 0;
        for (int j = 0; j < n; j++) {
            double w0 = 0.1 + 0.8 * rnd.nextDouble();
            double[] w = {w0, 1 - w0};
            double mu0 = Math.log(3.0);
            double mu1 = mu0 + 0.006 * (rnd.nextDouble() - 0.5);
            double s0 = 0.001 + 0.004 * rnd.nextDouble();
            double s1 = 0.001 + 0.004 * rnd.nextDouble();
            double extra = 0.004 * rnd.nextDouble();
            Forecast c = Ensemble.combine(new Forecast[][] {{f(Math.exp(mu0), s0)}, {f(Math.exp(mu1), s1)}}, w, 0.9,
                    new double[] {extra})[0];
            boolean first = rnd.nextDouble() < w0;
            double lnTruth = (first ? mu0 + s0 * rnd.nextGaussian() : mu1 + s1 * rnd.nextGaussian())
                    + extra * rnd.nextGaussian();
            if (c.covers(Math.exp(lnTruth))) {
                covered++;
            }
        }
        assertThat((double) covered / n).isCloseTo(0.9, within(0.01));
    }
}
