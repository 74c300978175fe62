package dev.runlaw.math.forecast;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The forecast messages built lazily or without the formatter are the strings the formatter gave before. */
class ForecastMessageTest {

    @Test
    void lazyLaplaceMessageIsTheFormattedOneAndTakesPartInEquality() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < 2_000; i++) {
            double sd = Math.exp(rnd.nextDouble(-12, 1));
            double param = Math.exp(rnd.nextDouble(-12, 1));
            double noise = Math.exp(rnd.nextDouble(-12, 1));
            double horizon = i % 5 == 0 ? 0 : Math.exp(rnd.nextDouble(-12, 1));
            Forecast lazy = Forecast.laplace(100 + i, 2.5, 2.4, 2.6, 0.9, sd, param, noise, horizon);
            String formatted = String.format(Locale.ROOT, "laplace sd %.2g (param %.2g, noise %.2g, horizon %.2g)",
                    sd, param, noise, horizon);
            Forecast eager = new Forecast(100 + i, 2.5, 2.4, 2.6, 0.9, sd, true, formatted);
            assertThat(lazy.equals(eager)).isTrue();
            assertThat(lazy.hashCode()).isEqualTo(eager.hashCode());
            assertThat(lazy.message()).isEqualTo(formatted);
        }
        Forecast a = Forecast.laplace(5, 2.5, 2.4, 2.6, 0.9, 0.01, 0.001, 0.002, 0.003);
        assertThat(a).isNotEqualTo(Forecast.laplace(5, 2.5, 2.4, 2.6, 0.9, 0.01, 0.001, 0.002, 0.004));
        assertThat(a).isNotEqualTo(Forecast.laplace(5, 2.5, 2.4, 2.61, 0.9, 0.01, 0.001, 0.002, 0.003));
        assertThat(a).isNotEqualTo(new Forecast(5, 2.5, 2.4, 2.6, 0.9, 0.01, true, "other"));
    }

    @Test
    void priorGainPercentIsTheFormattersHalfUpRounding() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (int i = 0; i < 100_000; i++) {
            double gmax = Forecaster.PRIOR_MAX_ANNEALING_GAIN * (i < 1_001 ? i / 1_000.0 : rnd.nextDouble());
            assertThat(Math.round(100 * gmax) + "%").isEqualTo(String.format(Locale.ROOT, "%.0f%%", 100 * gmax));
        }
    }
}
