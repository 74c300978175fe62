package dev.runlaw.producers.importer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.schema.StepMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints, resume after a kill, skip when complete, force, and continuing a grown file. */
class FileImporterTest {
    @TempDir
    Path dir;

    private Path csv(int rows) throws IOException {
        Path f = dir.resolve("run.csv");
        StringBuilder sb = new StringBuilder("step,lr,loss\n");
        for (int s = 0; s < rows; s++) {
            sb.append(s).append(",0.0003,").append(3.0 - s * 1e-4).append('\n');
        }
        Files.writeString(f, sb);
        return f;
    }

    private static Set<Long> steps(Harness h) {
        return h.sink.steps().stream().map(StepMetrics::getStep).collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void aKilledImportResumesAtTheLastAcknowledgedCheckpointAndLosesNothing() throws IOException {
        Path f = csv(5000);
        Path state = dir.resolve("state");
        Harness first = new Harness(ImportFormat.CSV, state, ImportSettings.defaults(), 700, false);
        first.importer.stopAfterUnits(2345);
        FileResult killed = first.run(f, "r");
        assertThat(killed.status()).isEqualTo(FileResult.Status.STOPPED);
        assertThat(first.sink.steps()).hasSize(2345);
        // Checkpoints at 700, 1400, 2100 records: the last one is the resume point.
        Checkpoint cp = new CheckpointStore(state).load(first.importer.checkpointPath(f, "r")).orElseThrow();
        assertThat(cp.units()).isEqualTo(2101); // header + 2100 rows
        assertThat(cp.records()).isEqualTo(2100);
        assertThat(cp.complete()).isFalse();

        Harness second = new Harness(ImportFormat.CSV, state, ImportSettings.defaults(), 700, false);
        FileResult resumed = second.run(f, "r");
        assertThat(resumed.status()).isEqualTo(FileResult.Status.IMPORTED);
        assertThat(resumed.resumedFrom()).isEqualTo(cp.offset()).isPositive();
        // The second run re-sends only what the first could not confirm: rows 2100..4999.
        assertThat(steps(second)).isEqualTo(LongStream.range(2100, 5000).boxed().collect(Collectors.toSet()));
        assertThat(second.sink.steps()).hasSize(2900);
        Set<Long> union = new TreeSet<>(steps(first));
        union.addAll(steps(second));
        assertThat(union).hasSize(5000);
        assertThat(resumed.totalRecords()).isEqualTo(5000);
        assertThat(resumed.lastSteps()).containsEntry("r", 4999L);
        // Same wall times both times: re-sent rows are identical and collapse in ClickHouse.
        StepMetrics a = first.sink.steps().get(2200);
        StepMetrics b = second.sink.steps().get(100);
        assertThat(b).isEqualTo(a);
    }

    @Test
    void aCompletedFileIsSkippedUnlessForcedAndAGrownFileContinuesFromItsEnd() throws IOException {
        Path f = csv(100);
        Path state = dir.resolve("state");
        assertThat(new Harness(ImportFormat.CSV, state).run(f, "r").records()).isEqualTo(100);

        Harness again = new Harness(ImportFormat.CSV, state);
        FileResult skipped = again.run(f, "r");
        assertThat(skipped.status()).isEqualTo(FileResult.Status.SKIPPED);
        assertThat(again.sink.records).isEmpty();
        assertThat(skipped.lastSteps()).containsEntry("r", 99L);

        Harness forced = new Harness(ImportFormat.CSV, state, ImportSettings.defaults(), 1000, true);
        assertThat(forced.run(f, "r").records()).isEqualTo(100);

        Files.writeString(f, "100,0.0003,2.5\n101,0.0003,2.4\n", StandardOpenOption.APPEND);
        Harness grown = new Harness(ImportFormat.CSV, state);
        FileResult more = grown.run(f, "r");
        assertThat(more.status()).isEqualTo(FileResult.Status.IMPORTED);
        assertThat(steps(grown)).containsExactly(100L, 101L);
        assertThat(more.lastSteps()).containsEntry("r", 101L);

        // Another run id is another import of the same file: not skipped.
        Harness other = new Harness(ImportFormat.CSV, state);
        assertThat(other.run(f, "r2").records()).isEqualTo(102);
    }

    @Test
    void aFileShorterThanItsCheckpointIsImportedFromTheStart() throws IOException {
        Path f = csv(300);
        Path state = dir.resolve("state");
        new Harness(ImportFormat.CSV, state, ImportSettings.defaults(), 50, false).importer.stopAfterUnits(200)
                .importFile(f, "r");
        csv(20); // rewritten, shorter
        Harness h = new Harness(ImportFormat.CSV, state);
        FileResult r = h.run(f, "r");
        assertThat(h.err()).contains("shorter than at the last import");
        assertThat(r.resumedFrom()).isZero();
        assertThat(h.sink.steps()).hasSize(20);
    }

    @Test
    void checkpointsRecordTheOriginSoAForcedReimportKeepsWallTimes() throws IOException {
        Path f = csv(10);
        Path state = dir.resolve("state");
        new Harness(ImportFormat.CSV, state).run(f, "r");
        FileImporter.Options o = new FileImporter.Options(ImportFormat.CSV, ImportSettings.defaults(), "test-target",
                true, null, 1000, java.time.Duration.ofHours(1), java.time.Duration.ofSeconds(5), 20, false, null);
        ImportFixtures.ListSink sink = new ImportFixtures.ListSink();
        // A later clock: the checkpoint's origin must win over "now".
        new FileImporter(sink, new CheckpointStore(state), o, System.err, () -> Harness.ORIGIN_MS + 999_999)
                .importFile(f, "r");
        List<StepMetrics> steps = sink.steps();
        assertThat(steps.get(3).getWallTimeMs()).isEqualTo(Harness.ORIGIN_MS + 3000);
    }

    @Test
    void kafkaFailuresStopTheImportWithoutAdvancingTheCheckpoint() throws IOException {
        Path f = csv(5000);
        Path state = dir.resolve("state");
        java.util.concurrent.atomic.AtomicLong failed = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicBoolean flushOk = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicLong failAfter = new java.util.concurrent.atomic.AtomicLong(1500);
        RecordSink flaky = new RecordSink() {
            long sent;

            @Override
            public void send(org.apache.avro.specific.SpecificRecord record) {
                if (++sent > failAfter.get()) {
                    failed.incrementAndGet(); // the broker went away after 1,500 records
                }
            }

            @Override
            public boolean flush(java.time.Duration timeout) {
                return flushOk.get();
            }

            @Override
            public long failed() {
                return failed.get();
            }
        };
        FileImporter.Options o = new FileImporter.Options(ImportFormat.CSV, ImportSettings.defaults(), "t", false,
                null, 1000, java.time.Duration.ofHours(1), java.time.Duration.ofSeconds(1), 20, false, null);
        FileImporter imp = new FileImporter(flaky, new CheckpointStore(state), o, System.err, () -> 0L);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> imp.importFile(f, "r"))
                .isInstanceOf(IOException.class).hasMessageContaining("not acknowledged by Kafka");
        Checkpoint cp = new CheckpointStore(state).load(imp.checkpointPath(f, "r")).orElseThrow();
        assertThat(cp.records()).isEqualTo(1000); // the checkpoint before the failures

        // A flush that times out leaves the checkpoint where it was too.
        failed.set(0);
        failAfter.set(Long.MAX_VALUE);
        flushOk.set(false);
        Path g = dir.resolve("other.csv");
        Files.copy(f, g);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> imp.importFile(g, "r"))
                .isInstanceOf(IOException.class).hasMessageContaining("did not acknowledge");
        assertThat(new CheckpointStore(state).load(imp.checkpointPath(g, "r"))).isEmpty();
    }

    @Test
    void aFileRewrittenWithOtherContentIsImportedFromTheStartNotResumedMidLine() throws IOException {
        Path f = csv(300);
        Path state = dir.resolve("state");
        new Harness(ImportFormat.CSV, state).run(f, "r");
        // Same length, different first row: a resume at the old offset would land in another file's middle.
        String text = Files.readString(f).replaceFirst("0,0.0003,3.0", "0,0.0004,3.0");
        Files.writeString(f, text);
        Harness h = new Harness(ImportFormat.CSV, state);
        FileResult r = h.run(f, "r");
        assertThat(h.err()).contains("first bytes changed since the last import");
        assertThat(r.status()).isEqualTo(FileResult.Status.IMPORTED);
        assertThat(r.resumedFrom()).isZero();
        assertThat(h.sink.steps()).hasSize(300);
        assertThat(h.sink.steps().get(0).getLr()).isEqualTo(0.0004);
        // Its origin is kept: wall times stay those of the first import.
        assertThat(h.sink.steps().get(1).getWallTimeMs()).isEqualTo(Harness.ORIGIN_MS + 1000);
    }
}
