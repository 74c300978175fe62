package dev.runlaw.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Temp-directory helpers shared by the local servers and the local stack (checkpoints). */
public final class Files2 {

    private Files2() {
    }

    public static Path createTempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create temp dir " + prefix, e);
        }
    }

    /** Deletes a tree, best effort: a leftover temp file must not turn a passing test into a failure. */
    public static void deleteRecursively(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.err.println("runlaw-local: could not delete " + root + ": " + e);
        }
    }

    static String readTail(Path file, int maxChars) {
        try {
            if (!Files.exists(file)) {
                return "";
            }
            // Lenient decoding: a log cut mid-character must still be shown.
            String s = new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.UTF_8);
            return s.length() <= maxChars ? s : "..." + s.substring(s.length() - maxChars);
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }
}
