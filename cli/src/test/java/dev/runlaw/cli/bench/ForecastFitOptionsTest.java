package dev.runlaw.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ForecastFitOptionsTest {
    @Test
    void defaultsToThreeWarmupAndFiveMeasurementIterationsInOneFork() {
        ForecastFitOptions o = ForecastFitOptions.parse(new String[0]);
        assertThat(o).isEqualTo(ForecastFitOptions.defaults());
        assertThat(o.warmup()).isEqualTo(3);
        assertThat(o.iterations()).isEqualTo(5);
        assertThat(o.iterationMs()).isEqualTo(1000);
        assertThat(o.forks()).isEqualTo(1);
        assertThat(o.scipy()).isTrue();
        assertThat(o.models()).containsExactly("mpl-25m", "mpl-100m");
    }

    @Test
    void parsesEveryOption() {
        ForecastFitOptions o = ForecastFitOptions.parse(new String[] {"--warmup", "0", "--iterations", "2",
            "--iteration-ms", "200", "--forks", "2", "--scipy-repeats", "1", "--no-scipy", "--python", "python3.11",
            "--models", "mpl-100m"});
        assertThat(o).isEqualTo(new ForecastFitOptions(0, 2, 200, 2, 1, false, "python3.11", List.of("mpl-100m")));
    }

    @Test
    void rejectsUnknownOptionsModelsAndBadCounts() {
        assertThatThrownBy(() -> ForecastFitOptions.parse(new String[] {"--fast"})).hasMessageContaining("--fast");
        assertThatThrownBy(() -> ForecastFitOptions.parse(new String[] {"--models", "mpl-1b"}))
                .hasMessageContaining("mpl-1b");
        assertThatThrownBy(() -> ForecastFitOptions.parse(new String[] {"--iterations", "0"}))
                .hasMessageContaining(">= 1");
        assertThatThrownBy(() -> ForecastFitOptions.parse(new String[] {"--warmup", "x"}))
                .hasMessageContaining("'x' is not an int");
        assertThatThrownBy(() -> ForecastFitOptions.parse(new String[] {"--forks"}))
                .hasMessageContaining("Missing required parameter for option '--forks'");
    }

    @Test
    void commandPrintsUsageAndExitsTwoOnMisuse() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int code = ForecastFitBench.run(new String[] {"--bogus"}, new PrintStream(buf, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(2);
        assertThat(buf.toString(StandardCharsets.UTF_8)).contains("runlaw bench forecast-fit: Unknown option: '--bogus'")
                .contains("Usage: runlaw bench forecast-fit");
    }
}
