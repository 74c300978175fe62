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
}
