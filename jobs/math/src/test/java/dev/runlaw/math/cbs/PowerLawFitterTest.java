package dev.runlaw.math.cbs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PowerLawFitterTest {

    @Test
    void recoversExponentAndCoversNewPoints() {
        Random random = new Random(21);
        int betaCovered = 0;
        int predictionCovered = 0;
        int trials = 400;
        for (int trial = 0; trial < trials; trial++) {
            double[] x = {1e9, 3e9, 1e10, 3e10, 1e11};
            double[] y = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                y[i] = 2e-3 * Math.pow(x[i], 0.46) * Math.exp(0.05 * random.nextGaussian());
            }
            PowerLawFit fit = PowerLawFitter.fit(x, y);
            if (fit.betaLo90() <= 0.46 && 0.46 <= fit.betaHi90()) {
                betaCovered++;
            }
            double xNew = 5e11;
            double yNew = 2e-3 * Math.pow(xNew, 0.46) * Math.exp(0.05 * random.nextGaussian());
            double[] band = fit.predictInterval90(xNew);
            assertThat(band[0]).isLessThan(fit.predict(xNew)).isLessThan(band[1]);
            if (band[0] <= yNew && yNew <= band[1]) {
                predictionCovered++;
            }
        }
        // Exact t intervals under Gaussian log-noise: 0.90 ± 3 binomial SDs (0.045 at 400 trials).
        assertThat(betaCovered / (double) trials).isBetween(0.855, 0.945);
        assertThat(predictionCovered / (double) trials).isBetween(0.855, 0.945);
    }

    @Test
    void exactPowerLaw() {
        double[] x = {1, 10, 100};
        double[] y = {3, 3 * Math.pow(10, 0.38), 3 * Math.pow(100, 0.38)};
        PowerLawFit fit = PowerLawFitter.fit(x, y);
        assertThat(fit.k()).isCloseTo(3, within(1e-9));
        assertThat(fit.beta()).isCloseTo(0.38, within(1e-12));
        assertThat(fit.predict(1000)).isCloseTo(3 * Math.pow(1000, 0.38), within(1e-6));
        assertThat(fit.r2()).isCloseTo(1, within(1e-12));
        assertThat(new PowerLawFit(3, 0.38, 0.3, 0.4, 1, 3).predictInterval90(10)).containsOnly(Double.NaN);
    }

    @Test
    void refusesBadInput() {
        assertThatThrownBy(() -> PowerLawFitter.fit(new double[] {1}, new double[] {1}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 2");
        assertThatThrownBy(() -> PowerLawFitter.fit(new double[] {1, -2}, new double[] {1, 2}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("point 1");
        assertThatThrownBy(() -> PowerLawFitter.fit(new double[] {2, 2}, new double[] {1, 2}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("distinct");
    }
}
