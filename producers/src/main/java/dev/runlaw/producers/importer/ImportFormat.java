package dev.runlaw.producers.importer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** The file formats {@code runlaw import} reads, each with its reader, parser and directory filter. */
public enum ImportFormat {
    /** Run format CSV {@code step,lr,loss}: one run per file. */
    CSV("csv"),
    /** JSON Lines of StepMetrics fields. */
    JSONL("jsonl"),
    /** TensorBoard event files ({@code *tfevents*}), scalars only. */
    TENSORBOARD("tensorboard"),
    /** Megatron-LM {@code router_trace_rank<R>.jsonl} files. */
    MEGATRON_ROUTING("megatron-routing"),
    /** runlaw's per-token routing JSONL: one line per token and layer ({@link RoutingJsonlParser}). */
    ROUTING_JSONL("routing-jsonl");

    private final String cliName;

    ImportFormat(String cliName) {
        this.cliName = cliName;
    }

    /** The name on the command line. */
    public String cliName() {
        return cliName;
    }

    public static ImportFormat fromCliName(String name) {
        for (ImportFormat f : values()) {
            if (f.cliName.equals(name.toLowerCase(Locale.ROOT))) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown format '" + name + "'; expected csv, jsonl, tensorboard, "
                + "megatron-routing or routing-jsonl");
    }

    /** Whether the records carry steps of a training run (and so RunStarted/RunFinished make sense). */
    public boolean stepMetrics() {
        return this != MEGATRON_ROUTING && this != ROUTING_JSONL;
    }

    /** Whether a file found in a directory is of this format. */
    public boolean matches(Path file) {
        String n = file.getFileName().toString();
        return switch (this) {
            case CSV -> n.endsWith(".csv");
            case JSONL, ROUTING_JSONL -> n.endsWith(".jsonl") || n.endsWith(".ndjson");
            case TENSORBOARD -> n.contains("tfevents");
            case MEGATRON_ROUTING -> n.endsWith(".jsonl") && n.contains("rank");
        };
    }

    /**
     * The files to import from a command line's paths: files as given, directories expanded to their matching
     * files in name order (TensorBoard log dirs recursively, since runs live in subdirectories).
     */
    public List<Path> expand(List<Path> paths) throws IOException {
        java.util.ArrayList<Path> out = new java.util.ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = this == TENSORBOARD ? Files.walk(p) : Files.list(p)) {
                    s.filter(Files::isRegularFile).filter(this::matches).sorted().forEach(out::add);
                }
            } else if (Files.isRegularFile(p)) {
                out.add(p);
            } else {
                throw new java.io.FileNotFoundException(p + ": no such file or directory");
            }
        }
        return out;
    }

    UnitReader open(Path file, RecordParser.Position from, ImportSettings settings) throws IOException {
        return this == TENSORBOARD
                ? new TfRecordReader(file, from.offset(), from.unitsBefore(), settings.maxLineBytes())
                : new LineReader(file, from.offset(), from.unitsBefore(), settings.maxLineBytes());
    }

    RecordParser parser(Path file, String runId, long originMs, ImportSettings settings) {
        return switch (this) {
            case CSV -> new CsvStepParser(runId, originMs, settings);
            case JSONL -> new JsonlStepParser(runId, originMs, settings);
            case TENSORBOARD -> new TensorBoardScalarParser(runId, originMs, settings);
            case MEGATRON_ROUTING -> new MegatronRoutingParser(runId, originMs, settings,
                    file.getFileName().toString());
            case ROUTING_JSONL -> new RoutingJsonlParser(runId, originMs, settings);
        };
    }
}
