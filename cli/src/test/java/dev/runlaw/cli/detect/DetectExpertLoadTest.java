package dev.runlaw.cli.detect;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code runlaw detect --expert-load} on the real tiny-moe collapse run (test resources {@code tiny-moe/}, see its
 * NOTICE.md): the MoE alerts join the run's report with their layer; bad load files are usage errors naming file
 * and line.
 */
class DetectExpertLoadTest {
    @TempDir
    Path dir;

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(DetectExpertLoadTest.class.getClassLoader().getResource("tiny-moe/" + name).toURI());
    }

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = DetectCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void collapseAlertsJoinTheRunWithTheirLayer() throws Exception {
        Path report = dir.resolve("r.json");
        Run r = run("--report", report.toString(), "--expert-load", resource("expert_load_collapse.csv").toString(),
                resource("run_collapse.csv").toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode runs = new ObjectMapper().readTree(report.toFile()).get("runs");
        assertThat(runs).hasSize(1);
        JsonNode run = runs.get(0);
        assertThat(run.get("name").asText()).isEqualTo("run_collapse");
        assertThat(run.get("steps").asInt()).isEqualTo(1000);
        JsonNode collapse = null;
        int dead = 0;
        for (JsonNode a : run.get("alerts")) {
            String kind = a.get("kind").asText();
            if (kind.equals("ROUTER_COLLAPSE") && a.get("layer").asInt() == 2) {
                collapse = a;
            }
            if (kind.equals("DEAD_EXPERT")) {
                assertThat(a.get("layer").asInt()).isBetween(1, 2);
                dead++;
            }
        }
        assertThat(collapse).isNotNull();
        assertThat(collapse.get("severity").asText()).isEqualTo("CRITICAL");
        assertThat(collapse.get("detected_step").asLong()).isBetween(7L, 12L);
        // Still collapsed when the file ends: resolved at its last step.
        assertThat(collapse.get("last_step").asLong()).isEqualTo(999);
        assertThat(dead).isEqualTo(8); // 7 + 2 dead periods, experts 2 and 4 dying together share one alert
        assertThat(r.out()).contains("ROUTER_COLLAPSE");
    }

    @Test
    void aLoadFileOfItsOwnBecomesARunWhenSeveralRunsAreGiven() throws Exception {
        Path report = dir.resolve("r.json");
        Path run = dir.resolve("short.csv");
        Files.writeString(run, "step,lr,loss\n0,0.001,5.0\n1,0.001,4.9\n2,0.001,4.8\n");
        Run r = run("--report", report.toString(), "--expert-load", resource("expert_load_collapse.csv").toString(),
                run.toString(), run.toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode runs = new ObjectMapper().readTree(report.toFile()).get("runs");
        assertThat(runs).hasSize(3);
        assertThat(runs.get(0).get("alerts")).isEmpty();
        assertThat(runs.get(2).get("name").asText()).isEqualTo("expert_load_collapse");
        assertThat(runs.get(2).get("steps").asInt()).isEqualTo(1000);
        assertThat(runs.get(2).get("alerts")).allSatisfy(a -> assertThat(a.has("layer")).isTrue());
    }

    @Test
    void badLoadFileIsAUsageErrorNamingFileAndLine() throws Exception {
        Path bad = dir.resolve("load.csv");
        Files.writeString(bad, "step,layer,tokens_per_expert\n0,0,5 5\n1,0,5 -5\n");
        Path run = dir.resolve("short.csv");
        Files.writeString(run, "step,lr,loss\n0,0.001,5.0\n1,0.001,4.9\n");
        Run r = run("--expert-load", bad.toString(), run.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(bad + ":3: tokens_per_expert entry 1 is negative");
    }
}
