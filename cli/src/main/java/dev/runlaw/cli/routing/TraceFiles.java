package dev.runlaw.cli.routing;

import dev.runlaw.producers.importer.ImportSettings;
import dev.runlaw.producers.importer.MalformedUnitException;
import dev.runlaw.producers.importer.RoutingTraceFiles;
import dev.runlaw.schema.RoutingTraceBatch;
import dev.runlaw.schema.TokenRoute;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads the command's TRACE files into {@link RoutingTraces}, each file in the format its first line shows
 * (Megatron-LM router trace or runlaw's per-token JSONL), with the importer's parsers: the records are exactly what
 * {@code runlaw import megatron-routing|routing-jsonl} would send. A Megatron trace names no source, so its source
 * is the file's path as given (two runs' {@code router_trace_rank0.jsonl} stay apart); JSONL lines without a source
 * get the same. Ids are kept in the order the file lists them.
 */
final class TraceFiles {
    /** A file that cannot be analysed: {@code file:line: reason}. */
    static final class BadTraceException extends Exception {
        BadTraceException(String message) {
            super(message);
        }
    }

    private TraceFiles() {
    }

    /** The files of {@code paths}: files as given, directories expanded to their *.jsonl files in name order. */
    static List<Path> expand(List<Path> paths) throws IOException, BadTraceException {
        List<Path> out = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(Files::isRegularFile).filter(f -> f.getFileName().toString().endsWith(".jsonl"))
                            .sorted().forEach(out::add);
                }
            } else if (Files.isRegularFile(p)) {
                out.add(p);
            } else {
                throw new BadTraceException(p + ":0: no such file");
            }
        }
        return out;
    }

    /** Reads every file into one {@link RoutingTraces}; the first malformed line stops it. */
    static RoutingTraces read(List<Path> files) throws IOException, BadTraceException {
        ImportSettings settings = ImportSettings.defaults()
                .withBatchTokens(ImportSettings.defaults().limits().maxTokensPerBatch());
        RoutingTraces traces = new RoutingTraces();
        for (Path f : files) {
            try {
                RoutingTraceFiles.Format format = RoutingTraceFiles.detect(f, settings);
                if (format != null) {
                    RoutingTraceFiles.read(f, format, f.toString(), settings, b -> add(traces, b));
                }
            } catch (MalformedUnitException e) {
                throw new BadTraceException(f + ":" + e.number() + ": " + e.reason());
            }
        }
        return traces;
    }

    private static void add(RoutingTraces traces, RoutingTraceBatch b) {
        String source = b.getSource();
        long step = b.getStep();
        for (TokenRoute t : b.getTokens()) {
            List<Integer> ids = t.getExpertIds();
            int[] e = new int[ids.size()];
            for (int i = 0; i < e.length; i++) {
                e[i] = ids.get(i);
            }
            traces.add(source, step, t.getSequenceId(), t.getTokenPosition(), t.getLayer(), e);
        }
    }
}
