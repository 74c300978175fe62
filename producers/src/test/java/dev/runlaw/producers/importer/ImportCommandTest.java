package dev.runlaw.producers.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runlaw.schema.SourceKind;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Command-line parsing and run naming of {@code runlaw import}; the imports themselves are in cli's ImportIT. */
class ImportCommandTest {
    private static int run(ByteArrayOutputStream out, String... args) {
        PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
        return ImportCommand.run(args, ps, ps);
    }

    @Test
    void helpPrintsUsageAndSucceeds() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(run(out, "csv", "--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Usage: runlaw import csv").contains("--state-dir");
        assertThat(run(new ByteArrayOutputStream(), "--help")).isZero();
    }

    @Test
    void usageErrorsExitWithTwo() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(run(out, "parquet", "--bootstrap", "k:9092", "f")).isEqualTo(2);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("runlaw import: Unmatched arguments from index 1: 'parquet'")
                .contains("Usage: runlaw import", "megatron-routing");
        assertThat(run(new ByteArrayOutputStream(), "csv", "f.csv")).isEqualTo(2); // no --bootstrap
        assertThat(run(new ByteArrayOutputStream(), "csv", "--bootstrap", "k:9092")).isEqualTo(2); // no file
        ByteArrayOutputStream m = new ByteArrayOutputStream();
        assertThat(run(m, "megatron-routing", "--bootstrap", "k:9092", "d")).isEqualTo(2);
        assertThat(m.toString(StandardCharsets.UTF_8)).contains("needs --run-id");
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        assertThat(run(b, "megatron-routing", "--bootstrap", "k:9092", "--run-id", "m", "--batch-tokens",
                "100000", "d")).isEqualTo(2);
        assertThat(b.toString(StandardCharsets.UTF_8)).contains("limits.max-tokens-per-batch");
    }

    @Test
    void parsesEveryOption() {
        ImportCommand.Options o = ImportCommand.parse(new String[] {"tensorboard", "--bootstrap", "k:1",
            "--run-id", "r", "--family", "f", "--planned-steps", "100", "--finished", "--no-run-records",
            "--eval-set", "validation",
            "--start-time", "2025-01-01T00:00:00Z", "--step-seconds", "2.5", "--loss-tag", "a, b", "--lr-tag", "c",
            "--topic-prefix", "p.", "--state-dir", "/s",
            "--force", "--checkpoint-records", "7", "--max-errors", "3", "--no-progress",
            "--limits.max-top-k", "8", "x", "y"});
        assertThat(o.format()).isEqualTo(ImportFormat.TENSORBOARD);
        assertThat(o.runId()).isEqualTo("r");
        assertThat(o.familyId()).isEqualTo("f");
        assertThat(o.plannedSteps()).isEqualTo(100);
        assertThat(o.finished()).isTrue();
        assertThat(o.runRecords()).isFalse();
        assertThat(o.evalSet()).isEqualTo("validation");
        assertThat(o.startMs()).isEqualTo(1_735_689_600_000L);
        assertThat(o.settings().stepSeconds()).isEqualTo(2.5);
        assertThat(o.settings().lossTags()).containsExactly("a", "b");
        assertThat(o.settings().lrTags()).containsExactly("c");
        assertThat(o.settings().limits().maxTopK()).isEqualTo(8);
        assertThat(o.topicPrefix()).isEqualTo("p.");
        assertThat(o.stateDir()).isEqualTo(Path.of("/s"));
        assertThat(o.force()).isTrue();
        assertThat(o.checkpointRecords()).isEqualTo(7);
        assertThat(o.maxErrors()).isEqualTo(3);
        assertThat(o.progress()).isFalse();
        assertThat(o.paths()).containsExactly(Path.of("x"), Path.of("y"));
        assertThat(o.target()).isEqualTo("k:1|p.");
        // A repeated option: the last one wins, as with the hand-written parser scripts were written against.
        assertThat(ImportCommand.parse(new String[] {"csv", "--bootstrap", "k:1", "--checkpoint-records", "7",
            "--checkpoint-records", "9", "d"}).checkpointRecords()).isEqualTo(9);
        // The routing-trace options belong to megatron-routing (and the tag options to tensorboard) only.
        ImportCommand.Options m = ImportCommand.parse(new String[] {"megatron-routing", "--bootstrap", "k:1",
            "--run-id", "m", "--batch-tokens", "10", "--source-kind", "inference", "d"});
        assertThat(m.settings().batchTokens()).isEqualTo(10);
        assertThat(m.settings().sourceKind()).isEqualTo(SourceKind.INFERENCE);
        assertThatThrownBy(() -> ImportCommand.parse(new String[] {"csv", "--bootstrap", "k:1", "--batch-tokens",
            "10", "d"})).hasMessageContaining("--batch-tokens");
        assertThatThrownBy(() -> ImportCommand.parse(new String[] {"jsonl", "--bootstrap", "k:1", "--loss-tag",
            "a", "d"})).hasMessageContaining("--loss-tag");
        assertThatThrownBy(() -> ImportCommand.parse(new String[] {"megatron-routing", "--bootstrap", "k",
            "--run-id", "m", "--eval-set", "v", "d"})).hasMessageContaining("--eval-set applies to step metrics");
        assertThatThrownBy(() -> ImportCommand.parse(new String[] {"csv", "--bootstrap", "k", "--start-time",
            "yesterday", "f"})).hasMessageContaining("--start-time");
    }

    @Test
    void runsAreNamedAfterTheCsvFileOrTheEventFilesDirectoryUnlessGiven() {
        ImportCommand.Options csv = ImportCommand.parse(new String[] {"csv", "--bootstrap", "k", "d"});
        assertThat(ImportRun.runIdFor(csv, Path.of("/data/cosine_24000.csv"))).isEqualTo("cosine_24000");
        ImportCommand.Options tb = ImportCommand.parse(new String[] {"tensorboard", "--bootstrap", "k", "d"});
        assertThat(ImportRun.runIdFor(tb, Path.of("/logs/run-7/events.out.tfevents.1.host"))).isEqualTo("run-7");
        ImportCommand.Options jsonl = ImportCommand.parse(new String[] {"jsonl", "--bootstrap", "k", "d"});
        assertThat(ImportRun.runIdFor(jsonl, Path.of("m.jsonl"))).isNull();
        ImportCommand.Options given = ImportCommand.parse(new String[] {"csv", "--bootstrap", "k",
            "--run-id", "mine", "d"});
        assertThat(ImportRun.runIdFor(given, Path.of("x.csv"))).isEqualTo("mine");
    }

    @Test
    void exitCodeIsOneOnlyWhenNothingCouldBeImported() {
        var ok = new dev.runlaw.producers.importer.FileResult(Path.of("a"), "r",
                dev.runlaw.producers.importer.FileResult.Status.IMPORTED, 0, 10, 9, 1, 9, 0, java.util.Map.of(), null);
        var bad = new dev.runlaw.producers.importer.FileResult(Path.of("b"), "r",
                dev.runlaw.producers.importer.FileResult.Status.IMPORTED, 0, 10, 0, 10, 0, 0, java.util.Map.of(), null);
        assertThat(new ImportRun.Summary(List.of(ok, bad), 0, false).exitCode()).isZero();
        assertThat(new ImportRun.Summary(List.of(bad), 0, false).exitCode()).isEqualTo(1);
        assertThat(new ImportRun.Summary(List.of(ok), 0, true).exitCode()).isEqualTo(1);
        assertThat(new ImportRun.Summary(List.of(), 0, false).exitCode()).isEqualTo(1);
    }

    @Test
    void givesKafkaClientPropertiesToTheProducer() {
        ImportCommand.Options o = ImportCommand.parse(new String[] {"csv", "--bootstrap", "k:9093", "--kafka",
            "security.protocol=SASL_PLAINTEXT", "--kafka", "sasl.mechanism=SCRAM-SHA-256", "d"});
        assertThat(o.kafka().asMap()).containsEntry("security.protocol", "SASL_PLAINTEXT")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-256").hasSize(2);
        assertThatThrownBy(() -> ImportCommand.parse(new String[] {"csv", "--bootstrap", "k", "--kafka",
            "value.serializer=x", "d"})).hasMessageContaining("value.serializer is set by runlaw");
    }
}
