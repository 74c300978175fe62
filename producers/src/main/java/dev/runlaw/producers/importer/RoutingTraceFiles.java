package dev.runlaw.producers.importer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runlaw.schema.RoutingTraceBatch;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Reads a routing-trace file whole, with the importer's own parsers, for tools that analyse traces instead of
 * sending them ({@code runlaw routing analyze}): the records are exactly those {@code runlaw import
 * megatron-routing} or {@code runlaw import routing-jsonl} would send. Unlike an import, the first malformed line
 * stops the read ({@link MalformedUnitException} with its line number).
 */
public final class RoutingTraceFiles {
    private RoutingTraceFiles() {
    }

    /** The two routing-trace formats. */
    public enum Format {
        /** Megatron-LM router trace: one line per router call with {@code top_indices}. */
        MEGATRON(ImportFormat.MEGATRON_ROUTING),
        /** runlaw's per-token JSONL: one line per token and layer with {@code expert_ids}. */
        ROUTING_JSONL(ImportFormat.ROUTING_JSONL);

        private final ImportFormat importFormat;

        Format(ImportFormat f) {
            this.importFormat = f;
        }

        /** The {@code runlaw import} format of the same files. */
        public ImportFormat importFormat() {
            return importFormat;
        }
    }

    /**
     * The format of {@code file} from its first non-blank line: {@code top_indices} means Megatron, {@code expert_ids}
     * runlaw's JSONL; null for a file with no line at all.
     */
    public static Format detect(Path file, ImportSettings settings) throws IOException, MalformedUnitException {
        try (LineReader r = new LineReader(file, 0, 0, settings.maxLineBytes())) {
            for (Unit u = r.next(); u != null; u = r.next()) {
                if (JsonlStepParser.isBlank(u)) {
                    continue;
                }
                JsonNode o = JsonlStepParser.readObject(u);
                if (o.has("top_indices")) {
                    return Format.MEGATRON;
                }
                if (o.has("expert_ids")) {
                    return Format.ROUTING_JSONL;
                }
                throw new MalformedUnitException(u.number(), "neither a Megatron-LM router trace line (top_indices) "
                        + "nor a runlaw routing line (expert_ids)");
            }
        }
        return null;
    }

    /**
     * Reads every record of {@code file} in {@code format}, in file order.
     *
     * @param source the source of Megatron traces (their lines name none) and of JSONL lines without one
     * @throws MalformedUnitException at the first malformed line
     */
    public static void read(Path file, Format format, String source, ImportSettings settings,
                            Consumer<RoutingTraceBatch> out) throws IOException, MalformedUnitException {
        RecordParser parser = format.importFormat().parser(file, source, 0L, settings);
        Consumer<org.apache.avro.specific.SpecificRecord> sink = r -> out.accept((RoutingTraceBatch) r);
        try (LineReader r = new LineReader(file, 0, 0, settings.maxLineBytes())) {
            for (Unit u = r.next(); u != null; u = r.next()) {
                parser.accept(u, sink);
            }
        }
        parser.end(sink);
    }
}
