package dev.runlaw.producers.importer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.schema.StepMetrics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JSON Lines of step metrics. */
class JsonlImportTest {
    @TempDir
    Path dir;

    @Test
    void readsEveryStepMetricsFieldAndFillsRunIdAndWallTimeWhenAbsent() throws IOException {
        Path f = dir.resolve("m.jsonl");
        Files.writeString(f, String.join("\n",
                "{\"run_id\": \"a\", \"step\": 10, \"lr\": 1e-4, \"loss\": 2.5, \"wall_time_ms\": 1700000000123,"
                        + " \"tokens_seen\": 5000, \"grad_norm\": 0.7, \"grad_sq_norm_small\": 4.0, \"batch_small\": 8,"
                        + " \"grad_sq_norm_big\": 1.0, \"batch_big\": 64, \"throughput_tokens_per_s\": 1e5,"
                        + " \"group_lrs\": {\"embed\": 1e-5}, \"extra\": \"ignored\"}",
                "{\"step\": 11.0, \"lr\": 1e-4, \"loss\": null}",
                "") + "\n");
        Harness h = new Harness(ImportFormat.JSONL, dir.resolve("state"));
        FileResult r = h.run(f, "default-run");

        assertThat(r.malformed()).isZero();
        List<StepMetrics> s = h.sink.steps();
        assertThat(s).hasSize(2);
        StepMetrics a = s.get(0);
        assertThat(a.getRunId()).isEqualTo("a");
        assertThat(a.getWallTimeMs()).isEqualTo(1_700_000_000_123L);
        assertThat(a.getTokensSeen()).isEqualTo(5000);
        assertThat(a.getGradNorm()).isEqualTo(0.7);
        assertThat(a.getBatchSmall()).isEqualTo(8L);
        assertThat(a.getBatchBig()).isEqualTo(64L);
        assertThat(a.getThroughputTokensPerS()).isEqualTo(1e5);
        assertThat(a.getGroupLrs()).isEqualTo(Map.of("embed", 1e-5));
        StepMetrics b = s.get(1);
        assertThat(b.getRunId()).isEqualTo("default-run");
        assertThat(b.getStep()).isEqualTo(11);
        assertThat(b.getLoss()).isNull();
        assertThat(b.getWallTimeMs()).isEqualTo(Harness.ORIGIN_MS + 11_000);
        assertThat(r.lastSteps()).isEqualTo(Map.of("a", 10L, "default-run", 11L));
    }

    @Test
    void reportsEachMalformedLineWithItsReason() throws IOException {
        Path f = dir.resolve("bad.jsonl");
        Files.writeString(f, String.join("\n",
                "{\"step\": 1, \"lr\": 1e-4}",                              // 1 no run id, no default
                "{\"run_id\": \"r\", \"step\": 2, \"lr\": 1e-4, \"loss\": NaN}",  // 2 NaN loss
                "{\"run_id\": \"r\", \"step\": 3}",                          // 3 lr missing
                "[1, 2, 3]",                                                 // 4 not an object
                "{\"run_id\": \"r\", \"step\": 4, \"lr\": 1e-4",               // 5 truncated JSON
                "{\"run_id\": \"r\", \"step\": \"5\", \"lr\": 1e-4}",          // 6 step a string
                "{\"run_id\": \"r\", \"step\": 6, \"lr\": 1e-4, \"grad_sq_norm_small\": 1.0}", // 7 no batch_small
                "{\"run_id\": \"r\", \"step\": 7, \"lr\": 1e-4, \"loss\": 2.0}") + "\n"); // 8 ok
        Harness h = new Harness(ImportFormat.JSONL, dir.resolve("state"));
        FileResult r = h.run(f, null);

        assertThat(h.sink.steps()).extracting(StepMetrics::getStep).containsExactly(7L);
        assertThat(r.malformed()).isEqualTo(7);
        assertThat(h.err()).contains(f + ":1: no run_id in the line and no --run-id given")
                .contains(f + ":2: NON_FINITE_LOSS")
                .contains(f + ":3: lr is missing")
                .contains(f + ":4: not a JSON object")
                .contains(f + ":5: not JSON")
                .contains(f + ":6: step must be an integer")
                .contains(f + ":7: INCONSISTENT");
    }

    @Test
    void seededRandomGarbageIsRefusedLineByLine() throws IOException {
        Random rnd = new Random(7);
        List<String> lines = new ArrayList<>();
        int valid = 500;
        for (int s = 0; s < valid; s++) {
            lines.add("{\"run_id\": \"g\", \"step\": " + s + ", \"lr\": 0.001, \"loss\": " + (3 - s * 1e-3) + "}");
        }
        for (int i = 0; i < 200; i++) {
            lines.add(rnd.nextInt(lines.size() + 1), CsvImportTest.randomGarbage(rnd));
        }
        Path f = dir.resolve("g.jsonl");
        Files.write(f, lines, StandardCharsets.UTF_8);
        Harness h = new Harness(ImportFormat.JSONL, dir.resolve("state"));
        FileResult r = h.run(f, null);
        assertThat(h.sink.steps()).hasSize(valid);
        assertThat(r.malformed()).isEqualTo(200);
    }
}
