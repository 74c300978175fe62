package dev.runlaw.producers.importer;

import dev.runlaw.producers.TelemetryProducer;
import dev.runlaw.producers.command.CommandFailure;
import dev.runlaw.producers.importer.ImportCommand.Options;
import dev.runlaw.schema.ModelFacts;
import dev.runlaw.schema.RunFinished;
import dev.runlaw.schema.RunStarted;
import dev.runlaw.schema.RunStatus;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;

/**
 * What {@code runlaw import} does once its {@link ImportCommand.Options} are parsed: imports every file through a
 * {@link FileImporter}, then sends one RunStarted (and RunFinished) per run, printing a line per file and a total.
 */
public final class ImportRun {
    private ImportRun() {
    }

    /** What a whole import did. */
    public record Summary(List<FileResult> files, long runRecords, boolean ioError) {
        public long records() {
            return files.stream().mapToLong(FileResult::records).sum();
        }

        public long malformed() {
            return files.stream().mapToLong(FileResult::malformed).sum();
        }

        public int exitCode() {
            if (ioError || files.isEmpty()) {
                return 1;
            }
            boolean anyDone = files.stream().anyMatch(f -> f.status() == FileResult.Status.SKIPPED
                    || f.records() > 0 || f.totalRecords() > 0);
            return anyDone || malformed() == 0 ? 0 : 1;
        }
    }

    /** Imports with a producer of its own; returns the exit code (0 or 1, see {@link ImportCommand}). */
    static int run(Options opts, PrintStream out, PrintStream err) {
        TelemetryProducer producer;
        try {
            producer = TelemetryProducer.builder(opts.bootstrap())
                    .properties(opts.kafka().asMap())
                    .topicPrefix(opts.topicPrefix())
                    .limits(opts.settings().limits())
                    // A batch tool may wait for Kafka: without topic metadata yet (a cold start), a record would
                    // otherwise fail after the library's trainer-friendly 1 s.
                    .property(ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000)
                    .build();
        } catch (KafkaException e) {
            throw new CommandFailure("cannot create a Kafka producer for " + opts.bootstrap() + ": "
                    + e.getMessage(), e);
        }
        Summary s = null;
        try {
            List<String> missing = producer.warmUpTopics();
            if (!missing.isEmpty()) {
                err.println("runlaw import: no metadata for topics " + missing + " (do they exist?)");
            }
            s = execute(opts, producer, out, err, -1);
            return s.exitCode();
        } finally {
            // After an error nothing queued will be acknowledged (the checkpoints already say what was): do not
            // wait the full 30 s for each record to time out.
            producer.close(s == null || s.ioError() ? Duration.ofSeconds(2) : Duration.ofSeconds(30));
        }
    }

    /**
     * Imports every file of {@code opts} through {@code producer}, then sends the run records, and prints a line
     * per file and a total. {@code stopAfterUnits} >= 0 is the test hook of {@link FileImporter#stopAfterUnits}.
     */
    static Summary execute(Options opts, TelemetryProducer producer, PrintStream out, PrintStream err,
                           long stopAfterUnits) {
        List<Path> files;
        try {
            files = opts.format().expand(opts.paths());
        } catch (IOException e) {
            err.println("runlaw import: " + e.getMessage());
            return new Summary(List.of(), 0, true);
        }
        if (files.isEmpty()) {
            err.println("runlaw import: no " + opts.format().cliName() + " files in " + opts.paths());
            return new Summary(List.of(), 0, false);
        }
        if (opts.format() == ImportFormat.CSV && opts.runId() != null && files.size() > 1) {
            err.println("runlaw import: --run-id names one run, but " + files.size() + " CSV files were given; "
                    + "each CSV file is a run of its own (named after the file)");
            return new Summary(List.of(), 0, true);
        }
        Duration flushTimeout = Duration.ofMinutes(2);
        RecordSink sink = RecordSink.of(producer, flushTimeout);
        FileImporter importer = new FileImporter(sink, new CheckpointStore(opts.stateDir()),
                new FileImporter.Options(opts.format(), opts.settings(), opts.target(), opts.force(), opts.startMs(),
                        opts.checkpointRecords(), Duration.ofSeconds(5), flushTimeout, opts.maxErrors(),
                        opts.progress() && System.console() != null, opts.evalSet()),
                err, System::currentTimeMillis).stopAfterUnits(stopAfterUnits);
        List<FileResult> results = new ArrayList<>();
        boolean ioError = false;
        for (Path f : files) {
            String runId = runIdFor(opts, f);
            try {
                FileResult r = importer.importFile(f, runId);
                results.add(r);
                out.println(describe(r));
                if (r.status() == FileResult.Status.STOPPED) {
                    return new Summary(results, 0, false);
                }
            } catch (IOException | UncheckedIOException e) {
                String m = String.valueOf(e.getMessage());
                err.println("runlaw import: " + (m.startsWith(f.toString()) ? m : f + ": " + m));
                ioError = true;
                break;
            }
        }
        long runRecords = 0;
        if (!ioError && opts.runRecords() && opts.format().stepMetrics()) {
            try {
                runRecords = sendRunRecords(opts, results, sink);
            } catch (IOException e) {
                err.println("runlaw import: sending run records: " + e.getMessage());
                ioError = true;
            }
        }
        Summary s = new Summary(results, runRecords, ioError);
        long skipped = results.stream().filter(r -> r.status() == FileResult.Status.SKIPPED).count();
        out.printf(Locale.ROOT, "import %s: %d file(s), %d skipped as already imported, %d records sent, "
                        + "%d malformed lines skipped, %d run records%s%n", opts.format().cliName(), results.size(),
                skipped, s.records(), s.malformed(), runRecords, ioError ? "; stopped by an error (run again to "
                        + "resume)" : "");
        return s;
    }

    static String runIdFor(Options opts, Path file) {
        if (opts.runId() != null) {
            return opts.runId();
        }
        String name = file.getFileName().toString();
        return switch (opts.format()) {
            case CSV -> name.endsWith(".csv") ? name.substring(0, name.length() - 4) : name;
            case TENSORBOARD -> {
                Path parent = file.toAbsolutePath().normalize().getParent();
                yield parent == null || parent.getFileName() == null ? name : parent.getFileName().toString();
            }
            default -> null; // JSONL: each line names its run
        };
    }

    private static String describe(FileResult r) {
        String what = switch (r.status()) {
            case IMPORTED -> "imported";
            case SKIPPED -> "skipped ";
            case FAILED -> "failed  ";
            case STOPPED -> "stopped ";
        };
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "  %s %s", what, r.file()));
        if (r.runId() != null) {
            sb.append("  run ").append(r.runId());
        }
        if (r.status() == FileResult.Status.SKIPPED) {
            sb.append(String.format(Locale.ROOT, "  (complete: %d records; --force to import again)",
                    r.totalRecords()));
        } else {
            sb.append(String.format(Locale.ROOT, "  %d lines, %d records, %d malformed", r.units(), r.records(),
                    r.malformed()));
            if (r.resumedFrom() > 0) {
                sb.append(String.format(Locale.ROOT, " (resumed at byte %d)", r.resumedFrom()));
            }
        }
        return sb.toString();
    }

    /**
     * One RunStarted (and with {@code --finished} one RunFinished) per run imported, after its steps, so the
     * planned length can default to the largest step. Sent again on every import: they replace their earlier
     * copies, so this is as idempotent as the steps.
     */
    private static long sendRunRecords(Options opts, List<FileResult> results, RecordSink sink) throws IOException {
        Map<String, Long> last = new TreeMap<>();
        Map<String, Long> origin = new HashMap<>();
        Map<String, String> source = new LinkedHashMap<>();
        for (FileResult r : results) {
            r.lastSteps().forEach((run, step) -> {
                last.merge(run, step, Math::max);
                origin.merge(run, r.originMs(), Math::min);
                source.merge(run, r.file().toString(), (a, b) -> a.equals(b) ? a : "several files");
            });
        }
        long n = 0;
        for (Map.Entry<String, Long> e : last.entrySet()) {
            String run = e.getKey();
            long lastStep = e.getValue();
            long planned = opts.plannedSteps() != null ? opts.plannedSteps() : Math.max(1, lastStep);
            Map<String, String> tags = new LinkedHashMap<>();
            tags.put("imported_by", "runlaw import " + opts.format().cliName());
            String src = source.get(run);
            tags.put("source", src.length() <= opts.settings().limits().maxIdLength() ? src
                    : "..." + src.substring(src.length() - opts.settings().limits().maxIdLength() + 3));
            sink.send(RunStarted.newBuilder()
                    .setRunId(run)
                    .setFamilyId(opts.familyId())
                    .setStartedAtMs(origin.get(run))
                    .setModel(new ModelFacts())
                    .setPlannedTotalSteps(planned)
                    .setTags(tags)
                    .build());
            n++;
            if (opts.finished()) {
                sink.send(RunFinished.newBuilder()
                        .setRunId(run)
                        .setFinishedAtMs(opts.settings().wallTimeMs(origin.get(run), lastStep))
                        .setFinalStep(lastStep)
                        .setStatus(RunStatus.COMPLETED)
                        .setMessage("imported by runlaw import " + opts.format().cliName())
                        .build());
                n++;
            }
        }
        if (!sink.flush(Duration.ofMinutes(2)) || sink.failed() > 0) {
            throw new IOException("Kafka did not acknowledge the run records");
        }
        return n;
    }
}
