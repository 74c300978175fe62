package dev.runlaw.cli.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Grafana dashboard files ({@code dashboards/*.json}), read for their panels' SQL: the report runs the very
 * queries the dashboards run, so the two cannot drift apart. A panel is named by file and id, and must still carry
 * the title the report expects (a renumbered panel fails loudly instead of drawing the wrong data).
 */
final class Dashboards {
    private final Path directory;
    private final ObjectMapper json = new ObjectMapper();

    Dashboards(Path directory) {
        if (!Files.isDirectory(directory)) {
            throw new UncheckedIOException(new IOException("no dashboards directory at " + directory));
        }
        this.directory = directory;
    }

    Path directory() {
        return directory;
    }

    /**
     * The SQL of target A of panel {@code id} in {@code file}, whose title must start with {@code titlePrefix}.
     *
     * @throws IllegalStateException if there is no such panel or its title differs
     */
    Panel panel(String file, int id, String titlePrefix) {
        JsonNode dash;
        try {
            dash = json.readTree(directory.resolve(file).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read dashboard " + directory.resolve(file), e);
        }
        for (JsonNode p : dash.path("panels")) {
            if (p.path("id").asInt(-1) != id) {
                continue;
            }
            String title = p.path("title").asText();
            if (!title.startsWith(titlePrefix)) {
                throw new IllegalStateException("dashboards/" + file + " panel " + id + " is \"" + title
                        + "\", the report expects \"" + titlePrefix + "...\"");
            }
            for (JsonNode t : p.path("targets")) {
                if (t.path("refId").asText().equals("A") && t.hasNonNull("rawSql")) {
                    return new Panel(file, id, title, t.path("rawSql").asText());
                }
            }
            throw new IllegalStateException("dashboards/" + file + " panel " + id + " has no SQL target A");
        }
        throw new IllegalStateException("dashboards/" + file + " has no panel " + id + " (\"" + titlePrefix + "...\")");
    }
}
