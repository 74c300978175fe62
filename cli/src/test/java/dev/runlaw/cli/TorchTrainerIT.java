package dev.runlaw.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real PyTorch run ({@code producers/python/examples/train_tiny_moe.py} on Debian's python3-torch) through the
 * real gateway, broker, Flink jobs (ingest, forecast, alert, batch-size) and ClickHouse server, as
 * {@code ./runlaw demo --trainer torch} runs it ({@link TorchDemo#execute}): the LR blows up at step
 * {@value #DIVERGE_AT}, just after the alert job's detectors have warmed up on 64 losses; the alert job must raise
 * DIVERGENCE, the trainer must hear it through the gateway and stop early, and ClickHouse must hold exactly the rows
 * the trainer says it logged, a forecast and a B_simple estimate. The stop target (final loss below 1000) is one no
 * forecast can advise stopping for, so only the alert can stop the run.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class TorchTrainerIT {
    static final String RUN = "torch-it";
    static final int STEPS = 150;
    static final int DIVERGE_AT = 66;
    static LocalStack stack;
    static TorchDemo.Outcome outcome;
    static String output;

    @BeforeAll
    static void run() throws Exception {
        Path python = TorchTrainer.findPython().orElseThrow(() -> new AssertionError(
                "no python3 with torch (bash .ci/install-deps.sh installs python3-torch): " + TorchTrainer.HOW_TO_INSTALL));
        stack = LocalStack.start();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            TorchDemo.Settings s = new TorchDemo.Settings(RUN, STEPS, DIVERGE_AT, 1000, Duration.ofMinutes(4));
            try {
                outcome = TorchDemo.execute(stack, python, s, out);
                TorchDemo.print(outcome, s, out);
            } finally {
                output = buf.toString(StandardCharsets.UTF_8);
                System.out.println(output);
            }
        }
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void trainerHearsTheDivergenceAlertAndStopsEarly() {
        TorchTrainer.Result r = outcome.trainer();
        assertThat(r.exitCode()).as(output).isZero();
        assertThat(r.stoppedBy()).as(output).isEqualTo("alert:DIVERGENCE");
        long last = r.count("last_step");
        assertThat(last).as("stopped before the planned end").isLessThan(STEPS - 1).isGreaterThan(DIVERGE_AT);
        assertThat(r.count("steps_logged")).isEqualTo(last + 1);
        List<JsonNode> divergence = new ArrayList<>();
        r.result().path("alerts").forEach(a -> {
            if (a.path("kind").asText().equals("DIVERGENCE")) {
                divergence.add(a);
            }
        });
        assertThat(divergence).as(output).isNotEmpty();
        assertThat(divergence.get(0).path("severity").asText()).isEqualTo("CRITICAL");
        assertThat(divergence.get(0).path("state").asText()).isEqualTo("OPEN");
        assertThat(divergence.get(0).path("detected_step").asLong()).isGreaterThan(DIVERGE_AT).isLessThanOrEqualTo(last);
        assertThat(r.lines()).anyMatch(l -> l.startsWith("STOPPED at step " + last + " by alert:DIVERGENCE"));
        JsonNode stats = r.result().path("stats");
        assertThat(stats.path("rejected").asLong()).as("a finite loss at every step: nothing refused").isZero();
        assertThat(stats.path("dropped").asLong()).isZero();
        assertThat(stats.path("failed").asLong()).isZero();
    }

    @Test
    void everyRowTheTrainerLoggedIsInClickHouseOnce() {
        assertThat(outcome.rows()).as(output).isEqualTo(outcome.expected());
        assertThat(outcome.expected().get("eval_metrics")).isPositive();
        assertThat(outcome.expected().get("routing_trace")).isPositive();
        String where = " WHERE run_id = '" + RUN + "'";
        assertThat(stack.http().queryValue("SELECT status FROM run_finished FINAL" + where).trim())
                .isEqualTo("STOPPED_EARLY");
        // Every step carries the noise-scale fields from its 4 micro-batches of 4 sequences and a gradient norm;
        // every step but the first a throughput.
        assertThat(stack.http().query("SELECT count(), countIf(grad_sq_norm_small > 0 AND grad_sq_norm_big > 0 AND "
                + "batch_small = 4 AND batch_big = 16 AND grad_norm > 0 AND tokens_seen = (step + 1) * 1024), "
                + "countIf(throughput_tokens_per_s > 0) FROM step_metrics FINAL" + where).get(0))
                .containsExactly(String.valueOf(outcome.rows().get("step_metrics")),
                        String.valueOf(outcome.rows().get("step_metrics")),
                        String.valueOf(outcome.rows().get("step_metrics") - 1));
        // Each layer's load sums to the step's tokens times top-k (no capacity limit: nothing dropped).
        assertThat(stack.http().queryValue("SELECT countIf(arraySum(tokens_per_expert) != 16 * 64 * 2) "
                + "FROM expert_load FINAL" + where).trim()).isEqualTo("0");
    }

    @Test
    void forecastNoiseScaleAndDivergenceAlertAreInClickHouse() {
        assertThat(outcome.forecast()).as(output).isNotEmpty();
        assertThat(Long.parseLong(outcome.forecast().get(6))).as("planned final step").isEqualTo(STEPS);
        assertThat(Double.parseDouble(outcome.forecast().get(3))).as("final loss forecast").isPositive();
        // Before the blow-up the run was healthy: the law's final loss lies near where the loss was heading (2.5
        // nats/byte at step 60, still falling), not at the diverged values.
        assertThat(stack.http().queryValue("SELECT countIf(final_pred > 1 AND final_pred < 4) FROM forecasts FINAL "
                + "WHERE run_id = '" + RUN + "' AND step < " + DIVERGE_AT).trim()).as(output).isNotEqualTo("0");
        assertThat(Double.parseDouble(outcome.noise().get(1))).as("B_simple").isPositive();
        assertThat(outcome.alerts()).as(output).anySatisfy(a -> {
            assertThat(a.get(0)).isEqualTo("DIVERGENCE");
            assertThat(a.get(1)).isEqualTo("CRITICAL");
            assertThat(Long.parseLong(a.get(5))).isGreaterThan(DIVERGE_AT);
        });
    }
}
