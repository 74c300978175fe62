package dev.runlaw.producers.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code src/test/python/train_loop.py} with the first {@code python3} on PATH, line by line. Fails (never
 * skips) when there is no python3: the Python client is part of what these tests are for.
 */
final class PythonProcess implements AutoCloseable {
    private final Process process;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> all = new ArrayList<>();

    private PythonProcess(Process process) {
        this.process = process;
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (all) {
                        all.add(line);
                    }
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("READ-ERROR " + e);
            }
        }, "python-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    static Path python3() {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "python3");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        throw new AssertionError("no python3 on PATH (" + path + "): the Python client tests need one (>= 3.8)");
    }

    static PythonProcess start(Path script, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(python3().toString());
        cmd.add(script.toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        return new PythonProcess(pb.start());
    }

    /** Waits for a line starting with {@code prefix}; fails with everything printed so far on timeout or exit. */
    String awaitLine(String prefix, long timeoutSeconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (System.nanoTime() < deadline) {
            String l = lines.poll(200, TimeUnit.MILLISECONDS);
            if (l != null && l.startsWith(prefix)) {
                return l;
            }
            if (l == null && !process.isAlive() && lines.isEmpty()) {
                break;
            }
        }
        throw new AssertionError("python never printed '" + prefix + "'; output:\n" + output());
    }

    /** The parsed {@code STATS {...}} line. */
    JsonNode awaitStats(long timeoutSeconds) throws Exception {
        String line = awaitLine("STATS ", timeoutSeconds);
        return new ObjectMapper().readTree(line.substring("STATS ".length()));
    }

    int waitFor(long timeoutSeconds) throws InterruptedException {
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            throw new AssertionError("python did not exit; output:\n" + output());
        }
        return process.exitValue();
    }

    String output() {
        synchronized (all) {
            return String.join("\n", all);
        }
    }

    @Override
    public void close() {
        process.destroy();
    }
}
