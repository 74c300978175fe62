package dev.runlaw.producers.importer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Checkpoints in a state directory (default {@code .runlaw-import/} in the working directory), one JSON file per
 * (file, format, run id, Kafka target), named {@code <file name>.<hash>.json}. Kept apart from the data so read-only
 * data directories can be imported and directory listings never pick up state files. Each write goes to a
 * temporary file first and is moved into place atomically, so a kill during a write leaves the previous checkpoint.
 */
public final class CheckpointStore {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .build();

    private final Path dir;

    public CheckpointStore(Path dir) {
        this.dir = dir;
    }

    public Path directory() {
        return dir;
    }

    /** Where the checkpoint of this import lives. */
    public Path pathFor(Path file, ImportFormat format, String runId, String target) {
        String identity = file.toAbsolutePath().normalize() + "\n" + format.cliName() + "\n" + runId + "\n" + target;
        String name = file.getFileName().toString().replaceAll("[^A-Za-z0-9._-]", "_");
        return dir.resolve(name + "." + sha256(identity).substring(0, 16) + ".json");
    }

    public Optional<Checkpoint> load(Path checkpointFile) throws IOException {
        if (!Files.exists(checkpointFile)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(checkpointFile.toFile(), Checkpoint.class));
        } catch (IOException e) {
            throw new IOException(checkpointFile + ": unreadable checkpoint (" + e.getMessage()
                    + "); delete it to import the file from the start", e);
        }
    }

    public void write(Path checkpointFile, Checkpoint cp) throws IOException {
        Files.createDirectories(dir);
        Path tmp = checkpointFile.resolveSibling(checkpointFile.getFileName() + ".tmp");
        Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(cp)
                .getBytes(StandardCharsets.UTF_8));
        try {
            Files.move(tmp, checkpointFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, checkpointFile, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
