package dev.runlaw.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The example PyTorch trainer ({@value #SCRIPT}) as a child process: finds a {@code python3} that imports torch
 * (Debian's {@code python3-torch} installs for {@code /usr/bin/python3}, which need not be the first python3 on
 * PATH), installs that package with apt when it is missing and this process runs as root, runs the script with its
 * output passed through line by line, and reads its closing {@code RESULT {json}} line.
 */
final class TorchTrainer {
    /** The trainer, relative to the project root. */
    static final String SCRIPT = "producers/python/examples/train_tiny_moe.py";
    /** What to run when torch is missing and this process cannot install it. */
    static final String HOW_TO_INSTALL = "PyTorch for python3 is missing: as root run 'apt-get install -y "
            + "python3-torch' (Debian/Ubuntu; it installs for /usr/bin/python3), or 'pip install torch' for your "
            + "python3, then try again";

    private TorchTrainer() {
    }

    /** What the trainer did: its exit status, every line it printed, and its RESULT object (null when absent). */
    record Result(int exitCode, List<String> lines, JsonNode result) {
        /** Why the run ended early ({@code alert:DIVERGENCE}, {@code advice:STOP}), or null when it completed. */
        String stoppedBy() {
            return result == null || result.path("stopped_by").isNull() ? null : result.path("stopped_by").asText();
        }

        /** A number of the RESULT object ({@code steps_logged}, {@code routes_logged}, ...), -1 when absent. */
        long count(String field) {
            return result == null ? -1 : result.path(field).asLong(-1);
        }
    }

    /** The first interpreter that imports torch: {@code /usr/bin/python3}, then each python3 on PATH. */
    static Optional<Path> findPython() {
        Set<Path> candidates = new LinkedHashSet<>();
        candidates.add(Path.of("/usr/bin/python3"));
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            candidates.add(Path.of(dir.isEmpty() ? "." : dir, "python3"));
        }
        for (Path p : candidates) {
            if (Files.isExecutable(p) && exitCode(List.of(p.toString(), "-c", "import torch"), null) == 0) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * An interpreter with torch; when there is none and this process is root with apt-get, installs
     * {@code python3-torch} first (printing apt's output).
     *
     * @throws IllegalStateException saying how to install it when that is not possible or did not work
     */
    static Path ensurePython(PrintStream out) {
        Optional<Path> found = findPython();
        if (found.isPresent()) {
            return found.get();
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        if (!root || !Files.isExecutable(Path.of("/usr/bin/apt-get"))) {
            throw new IllegalStateException(HOW_TO_INSTALL);
        }
        out.println("PyTorch is missing: installing Debian's python3-torch (apt-get install -y python3-torch) ...");
        List<String> install = List.of("apt-get", "install", "-y", "--no-install-recommends", "python3-torch");
        if (exitCode(install, out) != 0) {
            // A fresh machine may not have the package lists yet.
            exitCode(List.of("apt-get", "update"), out);
            exitCode(install, out);
        }
        return findPython().orElseThrow(() -> new IllegalStateException("apt-get could not install python3-torch; "
                + HOW_TO_INSTALL));
    }

    /**
     * Runs the trainer with {@code args}, printing each of its lines to {@code out} with {@code prefix}; kills it
     * when it runs longer than {@code timeout}.
     */
    static Result run(Path python, Path projectRoot, List<String> args, PrintStream out, String prefix,
                      Duration timeout) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(python.toString(), "-u",
                projectRoot.resolve(SCRIPT).toString()));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (lines) {
                        lines.add(line);
                    }
                    out.println(prefix + line);
                }
            } catch (IOException e) {
                out.println(prefix + "(output lost: " + e + ")");
            }
        }, "torch-trainer-output");
        reader.start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            reader.join(5_000);
            throw new IllegalStateException("the trainer ran longer than " + timeout + "; killed. Its output:\n"
                    + String.join("\n", snapshot(lines)));
        }
        reader.join(10_000);
        List<String> all = snapshot(lines);
        JsonNode result = null;
        for (String l : all) {
            if (l.startsWith("RESULT ")) {
                result = new ObjectMapper().readTree(l.substring("RESULT ".length()));
            }
        }
        return new Result(p.exitValue(), all, result);
    }

    private static List<String> snapshot(List<String> lines) {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    /** Runs a short command; its output goes to {@code out} (discarded when null). -1 when it cannot start. */
    private static int exitCode(List<String> cmd, PrintStream out) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
            Process p = pb.start();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (out != null) {
                        out.println("  " + line);
                    }
                }
            }
            return p.waitFor();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + cmd, e);
        }
    }

    /** For messages: the lines of a failed run. */
    static String describe(Result r) {
        return "exit " + r.exitCode() + ", output:\n" + String.join("\n", r.lines());
    }
}
