package dev.runlaw.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code ./runlaw demo --trainer torch}'s option handling and the rows it expects from the trainer's counts. */
class TorchDemoTest {
    @Test
    void trainerTorchIsAcceptedAloneAndAnythingElseIsAUsageError() {
        assertThat(DemoCommand.parse("--trainer", "torch").trainer()).isEqualTo("torch");
        assertThat(DemoCommand.parse().trainer()).isNull();
        assertThatThrownBy(() -> DemoCommand.parse("--trainer", "jax"))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--trainer must be torch");
        assertThatThrownBy(() -> DemoCommand.parse("--trainer", "torch", "--observe-fraction", "0.5", "--runs", "."))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("on its own");
    }

    @Test
    void settingsPassTheRunTargetAndBlowUpToTheTrainer() {
        TorchDemo.Settings s = new TorchDemo.Settings("r1", 150, 66, 1000, Duration.ofMinutes(1));
        assertThat(s.args("http://h:1", "tok")).containsExactly("--url", "http://h:1", "--token", "tok", "--run", "r1",
                "--steps", "150", "--target-loss", "1000.0", "--poll-seconds", "2", "--diverge-at", "66");
        assertThat(new TorchDemo.Settings("r1", 10, -1, 2, Duration.ofMinutes(1)).args("u", "t"))
                .doesNotContain("--diverge-at");
        assertThat(TorchDemo.Settings.demo().divergeAt()).as("after the detectors' 64-step warm-up")
                .isGreaterThanOrEqualTo(64);
    }

    @Test
    void expectsOneRowPerLoggedRecordPerTable() throws Exception {
        TorchTrainer.Result r = new TorchTrainer.Result(0, List.of(), new ObjectMapper().readTree(
                "{\"steps_logged\": 81, \"evals_logged\": 3, \"layers\": 2, \"routes_logged\": 1024,"
                        + " \"stopped_by\": \"alert:DIVERGENCE\"}"));
        assertThat(TorchDemo.expectedRows(r)).isEqualTo(Map.of("runs", 1L, "run_finished", 1L, "step_metrics", 81L,
                "eval_metrics", 3L, "expert_load", 162L, "routing_trace", 1024L));
        assertThat(r.stoppedBy()).isEqualTo("alert:DIVERGENCE");
        assertThat(TorchDemo.TABLES).containsEntry("routing_trace", "source").containsEntry("step_metrics", "run_id");
    }
}
