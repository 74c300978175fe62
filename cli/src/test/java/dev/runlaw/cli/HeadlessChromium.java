package dev.runlaw.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code chromium} run headless on a local file (installed by {@code .ci/install-deps.sh}): the DOM after
 * load ({@code --dump-dom}) with what the page logged to its console, or a screenshot. Each call starts a fresh
 * browser with its own profile directory and no background networking.
 */
final class HeadlessChromium {
    private static final long TIMEOUT_SECONDS = 60;

    /** The DOM after load, and the browser's stderr, where {@code --enable-logging=stderr} puts console messages. */
    record Result(String dom, String stderr) {
        /** Console messages of the page (Chromium logs them as {@code INFO:CONSOLE(line)] "text", source: ...}). */
        List<String> consoleMessages() {
            return stderr.lines().filter(l -> l.contains(":CONSOLE")).toList();
        }
    }

    private HeadlessChromium() {
    }

    /** The browser binary: {@code $RUNLAW_CHROMIUM}, else {@code chromium} on the PATH. */
    static String binary() {
        String env = System.getenv("RUNLAW_CHROMIUM");
        if (env != null && !env.isBlank()) {
            return env;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, "chromium"))) {
                return Path.of(dir, "chromium").toString();
            }
        }
        throw new IllegalStateException("no chromium on the PATH: run bash .ci/install-deps.sh (installs Debian's"
                + " chromium) or set RUNLAW_CHROMIUM");
    }

    static Result dumpDom(Path page, Path work) throws IOException, InterruptedException {
        return run(work, List.of("--enable-logging=stderr", "--v=0", "--dump-dom", page.toUri().toString()));
    }

    /**
     * A PNG of the page's first {@code width} × {@code height} pixels. (Chromium's headless screenshot writes nothing
     * with {@code --blink-settings=scriptEnabled=false}; a report's own Content-Security-Policy forbids scripts.)
     */
    static Result screenshot(Path page, Path png, int width, int height, Path work)
            throws IOException, InterruptedException {
        return run(work, List.of("--hide-scrollbars",
                "--window-size=" + width + "," + height, "--screenshot=" + png.toAbsolutePath(), page.toUri().toString()));
    }

    private static Result run(Path work, List<String> args) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(work, "chromium-profile");
        Path stdout = work.resolve(profile.getFileName() + ".out");
        Path stderr = work.resolve(profile.getFileName() + ".err");
        List<String> cmd = new ArrayList<>(List.of(binary(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new IllegalStateException("chromium did not finish within " + TIMEOUT_SECONDS + " s: " + cmd);
        }
        String err = Files.readString(stderr, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IllegalStateException("chromium exited with " + p.exitValue() + ": " + cmd + "\n" + err);
        }
        return new Result(Files.readString(stdout, StandardCharsets.UTF_8), err);
    }
}
