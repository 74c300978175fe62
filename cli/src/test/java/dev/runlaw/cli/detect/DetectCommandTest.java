package dev.runlaw.cli.detect;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code runlaw detect} on a real per-step training log (test resources {@code spiky-runs/}, see its NOTICE.md):
 * the report's shape, its two largest natural spikes flagged, no STALL for SOAP's regular slow steps, and bad input
 * as a usage error naming file and line.
 */
class DetectCommandTest {
    @TempDir
    Path dir;

    private static Path soap() throws URISyntaxException {
        return Path.of(DetectCommandTest.class.getClassLoader()
                .getResource("spiky-runs/2024-10-09_SOAP__5bdc3988.csv").toURI());
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
    void flagsTheLargestNaturalSpikesOfARealRunAndWritesTheReport() throws Exception {
        Path report = dir.resolve("r.json");
        Run r = run("--report", report.toString(), soap().toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode root = new ObjectMapper().readTree(report.toFile());
        JsonNode run = root.get("runs").get(0);
        assertThat(run.get("name").asText()).isEqualTo("2024-10-09_SOAP__5bdc3988");
        assertThat(run.get("steps").asInt()).isEqualTo(6000);
        List<Long> spikes = new ArrayList<>();
        for (JsonNode a : run.get("alerts")) {
            assertThat(a.fieldNames()).toIterable().containsExactly("kind", "severity", "first_step",
                    "detected_step", "last_step", "value", "expected", "score");
            assertThat(a.get("kind").asText()).as("SOAP's slow 10th steps are not hangs").isNotEqualTo("STALL");
            if (a.get("kind").asText().equals("LOSS_SPIKE")) {
                spikes.add(a.get("first_step").asLong());
            }
        }
        assertThat(spikes).contains(947L, 5335L);
        assertThat(r.out()).contains("LOSS_SPIKE");
    }

    @Test
    void badInputIsAUsageErrorNamingFileAndLine() throws IOException {
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "step,lr,loss\n1,0.1,3.0\n2,0.1,abc\n");
        Run r = run(bad.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("runlaw detect: " + bad + ":3:").contains("loss 'abc' is not a number");

        Path header = dir.resolve("header.csv");
        Files.writeString(header, "step,loss\n1,3.0\n");
        Run h = run(header.toString());
        assertThat(h.code()).isEqualTo(2);
        assertThat(h.err()).contains(header + ":1:");

        assertThat(run(dir.resolve("missing.csv").toString()).code()).isEqualTo(2);
    }
}
