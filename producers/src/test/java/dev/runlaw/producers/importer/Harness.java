package dev.runlaw.producers.importer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/** An importer into an in-memory sink with its stderr captured, for the parser and importer unit tests. */
final class Harness {
    static final long ORIGIN_MS = 1_760_000_000_000L;

    final ImportFixtures.ListSink sink = new ImportFixtures.ListSink();
    final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    final FileImporter importer;

    Harness(ImportFormat format, Path stateDir, ImportSettings settings, long checkpointRecords, boolean force) {
        FileImporter.Options o = new FileImporter.Options(format, settings, "test-target", force, null,
                checkpointRecords, Duration.ofHours(1), Duration.ofSeconds(5), 20, false, null);
        importer = new FileImporter(sink, new CheckpointStore(stateDir), o,
                new PrintStream(errBytes, true, StandardCharsets.UTF_8), () -> ORIGIN_MS);
    }

    Harness(ImportFormat format, Path stateDir) {
        this(format, stateDir, ImportSettings.defaults(), 1000, false);
    }

    FileResult run(Path file, String runId) throws IOException {
        return importer.importFile(file, runId);
    }

    String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }
}
