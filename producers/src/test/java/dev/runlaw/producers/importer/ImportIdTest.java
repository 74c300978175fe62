package dev.runlaw.producers.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runlaw.schema.StepMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Importers refuse run ids and eval sets outside the id character set, whether given as options or in a file. */
class ImportIdTest {
    @TempDir
    Path dir;

    @Test
    void hostileRunIdFromTheCommandLineFailsTheFileBeforeAnythingIsSentOrCheckpointed() throws IOException {
        Path f = dir.resolve("ok.csv");
        Files.writeString(f, "step,lr,loss\n0,1e-4,3.0\n1,1e-4,2.9\n");
        Path state = dir.resolve("state");
        Harness h = new Harness(ImportFormat.CSV, state);

        FileResult r = h.run(f, "x'; DROP TABLE step_metrics; --");

        assertThat(r.status()).isEqualTo(FileResult.Status.FAILED);
        assertThat(r.message()).contains("INVALID_ID").contains("run id has character U+0027 at index 1")
                .contains("--run-id");
        assertThat(h.err()).contains(f + ": INVALID_ID");
        assertThat(h.sink.steps()).isEmpty();
        assertThat(Files.exists(state) ? Files.list(state).toList() : List.of()).as("checkpoints").isEmpty();

        // The same file under a valid id imports.
        assertThat(h.run(f, "ok-run").status()).isEqualTo(FileResult.Status.IMPORTED);
        assertThat(h.sink.steps()).extracting(StepMetrics::getRunId).containsOnly("ok-run");
    }

    @Test
    void aCsvNamedWithASpaceNeedsAnExplicitRunId() throws IOException {
        Path f = dir.resolve("my run.csv");
        Files.writeString(f, "step,lr,loss\n0,1e-4,3.0\n");
        Harness h = new Harness(ImportFormat.CSV, dir.resolve("state"));
        FileResult r = h.run(f, "my run");
        assertThat(r.status()).isEqualTo(FileResult.Status.FAILED);
        assertThat(r.message()).contains("INVALID_ID").contains("U+0020");
        assertThat(h.sink.steps()).isEmpty();
    }

    @Test
    void jsonlLinesWithHostileRunIdsAreRefusedLineByLineAndTheRestImported() throws IOException {
        Path f = dir.resolve("ids.jsonl");
        Files.writeString(f, String.join("\n",
                "{\"run_id\": \"run\\\\\", \"step\": 1, \"lr\": 1e-4}",         // 1 backslash
                "{\"run_id\": \"r\\u00e9sum\\u00e9\", \"step\": 2, \"lr\": 1e-4}", // 2 unicode
                "{\"run_id\": \"a b\", \"step\": 3, \"lr\": 1e-4}",             // 3 space
                "{\"run_id\": \"a\\nb\", \"step\": 4, \"lr\": 1e-4}",           // 4 newline
                "{\"run_id\": \"good/run@1\", \"step\": 5, \"lr\": 1e-4}") + "\n"); // 5 ok
        Harness h = new Harness(ImportFormat.JSONL, dir.resolve("state"));
        FileResult r = h.run(f, null);
        assertThat(r.malformed()).isEqualTo(4);
        assertThat(h.sink.steps()).extracting(StepMetrics::getRunId).containsExactly("good/run@1");
        for (int line = 1; line <= 4; line++) {
            assertThat(h.err()).contains(f + ":" + line + ": INVALID_ID: run_id has character U+");
        }
    }

    @Test
    void hostileEvalSetOptionIsRefusedWhenTheImportIsConfigured() {
        assertThatThrownBy(() -> new FileImporter.Options(ImportFormat.CSV, ImportSettings.defaults(), "t", false,
                null, 10, Duration.ofSeconds(1), Duration.ofSeconds(1), 5, false, "val' OR 1=1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("INVALID_ID")
                .hasMessageContaining("eval set has character U+0027");
    }
}
