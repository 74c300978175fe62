package dev.runlaw.producers.importer;

import dev.runlaw.producers.command.Commands;
import dev.runlaw.producers.command.HelpOption;
import dev.runlaw.producers.command.KafkaClientOptions;
import dev.runlaw.producers.command.LimitOptions;
import dev.runlaw.schema.SourceKind;
import dev.runlaw.schema.config.KafkaClientProperties;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * {@code runlaw import csv|jsonl|tensorboard|megatron-routing|routing-jsonl --bootstrap HOST:PORT [options]
 * FILE...|DIR}: streams files into Kafka through the producer library, resumably and idempotently ({@link FileImporter}, {@link ImportRun},
 * {@code docs/import.md}). One subcommand per format; the options they share are in {@link Common}.
 *
 * <p>Exit codes: 0 when every file was imported, skipped as already imported, or had at least some importable
 * lines; 1 when nothing at all could be imported (every line malformed, no file found) or on an I/O or Kafka
 * error (the checkpoints keep what was acknowledged; run the same command again to resume); 2 on a usage error.
 */
@Command(name = "import", synopsisSubcommandLabel = "FORMAT",
        description = "Stream files into Kafka, resumable and idempotent; malformed lines are reported and skipped "
                + "(docs/import.md).",
        footer = {"", "Exit 0: imported (maybe with malformed lines skipped); 1: nothing importable or an I/O/Kafka "
                + "error (run again to resume); 2: usage error."})
public final class ImportCommand {
    @Mixin
    HelpOption help;

    private ImportCommand() {
    }

    /** The {@code import} command and its format subcommands, writing to System.out/err. */
    public static CommandLine commandLine() {
        return commandLine(System.out, System.err);
    }

    /** The {@code import} command, its imports reporting to {@code out} (files) and {@code err} (problems). */
    public static CommandLine commandLine(PrintStream out, PrintStream err) {
        CommandLine cl = new CommandLine(new ImportCommand());
        for (FormatCommand f : List.of(new Csv(), new Jsonl(), new TensorBoard(), new MegatronRouting(),
                new RoutingJsonl())) {
            f.out = out;
            f.err = err;
            CommandLine sub = new CommandLine(f);
            LimitOptions.addTo(sub.getCommandSpec());
            cl.addSubcommand(sub);
        }
        return cl;
    }

    /** Runs {@code runlaw import ARGS} (ARGS starting with the format); returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        String[] full = new String[args.length + 1];
        full[0] = "import";
        System.arraycopy(args, 0, full, 1, args.length);
        return Commands.execute(Commands.root().addSubcommand(commandLine(out, err)), full, out, err);
    }

    /** Parses ARGS (starting with the format) into options, as {@link #run} would; throws on a usage error. */
    public static Options parse(String... args) {
        CommandLine cl = Commands.allowRepeats(Commands.root().addSubcommand(commandLine()));
        String[] full = new String[args.length + 1];
        full[0] = "import";
        System.arraycopy(args, 0, full, 1, args.length);
        ParseResult format = cl.parseArgs(full).subcommand().subcommand();
        if (format == null) {
            throw new ParameterException(cl, "missing FORMAT (csv, jsonl, tensorboard, megatron-routing or "
                    + "routing-jsonl)");
        }
        return ((FormatCommand) format.commandSpec().userObject()).options();
    }

    /**
     * Parsed command line.
     *
     * @param plannedSteps null: the largest step imported
     * @param startMs      null: the time of each file's first import
     */
    public record Options(ImportFormat format, String bootstrap, String runId, String familyId, Long plannedSteps,
                          boolean finished, boolean runRecords, String evalSet, Long startMs, ImportSettings settings,
                          String topicPrefix, Path stateDir, boolean force, long checkpointRecords, int maxErrors,
                          boolean progress, List<Path> paths, KafkaClientProperties kafka) {

        /** Where the records go: the checkpoints of one target are not those of another. */
        public String target() {
            return bootstrap + "|" + topicPrefix;
        }
    }

    /** The options every format takes. */
    static final class Common {
        @Option(names = "--bootstrap", required = true, paramLabel = "HOST:PORT", order = 1,
                description = "Kafka bootstrap servers (required).")
        String bootstrap;
        @Option(names = "--family", paramLabel = "ID", order = 3, description = "family_id of the RunStarted sent.")
        String family = "";
        @Option(names = "--planned-steps", paramLabel = "N", order = 4,
                description = "planned_total_steps of the RunStarted sent (default: the largest step imported).")
        Long plannedSteps;
        @Option(names = "--finished", order = 5,
                description = "Also send RunFinished (COMPLETED, final step = the largest step imported).")
        boolean finished;
        @Option(names = "--no-run-records", order = 6,
                description = "Send no RunStarted (e.g. the trainer already sent a fuller one).")
        boolean noRunRecords;
        @Option(names = "--eval-set", paramLabel = "NAME", order = 7,
                description = "Step metrics only: also send each measured loss as EvalMetrics on eval set NAME "
                        + "(when the file's loss is a validation loss, as in the bundled run CSVs).")
        String evalSet;
        @Option(names = "--start-time", paramLabel = "T", order = 8,
                description = "Wall time of step 0 for files without timestamps (ISO-8601 instant or epoch ms; "
                        + "default: the time of the file's first import, kept in its checkpoint).")
        String startTime;
        @Option(names = "--step-seconds", paramLabel = "S", order = 9,
                description = "Synthetic seconds per step (default ${DEFAULT-VALUE}).")
        double stepSeconds = 1.0;
        @Option(names = "--topic-prefix", paramLabel = "P", order = 20,
                description = "Prefix of every topic (as the ingest job's --topic.prefix).")
        String topicPrefix = "";
        @Option(names = "--state-dir", paramLabel = "DIR", order = 21,
                description = "Checkpoints (default ${DEFAULT-VALUE} in the working directory).")
        Path stateDir = Path.of(".runlaw-import");
        @Option(names = "--force", order = 22,
                description = "Import files again even if their checkpoint says complete.")
        boolean force;
        @Option(names = "--checkpoint-records", paramLabel = "N", order = 23,
                description = "Flush Kafka and checkpoint every N records (default ${DEFAULT-VALUE}).")
        long checkpointRecords = 20_000;
        @Option(names = "--max-errors", paramLabel = "N", order = 24,
                description = "Malformed lines printed per file (default ${DEFAULT-VALUE}; all are counted).")
        int maxErrors = 20;
        @Option(names = "--no-progress", order = 25, description = "No progress bar.")
        boolean noProgress;
        @Mixin
        KafkaClientOptions kafka;
    }

    /** One format's subcommand: the common options, the files, and what is particular to the format. */
    abstract static class FormatCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        HelpOption help;
        @Mixin
        Common common;
        @Parameters(paramLabel = "FILE|DIR", arity = "1..*",
                description = "Files, or directories to expand (see docs/import.md).")
        List<Path> paths;
        PrintStream out = System.out;
        PrintStream err = System.err;

        abstract ImportFormat format();

        abstract String runId();

        /** The format's own settings on top of the common ones. */
        ImportSettings particular(ImportSettings s) {
            return s;
        }

        @Override
        public Integer call() {
            return ImportRun.run(options(), out, err);
        }

        /** The options as one record; a usage error when they do not go together. */
        Options options() {
            positive("--planned-steps", common.plannedSteps == null ? 1 : common.plannedSteps);
            positive("--checkpoint-records", common.checkpointRecords);
            if (common.evalSet != null && !format().stepMetrics()) {
                throw Commands.usage(spec, "--eval-set applies to step metrics, not to " + format().cliName());
            }
            ImportSettings settings;
            try {
                settings = particular(ImportSettings.defaults()
                        .withLimits(LimitOptions.read(spec))
                        .withStepSeconds(common.stepSeconds));
            } catch (IllegalArgumentException e) {
                throw Commands.usage(spec, e.getMessage());
            }
            Long startMs = common.startTime == null ? null : instant(common.startTime);
            return new Options(format(), common.bootstrap, runId(), common.family, common.plannedSteps,
                    common.finished, !common.noRunRecords, common.evalSet, startMs, settings, common.topicPrefix,
                    common.stateDir, common.force, common.checkpointRecords, common.maxErrors, !common.noProgress,
                    List.copyOf(paths), kafka());
        }

        KafkaClientProperties kafka() {
            try {
                return common.kafka.read();
            } catch (IllegalArgumentException e) {
                throw Commands.usage(spec, e.getMessage());
            }
        }

        void positive(String flag, long n) {
            if (n < 1) {
                throw Commands.usage(spec, flag + " must be >= 1, got " + n);
            }
        }

        private long instant(String v) {
            if (!v.isEmpty() && v.chars().allMatch(Character::isDigit)) {
                return Long.parseLong(v);
            }
            try {
                return Instant.parse(v).toEpochMilli();
            } catch (DateTimeParseException e) {
                throw Commands.usage(spec, "--start-time: not an ISO-8601 instant or epoch ms: " + v);
            }
        }
    }

    @Command(name = "csv", sortOptions = false, abbreviateSynopsis = true, description = "Run-format CSV files (step,lr,loss): one run per file.")
    static final class Csv extends FormatCommand {
        @Option(names = "--run-id", paramLabel = "ID", order = 2,
                description = "The run (one file only; default: each file's name without .csv).")
        String runId;

        @Override
        ImportFormat format() {
            return ImportFormat.CSV;
        }

        @Override
        String runId() {
            return runId;
        }
    }

    @Command(name = "jsonl", sortOptions = false, abbreviateSynopsis = true, description = "Step metrics, one JSON object per line.")
    static final class Jsonl extends FormatCommand {
        @Option(names = "--run-id", paramLabel = "ID", order = 2, description = "Run id of lines without a run_id.")
        String runId;

        @Override
        ImportFormat format() {
            return ImportFormat.JSONL;
        }

        @Override
        String runId() {
            return runId;
        }
    }

    @Command(name = "tensorboard", sortOptions = false, abbreviateSynopsis = true, description = "TensorBoard event files (scalars).")
    static final class TensorBoard extends FormatCommand {
        @Option(names = "--run-id", paramLabel = "ID", order = 2,
                description = "The run (default: each event file's directory name).")
        String runId;
        @Option(names = "--loss-tag", paramLabel = "T[,T...]", order = 10,
                description = "Tags read as the loss, the first listed winning (default: ${DEFAULT-VALUE}).")
        String lossTags = String.join(",", ImportSettings.DEFAULT_LOSS_TAGS);
        @Option(names = "--lr-tag", paramLabel = "T[,T...]", order = 11,
                description = "Tags read as the learning rate (default: ${DEFAULT-VALUE}).")
        String lrTags = String.join(",", ImportSettings.DEFAULT_LR_TAGS);

        @Override
        ImportFormat format() {
            return ImportFormat.TENSORBOARD;
        }

        @Override
        String runId() {
            return runId;
        }

        @Override
        ImportSettings particular(ImportSettings s) {
            return s.withTags(tags(lossTags), tags(lrTags));
        }

        private static List<String> tags(String v) {
            return Arrays.stream(v.split(",")).map(String::trim).filter(t -> !t.isEmpty()).toList();
        }
    }

    /** The options of both routing-trace formats. */
    abstract static class RoutingFormatCommand extends FormatCommand {
        @Option(names = "--batch-tokens", paramLabel = "N", order = 12,
                description = "Tokens per RoutingTraceBatch (default ${DEFAULT-VALUE}; at most "
                        + "limits.max-tokens-per-batch).")
        int batchTokens = ImportSettings.defaults().batchTokens();
        @Option(names = "--source-kind", paramLabel = "K", order = 13,
                description = "TRAINING (default) or INFERENCE.")
        String sourceKind = SourceKind.TRAINING.name();

        @Override
        ImportSettings particular(ImportSettings s) {
            positive("--batch-tokens", batchTokens);
            SourceKind kind;
            try {
                kind = SourceKind.valueOf(sourceKind.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw Commands.usage(spec, "--source-kind must be TRAINING or INFERENCE, got " + sourceKind);
            }
            return s.withBatchTokens(batchTokens).withSourceKind(kind);
        }
    }

    @Command(name = "megatron-routing", sortOptions = false, abbreviateSynopsis = true,
            description = "Megatron-LM routing traces (router_trace_rank*.jsonl).")
    static final class MegatronRouting extends RoutingFormatCommand {
        @Option(names = "--run-id", paramLabel = "ID", order = 2, description = "The trace's source id (required).")
        String runId;

        @Override
        ImportFormat format() {
            return ImportFormat.MEGATRON_ROUTING;
        }

        @Override
        String runId() {
            if (runId == null) {
                throw Commands.usage(spec, "megatron-routing needs --run-id (the source id of the trace)");
            }
            return runId;
        }
    }

    @Command(name = "routing-jsonl", sortOptions = false, abbreviateSynopsis = true,
            description = "runlaw per-token routing JSONL: {source, step, sequence_id, token_position, layer, "
                    + "expert_ids[, gate_weights]} per line.")
    static final class RoutingJsonl extends RoutingFormatCommand {
        @Option(names = "--run-id", paramLabel = "ID", order = 2, description = "Source of lines without a source.")
        String runId;

        @Override
        ImportFormat format() {
            return ImportFormat.ROUTING_JSONL;
        }

        @Override
        String runId() {
            return runId;
        }
    }
}
