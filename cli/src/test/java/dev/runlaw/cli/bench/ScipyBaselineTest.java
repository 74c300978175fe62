package dev.runlaw.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScipyBaselineTest {
    static final String ANSWER = """
            {"method": "L-BFGS-B", "python": "3.11.7", "numpy": "2.4.6", "scipy": "1.17.1", "lambda": 0.998,
             "points": 437, "prep_seconds": 0.08, "wall_seconds": [2.1, 1.9], "wall_seconds_mean": 2.0,
             "wall_seconds_min": 1.9, "starts": 81, "starts_converged": 81, "iterations": 2831,
             "params": {"L0": 3.24, "A": 0.548, "alpha": 0.807, "C": 0.759},
             "objective": 0.000376, "fit_error": 0.00126, "pred_e": {"cosine_72000": 0.0012},
             "pred_e_mean": 0.00196}
            """;

    @Test
    void parsesTheScriptsAnswer() throws IOException {
        ScipyBaseline b = ScipyBaseline.parse(ANSWER);
        assertThat(b.wallSecondsMean()).isEqualTo(2.0);
        assertThat(b.wallSecondsMin()).isEqualTo(1.9);
        assertThat(b.repeats()).isEqualTo(2);
        assertThat(b.lambda()).isEqualTo(0.998);
        assertThat(b.objective()).isEqualTo(0.000376);
        assertThat(b.fitError()).isEqualTo(0.00126);
        assertThat(b.predEMean()).isEqualTo(0.00196);
        assertThat(b.startsConverged()).isEqualTo(81);
        assertThat(b.params()).containsEntry("alpha", 0.807).hasSize(4);
        assertThat(b.versions()).isEqualTo("python 3.11.7, numpy 2.4.6, scipy 1.17.1");
    }

    @Test
    void rejectsAnAnswerWithoutTimings() {
        assertThatThrownBy(() -> ScipyBaseline.parse("{\"objective\": 1}"))
                .isInstanceOf(IOException.class).hasMessageContaining("wall_seconds_mean");
    }

    @Test
    void passesTheThreeFitRunsThePredictRunsAndTheLambda() {
        List<String> cmd = ScipyBaseline.command("python3", "mpl-25m", 0.998, 3);
        assertThat(cmd.subList(0, 2)).containsExactly("python3", "bench/scipy_momentum_fit.py");
        assertThat(cmd.get(2)).endsWith("mpl-25m/cosine_24000.csv");
        assertThat(cmd.get(3)).endsWith("mpl-25m/constant_24000.csv");
        assertThat(cmd.get(4)).endsWith("mpl-25m/wsdcon_9.csv");
        assertThat(cmd.get(5)).isEqualTo("--predict");
        assertThat(cmd.subList(6, 12)).allMatch(s -> s.contains("mpl-25m/") && s.endsWith(".csv"));
        assertThat(cmd.subList(12, cmd.size())).containsExactly("--repeats", "3", "--lambda", "0.998");
    }
}
