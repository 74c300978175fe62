package dev.runlaw.cli.importer;

import dev.runlaw.producers.TelemetryProducer;
import dev.runlaw.producers.importer.CheckpointStore;
import dev.runlaw.producers.importer.FileImporter;
import dev.runlaw.producers.importer.FileResult;
import dev.runlaw.producers.importer.ImportFormat;
import dev.runlaw.producers.importer.ImportSettings;
import dev.runlaw.producers.importer.RecordSink;
import dev.runlaw.schema.ModelFacts;
import dev.runlaw.schema.RunFinished;
import dev.runlaw.schema.RunStarted;
import dev.runlaw.schema.RunStatus;
import dev.runlaw.schema.SourceKind;
import dev.runlaw.schema.validate.Limits;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code ./runlaw import csv|jsonl|tensorboard|megatron-routing --bootstrap HOST:PORT [options] FILE...|DIR}: streams
 * files into Kafka through the producer library, resumably and idempotently (see
 * {@link dev.runlaw.producers.importer.FileImporter} and {@code docs/import.md}).
 *
 * <p>Exit codes: 0 when every file was imported, skipped as already imported, or had at least some importable
 * lines; 1 when nothing at all could be imported (every line malformed, no file found) or on an I/O or Kafka
 * error (the checkpoints keep what was acknowledged; run the same command again to resume); 2 on a usage error.
 */
public final class ImportCommand {
    static final String USAGE = """
            usage: runlaw import csv|jsonl|tensorboard|megatron-routing --bootstrap HOST:PORT [options] FILE...|DIR...

              --bootstrap HOST:PORT   Kafka bootstrap servers (required)
              --run-id ID             csv: the run (one file only; default: each file's name without .csv)
                                      jsonl: run id of lines without a run_id
                                      tensorboard: the run (default: each event file's directory name)
                                      megatron-routing: the trace's source id (required)
              --family ID             family id in RunStarted
              --planned-steps N       planned_total_steps in RunStarted (default: the largest step imported)
              --finished              also send RunFinished (COMPLETED, final step = the largest step imported)
              --no-run-records        send no RunStarted (e.g. the trainer already sent a fuller one)
              --eval-set NAME         also send each measured loss as EvalMetrics on eval set NAME (when the
                                      file's loss is a validation loss, as in the bundled run CSVs)
              --start-time T          wall time of step 0 for files without timestamps (ISO-8601 instant or
                                      epoch ms; default: the time of the file's first import, kept in its checkpoint)
              --step-seconds S        synthetic seconds per step (default 1)
              --loss-tag T[,T...]     tensorboard loss tags (default: lm loss,loss,train/loss,train_loss,...)
              --lr-tag T[,T...]       tensorboard learning-rate tags (default: learning-rate,lr,learning_rate,...)
              --batch-tokens N        megatron-routing: tokens per RoutingTraceBatch (default 8192)
              --source-kind K         megatron-routing: TRAINING (default) or INFERENCE
              --topic-prefix P        prefix of every topic (as the ingest job's --topic.prefix)
              --state-dir DIR         checkpoints (default .runlaw-import in the working directory)
              --force                 import files again even if their checkpoint says complete
              --checkpoint-records N  flush Kafka and checkpoint every N records (default 20000)
              --max-errors N          malformed lines printed per file (default 20; all are counted)
              --limits.KEY VALUE      validation limits, as the ingest job's (e.g. --limits.max-top-k 64)
              --no-progress           no progress bar
              --help                  this text

            Directories are expanded to *.csv, *.jsonl, files named *tfevents* (recursively) or
            router_trace_rank*.jsonl. Exit 0: imported (maybe with malformed lines skipped); 1: nothing importable
            or an I/O/Kafka error (run again to resume); 2: usage error.
            """;

    private ImportCommand() {
    }

    /** Parsed command line. */
    record Options(ImportFormat format, String bootstrap, String runId, String familyId, Long plannedSteps,
                   boolean finished, boolean runRecords, String evalSet, Long startMs, ImportSettings settings,
                   String topicPrefix, Path stateDir, boolean force, long checkpointRecords, int maxErrors,
                   boolean progress, List<Path> paths) {

        String target() {
            return bootstrap + "|" + topicPrefix;
        }

        static Options parse(String[] args) {
            if (args.length == 0) {
                throw new IllegalArgumentException("missing format");
            }
            ImportFormat format = ImportFormat.fromCliName(args[0]);
            String bootstrap = null;
            String runId = null;
            String family = "";
            Long planned = null;
            boolean finished = false;
            boolean runRecords = true;
            String evalSet = null;
            Long startMs = null;
            double stepSeconds = 1.0;
            List<String> lossTags = ImportSettings.DEFAULT_LOSS_TAGS;
            List<String> lrTags = ImportSettings.DEFAULT_LR_TAGS;
            int batchTokens = ImportSettings.defaults().batchTokens();
            SourceKind kind = SourceKind.TRAINING;
            String prefix = "";
            Path stateDir = Path.of(".runlaw-import");
            boolean force = false;
            long cpRecords = 20_000;
            int maxErrors = 20;
            boolean progress = true;
            Map<String, String> limits = new HashMap<>();
            List<Path> paths = new ArrayList<>();
            for (int i = 1; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--bootstrap" -> bootstrap = value(args, ++i, a);
                    case "--run-id" -> runId = value(args, ++i, a);
                    case "--family" -> family = value(args, ++i, a);
                    case "--planned-steps" -> planned = positiveLong(value(args, ++i, a), a);
                    case "--finished" -> finished = true;
                    case "--no-run-records" -> runRecords = false;
                    case "--eval-set" -> evalSet = value(args, ++i, a);
                    case "--start-time" -> startMs = instant(value(args, ++i, a));
                    case "--step-seconds" -> stepSeconds = Double.parseDouble(value(args, ++i, a));
                    case "--loss-tag" -> lossTags = tags(value(args, ++i, a));
                    case "--lr-tag" -> lrTags = tags(value(args, ++i, a));
                    case "--batch-tokens" -> batchTokens = (int) positiveLong(value(args, ++i, a), a);
                    case "--source-kind" -> kind = SourceKind.valueOf(value(args, ++i, a).toUpperCase(Locale.ROOT));
                    case "--topic-prefix" -> prefix = value(args, ++i, a);
                    case "--state-dir" -> stateDir = Path.of(value(args, ++i, a));
                    case "--force" -> force = true;
                    case "--checkpoint-records" -> cpRecords = positiveLong(value(args, ++i, a), a);
                    case "--max-errors" -> maxErrors = Integer.parseInt(value(args, ++i, a));
                    case "--no-progress" -> progress = false;
                    default -> {
                        if (a.startsWith("--limits.")) {
                            limits.put(a.substring(2), value(args, ++i, a));
                        } else if (a.startsWith("--")) {
                            throw new IllegalArgumentException("unknown option " + a);
                        } else {
                            paths.add(Path.of(a));
                        }
                    }
                }
            }
            if (bootstrap == null || bootstrap.isBlank()) {
                throw new IllegalArgumentException("--bootstrap HOST:PORT is required");
            }
            if (paths.isEmpty()) {
                throw new IllegalArgumentException("no FILE or DIR given");
            }
            if (format == ImportFormat.MEGATRON_ROUTING && runId == null) {
                throw new IllegalArgumentException("megatron-routing needs --run-id (the source id of the trace)");
            }
            ImportSettings settings = ImportSettings.defaults()
                    .withLimits(Limits.fromMap(limits))
                    .withStepSeconds(stepSeconds)
                    .withTags(lossTags, lrTags)
                    .withBatchTokens(batchTokens)
                    .withSourceKind(kind);
            if (evalSet != null && !format.stepMetrics()) {
                throw new IllegalArgumentException("--eval-set applies to step metrics, not to " + format.cliName());
            }
            return new Options(format, bootstrap, runId, family, planned, finished, runRecords, evalSet, startMs,
                    settings, prefix, stateDir, force, cpRecords, maxErrors, progress, List.copyOf(paths));
        }

        private static String value(String[] args, int i, String flag) {
            if (i >= args.length) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            return args[i];
        }

        private static long positiveLong(String v, String flag) {
            long n = Long.parseLong(v);
            if (n < 1) {
                throw new IllegalArgumentException(flag + " must be >= 1, got " + v);
            }
            return n;
        }

        private static List<String> tags(String v) {
            return Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        }

        private static long instant(String v) {
            if (v.chars().allMatch(Character::isDigit)) {
                return Long.parseLong(v);
            }
            try {
                return Instant.parse(v).toEpochMilli();
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("--start-time: not an ISO-8601 instant or epoch ms: " + v);
            }
        }
    }

    /** What a whole import did. */
    record Summary(List<FileResult> files, long runRecords, boolean ioError) {
        long records() {
            return files.stream().mapToLong(FileResult::records).sum();
        }

        long malformed() {
            return files.stream().mapToLong(FileResult::malformed).sum();
        }

        int exitCode() {
            if (ioError || files.isEmpty()) {
                return 1;
            }
            boolean anyDone = files.stream().anyMatch(f -> f.status() == FileResult.Status.SKIPPED
                    || f.records() > 0 || f.totalRecords() > 0);
            return anyDone || malformed() == 0 ? 0 : 1;
        }
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help"))
                || Arrays.asList(args).contains("--help")) {
            out.print(USAGE);
            return 0;
        }
        Options opts;
        try {
            opts = Options.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("runlaw import: " + e.getMessage());
            err.print(USAGE);
            return 2;
        }
        TelemetryProducer producer = TelemetryProducer.builder(opts.bootstrap())
                .topicPrefix(opts.topicPrefix())
                .limits(opts.settings().limits())
                .build();
        Summary s = null;
        try {
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
