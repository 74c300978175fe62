package dev.runlaw.cli.cbs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runlaw.producers.command.CommandFailure;
import java.io.IOException;
import java.nio.file.Path;

/** JSON helpers of the cbs reports: non-finite numbers (undefined B_simple, an unbounded interval) become null. */
final class ReportJson {
    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ReportJson() {
    }

    static void put(ObjectNode node, String key, double value) {
        if (Double.isFinite(value)) {
            node.put(key, value);
        } else {
            node.putNull(key);
        }
    }

    static void write(Path report, ObjectNode json) {
        try {
            MAPPER.writeValue(report.toFile(), json);
        } catch (IOException e) {
            throw new CommandFailure(report + ": cannot write report: " + e.getMessage(), e);
        }
    }
}
