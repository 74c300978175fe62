package dev.runlaw.producers;

import dev.runlaw.math.data.RunCurve;
import dev.runlaw.math.data.RunCurveParser;
import dev.runlaw.math.data.RunFormatException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads a directory of run-format files ({@code *.csv}, CSV {@code step,lr,loss}) as runs: one run per file, named
 * after the file without {@code .csv}.
 *
 * <p>Errors name the file and line ({@link RunFormatException}: {@code path:line: problem}); I/O errors name the
 * file too. Files are taken in name order so a replay of a directory is reproducible.
 */
public final class RunDirectory {
    private RunDirectory() {
    }

    /** The {@code *.csv} files directly in {@code dir}, sorted by name. */
    public static List<Path> list(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + ": not a directory");
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".csv") && Files.isRegularFile(p))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot list: " + e.getMessage(), e);
        }
    }

    /** Parses every {@code *.csv} in {@code dir}; the first bad file stops it with its file:line error. */
    public static List<RunCurve> load(Path dir) {
        List<RunCurve> out = new ArrayList<>();
        for (Path p : list(dir)) {
            out.add(loadFile(p));
        }
        return out;
    }

    /**
     * Parses one run-format file; the run is named after the file without {@code .csv}.
     *
     * @throws RunFormatException naming {@code file:line} when the content is malformed
     * @throws UncheckedIOException naming the file when it cannot be read
     */
    public static RunCurve loadFile(Path file) {
        String fileName = file.getFileName().toString();
        String name = fileName.endsWith(".csv") ? fileName.substring(0, fileName.length() - 4) : fileName;
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            // Streams the lines: a 72k-step file need not be held as strings.
            return RunCurveParser.parse(file.toString(), name, () -> r.lines().iterator());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read: " + e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw new UncheckedIOException(file + ": cannot read: " + e.getCause().getMessage(), e.getCause());
        }
    }
}
