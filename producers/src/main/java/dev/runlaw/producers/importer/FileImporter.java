package dev.runlaw.producers.importer;

import dev.runlaw.producers.ProgressBar;
import dev.runlaw.schema.EvalMetrics;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.validate.RecordValidator;
import dev.runlaw.schema.validate.Rejection;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.avro.specific.SpecificRecord;

/**
 * Imports files into a {@link RecordSink}, streaming, resumable and idempotent.
 *
 * <ul>
 *   <li><b>Streaming</b>: one unit (line, frame) at a time; memory is the reader's buffer, the longest unit and
 *       what the parser holds back (one step, or one routing batch), whatever the file's size.</li>
 *   <li><b>Resumable</b>: every {@code checkpointRecords} records or {@code checkpointInterval}, the sink is flushed
 *       and, once Kafka has acknowledged everything sent, a {@link Checkpoint} with the resume offset is written.
 *       A killed import restarts there. A file imported completely and unchanged since is skipped unless forced;
 *       a file that grew since (a live log) continues from where it ended.</li>
 *   <li><b>Idempotent</b>: records are fully determined by the file (synthetic wall times derive from an origin
 *       kept in the checkpoint), and their ClickHouse tables are keyed by record identity, so whatever is sent
 *       twice (the tail after the last checkpoint, a forced re-import) collapses onto one row.</li>
 *   <li><b>Malformed units</b> are reported as {@code file:line: reason} on {@code err} (at most
 *       {@code maxErrorsShown} per file, all counted), skipped, and the import goes on.</li>
 * </ul>
 * Single-threaded; one instance may import many files in turn.
 */
public final class FileImporter {
    /** Runs with more distinct run ids than this in one JSONL file stop tracking new ones for RunStarted. */
    static final int MAX_TRACKED_RUNS = 10_000;

    private final RecordSink sink;
    private final CheckpointStore store;
    private final Options opts;
    private final PrintStream err;
    private final LongSupplier clockMs;
    private long stopAfterUnits = -1;

    /**
     * How files are imported.
     *
     * @param format             the file format
     * @param settings           parser settings
     * @param target             where records go (bootstrap servers and topic prefix): part of a checkpoint's
     *                           identity, so importing into another cluster is not skipped
     * @param force              re-import files whose checkpoint says complete, from the start
     * @param startMs            synthetic wall time of step 0; null: the checkpoint's, else the time of the first
     *                           import
     * @param checkpointRecords  records between checkpoints
     * @param checkpointInterval time between checkpoints
     * @param flushTimeout       longest wait for Kafka's acknowledgements at a checkpoint
     * @param maxErrorsShown     malformed units printed per file
     * @param progress           whether to draw a progress bar on stderr
     * @param evalSet            when not null, every measured step loss is also sent as an {@code EvalMetrics} on
     *                           this eval set (for files whose loss is a validation loss, like the run-format
     *                           curves in {@code ../shared/data}; {@code ./runlaw demo} does the same)
     */
    public record Options(ImportFormat format, ImportSettings settings, String target, boolean force, Long startMs,
                          long checkpointRecords, Duration checkpointInterval, Duration flushTimeout,
                          int maxErrorsShown, boolean progress, String evalSet) {
        public Options {
            Objects.requireNonNull(format);
            Objects.requireNonNull(settings);
            Objects.requireNonNull(target);
            if (evalSet != null) {
                new RecordValidator(settings.limits()).checkId("eval set", evalSet).ifPresent(r -> {
                    throw new IllegalArgumentException("eval set: " + r);
                });
            }
            if (checkpointRecords < 1) {
                throw new IllegalArgumentException("checkpointRecords must be >= 1");
            }
        }

        /** Defaults: not forced, origin from the checkpoint or now, checkpoints every 20,000 records or 5 s. */
        public static Options defaults(ImportFormat format, String target) {
            return new Options(format, ImportSettings.defaults(), target, false, null, 20_000, Duration.ofSeconds(5),
                    Duration.ofMinutes(2), 20, false, null);
        }
    }

    public FileImporter(RecordSink sink, CheckpointStore store, Options opts, PrintStream err, LongSupplier clockMs) {
        this.sink = Objects.requireNonNull(sink);
        this.store = Objects.requireNonNull(store);
        this.opts = Objects.requireNonNull(opts);
        this.err = Objects.requireNonNull(err);
        this.clockMs = Objects.requireNonNull(clockMs);
    }

    /**
     * Test hook: each following {@link #importFile} stops after reading this many units, as if the process were
     * killed there (no final flush, no final checkpoint). Negative: off.
     */
    public FileImporter stopAfterUnits(long units) {
        this.stopAfterUnits = units;
        return this;
    }

    /** The checkpoint file this importer uses for {@code file} imported as {@code runId}. */
    public Path checkpointPath(Path file, String runId) {
        return store.pathFor(file, opts.format(), runId, opts.target());
    }

    /**
     * Imports one file as {@code runId} (for JSONL: the run id of lines without their own; may be null).
     *
     * @throws IOException when the file cannot be read, or Kafka does not acknowledge the records in time (the
     *                     checkpoint then stays at the last acknowledged point)
     */
    public FileResult importFile(Path file, String runId) throws IOException {
        // Refuse a bad run id (from --run-id or a file name) once, up front, rather than on every line.
        Optional<Rejection> badId = runId == null ? Optional.empty()
                : new RecordValidator(opts.settings().limits()).checkId("run id", runId);
        if (badId.isPresent()) {
            String why = file + ": " + badId.get() + " (name the run with --run-id)";
            err.println(why);
            return new FileResult(file, runId, FileResult.Status.FAILED, 0, 0, 0, 0, 0, 0, Map.of(), why);
        }
        Path cpPath = checkpointPath(file, runId);
        Optional<Checkpoint> prev = store.load(cpPath);
        long size = Files.size(file);
        long origin = opts.startMs() != null ? opts.startMs()
                : prev.map(Checkpoint::originMs).orElseGet(clockMs::getAsLong);
        String changed = prev.isPresent() ? changedSince(file, size, prev.get()) : null;
        if (changed != null) {
            // Resuming at the old offset would land in the middle of other content.
            err.println(file + ": " + changed + "; importing it from the start");
            prev = Optional.of(new Checkpoint(null, null, null, null, prev.get().originMs(), 0, 0, false, 0, 0, 0,
                    Map.of(), Map.of(), 0, 0));
        }
        if (prev.isPresent() && prev.get().complete() && prev.get().size() == size && !opts.force()) {
            Checkpoint c = prev.get();
            return new FileResult(file, runId, FileResult.Status.SKIPPED, c.offset(), 0, 0, 0, c.records(),
                    c.originMs(), c.lastSteps(), null);
        }
        RecordParser parser = opts.format().parser(file, runId, origin, opts.settings());
        Run run = new Run(file, runId, parser, origin, cpPath);
        RecordParser.Position from = new RecordParser.Position(0, 0);
        if (prev.isPresent() && !opts.force()) {
            Checkpoint c = prev.get();
            from = new RecordParser.Position(c.offset(), c.units());
            run.totalRecords = c.records();
            run.totalMalformed = c.malformed();
            run.lastSteps.putAll(c.lastSteps());
            parser.restore(c.parserState());
        }
        run.resumedFrom = from.offset();
        if (parser.headerUnits() > 0) {
            try (UnitReader hr = opts.format().open(file, new RecordParser.Position(0, 0), opts.settings())) {
                Unit h = hr.next();
                if (h == null) {
                    return run.failed(file + ":1: empty file; expected a header line");
                }
                parser.header(h);
                if (from.offset() == 0) {
                    from = new RecordParser.Position(h.end(), 1);
                }
            } catch (MalformedUnitException e) {
                return run.failed(file + ":" + e.number() + ": " + e.reason());
            }
        }
        return run.read(from, size);
    }

    static final int HEAD_BYTES = 4096;

    /** CRC-32C of the first {@code length} bytes of {@code file} (fewer if it is shorter). */
    static long headCrc(Path file, int length) throws IOException {
        byte[] buf = new byte[length];
        int n = 0;
        try (java.io.InputStream in = Files.newInputStream(file)) {
            int r;
            while (n < length && (r = in.read(buf, n, length - n)) > 0) {
                n += r;
            }
        }
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(buf, 0, n);
        return crc.getValue();
    }

    /** Why the file is no longer the one the checkpoint describes, or null if it still is (perhaps grown). */
    private static String changedSince(Path file, long size, Checkpoint c) throws IOException {
        if (c.offset() > size || c.headLength() > size) {
            return "shorter than at the last import";
        }
        return headCrc(file, c.headLength()) == c.headCrc() ? null : "its first bytes changed since the last import";
    }

    /** The state of one file's import. */
    private final class Run {
        final Path file;
        final String runId;
        final RecordParser parser;
        final long origin;
        final Path cpPath;
        final Map<String, Long> lastSteps = new HashMap<>();
        final long failedAtStart = sink.failed();
        long resumedFrom;
        int headLength;
        long headCrc;
        long units;
        long records;
        long malformed;
        long shown;
        long totalRecords;
        long totalMalformed;
        long sinceCheckpoint;
        long lastCheckpointNanos = System.nanoTime();
        final Consumer<SpecificRecord> emit = this::emit;

        Run(Path file, String runId, RecordParser parser, long origin, Path cpPath) {
            this.file = file;
            this.runId = runId;
            this.parser = parser;
            this.origin = origin;
            this.cpPath = cpPath;
        }

        FileResult read(RecordParser.Position from, long size) throws IOException {
            headLength = (int) Math.min(HEAD_BYTES, size);
            headCrc = headCrc(file, headLength);
            ProgressBar bar = ProgressBar.stderr("import " + file.getFileName(), opts.progress(), "KiB");
            bar.start(Math.max(1, size >> 10));
            RecordParser.Position after = from;
            try (UnitReader r = opts.format().open(file, from, opts.settings())) {
                while (true) {
                    Unit u;
                    try {
                        u = r.next();
                    } catch (MalformedUnitException e) {
                        report(e);
                        if (r.lostSync()) {
                            break;
                        }
                        after = new RecordParser.Position(r.position(), r.units());
                        continue;
                    }
                    if (u == null) {
                        break;
                    }
                    try {
                        parser.accept(u, emit);
                    } catch (MalformedUnitException e) {
                        report(e);
                    } catch (UncheckedIOException e) {
                        throw e; // the sink failed: not the line's fault
                    } catch (RuntimeException e) {
                        // Input no check anticipated (a parser bug): report the line like a malformed one rather
                        // than abandon a long import; a bug hitting every line still ends in "nothing imported".
                        report(new MalformedUnitException(u.number(), "unexpected " + e));
                    }
                    parser.drainDeferred().forEach(this::report);
                    after = new RecordParser.Position(r.position(), r.units());
                    units++;
                    if (stopAfterUnits >= 0 && units >= stopAfterUnits) {
                        bar.finish(after.offset() >> 10, records);
                        return result(FileResult.Status.STOPPED, null);
                    }
                    if (sinceCheckpoint >= opts.checkpointRecords()
                            || System.nanoTime() - lastCheckpointNanos >= opts.checkpointInterval().toNanos()) {
                        checkpoint(after, false);
                    }
                    bar.update(after.offset() >> 10, records);
                }
                parser.end(emit);
                parser.drainDeferred().forEach(this::report);
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            checkpoint(after, true);
            bar.finish(after.offset() >> 10, records);
            if (malformed > shown) {
                err.println(file + ": " + (malformed - shown) + " more malformed lines not shown");
            }
            parser.notes().forEach(n -> err.println(file + ": " + n));
            return result(FileResult.Status.IMPORTED, null);
        }

        private void emit(SpecificRecord r) {
            try {
                sink.send(r);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            records++;
            sinceCheckpoint++;
            // Fail fast when Kafka rejects records (broker gone, topic missing) instead of at the next checkpoint.
            if ((records & 1023) == 0 && sink.failed() > failedAtStart) {
                throw new UncheckedIOException(new IOException(file + ": " + (sink.failed() - failedAtStart)
                        + " records were not acknowledged by Kafka; the next import resumes at byte "
                        + resumedFromCheckpoint()));
            }
            if (r instanceof StepMetrics s) {
                if (lastSteps.size() < MAX_TRACKED_RUNS || lastSteps.containsKey(s.getRunId())) {
                    lastSteps.merge(s.getRunId(), s.getStep(), Math::max);
                }
                if (opts.evalSet() != null && s.getLoss() != null) {
                    emit(EvalMetrics.newBuilder()
                            .setRunId(s.getRunId())
                            .setStep(s.getStep())
                            .setWallTimeMs(s.getWallTimeMs())
                            .setEvalSet(opts.evalSet())
                            .setLoss(s.getLoss())
                            .build());
                }
            }
        }

        private void report(MalformedUnitException e) {
            malformed++;
            if (shown < opts.maxErrorsShown()) {
                shown++;
                err.println(file + ":" + e.number() + ": " + e.reason());
            }
        }

        private void checkpoint(RecordParser.Position after, boolean complete) throws IOException {
            RecordParser.Position resume = complete || parser.pending() == null ? after : parser.pending();
            Map<String, String> state = parser.state();
            Map<String, Long> steps = Map.copyOf(lastSteps);
            // Wait in short slices: records failing (broker gone) end the wait at once, not after the timeout.
            long deadline = System.nanoTime() + opts.flushTimeout().toNanos();
            while (!sink.flush(Duration.ofMillis(Math.min(1000, Math.max(1, opts.flushTimeout().toMillis()))))) {
                if (sink.failed() > failedAtStart) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException(file + ": Kafka did not acknowledge the records within "
                            + opts.flushTimeout() + "; the next import resumes at byte " + resumedFromCheckpoint());
                }
            }
            long failed = sink.failed() - failedAtStart;
            if (failed > 0) {
                throw new IOException(file + ": " + failed + " records were not acknowledged by Kafka; the next "
                        + "import resumes at byte " + resumedFromCheckpoint());
            }
            store.write(cpPath, new Checkpoint(file.toAbsolutePath().normalize().toString(),
                    opts.format().cliName(), runId, opts.target(), origin, resume.offset(), resume.unitsBefore(),
                    complete, after.offset(), totalRecords + records, totalMalformed + malformed, state, steps,
                    headLength, headCrc));
            sinceCheckpoint = 0;
            lastCheckpointNanos = System.nanoTime();
        }

        private long resumedFromCheckpoint() {
            try {
                return store.load(cpPath).map(Checkpoint::offset).orElse(0L);
            } catch (IOException e) {
                return 0;
            }
        }

        FileResult failed(String why) {
            malformed++;
            err.println(why);
            return result(FileResult.Status.FAILED, why);
        }

        private FileResult result(FileResult.Status status, String message) {
            return new FileResult(file, runId, status, resumedFrom, units, records, malformed,
                    totalRecords + records, origin, Map.copyOf(lastSteps), message);
        }
    }
}
