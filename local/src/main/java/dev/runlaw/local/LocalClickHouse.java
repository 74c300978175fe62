package dev.runlaw.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A ClickHouse server for the local demo and {@code *IT} tests: either a private server process this class
 * starts (own data directory, own config, 127.0.0.1 on free ports) or an existing server named by the
 * environment.
 *
 * <p>The private server is the {@code clickhouse-server} binary installed on the machine (Debian's 18.16
 * here; see {@code .ci/install-deps.sh}). It runs without systemd and without touching
 * {@code /etc/clickhouse-server} or {@code /var/lib/clickhouse}: everything lives in a temp directory that
 * {@link #close()} deletes after stopping the process. A JVM shutdown hook stops it too, so a demo killed with
 * Ctrl-C leaves no server behind; a {@code kill -9} of the JVM does not either: {@link ChildProcesses} kills the
 * server when the JVM dies, and the next start deletes the directory a crashed JVM left.
 *
 * <p>{@link #stopServer()} and {@link #restartServer()} stop the server process and start it again on the same
 * ports and data, to test what clients do while ClickHouse is away.
 *
 * <p>{@link #startOrUseExisting()} follows clickhouse-java's test helper: if {@value #ENV_URL} is set, it uses
 * that server (with {@value #ENV_USER}, {@value #ENV_PASSWORD}, {@value #ENV_DATABASE}; defaults
 * {@code default}, empty, {@code default}) and never stops it; otherwise it starts a private one.
 *
 * <pre>{@code
 * try (LocalClickHouse ch = LocalClickHouse.startOrUseExisting()) {
 *     ClickHouseHttp http = new ClickHouseHttp(ch.endpoint()).withDatabase("it_" + System.nanoTime());
 *     SqlFiles.fromProject().applyAll(http);
 * }
 * }</pre>
 */
public final class LocalClickHouse implements AutoCloseable {

    /** Base HTTP URL of an existing server to use instead of starting one. */
    public static final String ENV_URL = "RUNLAW_CLICKHOUSE_URL";
    /** User for {@link #ENV_URL}. */
    public static final String ENV_USER = "RUNLAW_CLICKHOUSE_USER";
    /** Password for {@link #ENV_URL}. */
    public static final String ENV_PASSWORD = "RUNLAW_CLICKHOUSE_PASSWORD";
    /** Database for {@link #ENV_URL}. */
    public static final String ENV_DATABASE = "RUNLAW_CLICKHOUSE_DATABASE";

    private static final Logger LOG = LoggerFactory.getLogger(LocalClickHouse.class);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    /*
     * After SIGTERM the server waits for idle keep-alive connections to time out (3 s) before it exits. Its
     * directory is deleted right after, so a clean shutdown saves nothing: give it a short grace, then SIGKILL.
     */
    private static final Duration STOP_GRACE = Duration.ofSeconds(1);
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);
    private static final int BIND_ATTEMPTS = 3;
    private static final String INSTALL_HINT = "install it with: sudo apt-get update && sudo apt-get install -y "
            + "clickhouse-server clickhouse-client (or run .ci/install-deps.sh), or point " + ENV_URL
            + " at a running server";

    private final ClickHouseEndpoint endpoint;
    private final boolean privateServer;
    private final List<String> command; // null when using an existing server
    private volatile Process process; // null when using an existing server, or while stopped
    private ChildProcesses.Guard guard;
    private final Path dir;
    private final int tcpPort; // 0 when using an existing server
    private final String httpsUrl; // null unless started with HTTPS
    private final Thread shutdownHook;
    private boolean closed;

    private LocalClickHouse(ClickHouseEndpoint endpoint, Process process, ChildProcesses.Guard guard,
                            List<String> command, Path dir, int tcpPort, String httpsUrl) {
        this.endpoint = endpoint;
        this.process = process;
        this.guard = guard;
        this.command = command;
        this.privateServer = process != null;
        this.dir = dir;
        this.tcpPort = tcpPort;
        this.httpsUrl = httpsUrl;
        if (process != null) {
            this.shutdownHook = new Thread(this::stopProcessAndDeleteDir, "local-clickhouse-shutdown");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        } else {
            this.shutdownHook = null;
        }
    }

    /** Starts a private server; fails with install instructions if no binary is found and we are not root. */
    public static LocalClickHouse start() {
        return start(findOrInstallBinary());
    }

    /**
     * Starts a private server that also serves HTTPS with {@code identity} ({@link #httpsUrl()}); HTTP stays on for
     * {@link #endpoint()}, so tests can check what arrived over HTTPS through the plain endpoint.
     */
    public static LocalClickHouse startWithHttps(SelfSignedTls identity) {
        return start(findOrInstallBinary(), identity);
    }

    /** Starts a private server from {@code binary} (a {@code clickhouse-server} or {@code clickhouse}). */
    static LocalClickHouse start(Path binary) {
        return start(binary, null);
    }

    private static LocalClickHouse start(Path binary, SelfSignedTls tls) {
        IllegalStateException last = null;
        for (int attempt = 1; attempt <= BIND_ATTEMPTS; attempt++) {
            try {
                return startOnce(binary, tls);
            } catch (PortTakenException e) {
                // Another process grabbed a port between our probe and the server's bind: try fresh ports.
                last = e;
            }
        }
        throw last;
    }

    /** Uses the server named by {@value #ENV_URL} if that variable is set, else starts a private server. */
    public static LocalClickHouse startOrUseExisting() {
        return startOrUseExisting(System.getenv());
    }

    static LocalClickHouse startOrUseExisting(Map<String, String> env) {
        String url = env.get(ENV_URL);
        if (url == null || url.isBlank()) {
            return start();
        }
        ClickHouseEndpoint ep = new ClickHouseEndpoint(url.trim(),
                env.getOrDefault(ENV_USER, "default"),
                env.getOrDefault(ENV_PASSWORD, ""),
                env.getOrDefault(ENV_DATABASE, "default"));
        // Fail here, with the URL in the message, rather than in the first test query.
        try {
            new ClickHouseHttp(ep).execute("SELECT 1");
        } catch (RuntimeException e) {
            throw new IllegalStateException("ClickHouse at " + ENV_URL + "=" + ep.url() + " does not answer: "
                    + e.getMessage(), e);
        }
        LOG.info("using existing ClickHouse at {}", ep);
        return new LocalClickHouse(ep, null, null, null, null, 0, null);
    }

    /** The HTTPS base URL ({@code https://127.0.0.1:port}) of a server started by {@link #startWithHttps}. */
    public Optional<String> httpsUrl() {
        return Optional.ofNullable(httpsUrl);
    }

    /** How to reach this server: user {@code default}, no password, database {@code default} when private. */
    public ClickHouseEndpoint endpoint() {
        return endpoint;
    }

    /** An HTTP client for {@link #endpoint()}. */
    public ClickHouseHttp http() {
        return new ClickHouseHttp(endpoint);
    }

    /** True if this object started the server (and so will stop it), false for an existing server. */
    public boolean isPrivate() {
        return privateServer;
    }

    /** The server process, if private: tests use it to check that {@link #close()} really stopped it. */
    public Optional<ProcessHandle> processHandle() {
        return Optional.ofNullable(process).map(Process::toHandle);
    }

    /** The private server's native-protocol port, if private, e.g. for {@code clickhouse-client --port}. */
    public OptionalInt tcpPort() {
        return privateServer ? OptionalInt.of(tcpPort) : OptionalInt.empty();
    }

    /**
     * Stops the private server process (SIGTERM, then SIGKILL after 1 s) and keeps its data, so that
     * {@link #restartServer()} brings it back with every row; clients see connection refused meanwhile.
     */
    public synchronized void stopServer() {
        requirePrivateAndOpen();
        if (process == null) {
            return;
        }
        stop(process);
        guard.close();
        process = null;
        LOG.info("private ClickHouse on {} stopped (data kept)", endpoint.url());
    }

    /** Starts the private server again after {@link #stopServer()}, same ports and data; waits for /ping. */
    public synchronized void restartServer() {
        requirePrivateAndOpen();
        if (process != null) {
            return;
        }
        long t0 = System.nanoTime();
        Process p = launch(command, dir);
        guard = ChildProcesses.watch(p, "clickhouse-server", dir);
        process = p;
        awaitPing(p, URI.create(endpoint.url()).getPort(), dir);
        LOG.info("private ClickHouse on {} restarted in {} ms, pid {}", endpoint.url(),
                (System.nanoTime() - t0) / 1_000_000, p.pid());
    }

    private void requirePrivateAndOpen() {
        if (!privateServer) {
            throw new IllegalStateException("not a private server: " + endpoint.url());
        }
        if (closed) {
            throw new IllegalStateException("closed");
        }
    }

    /** The private server's directory (config, data, logs), if private. */
    public Optional<Path> directory() {
        return Optional.ofNullable(dir);
    }

    /** Stops a private server (SIGTERM, then SIGKILL after 1 s) and deletes its directory; no-op otherwise. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!privateServer) {
            return;
        }
        long t0 = System.nanoTime();
        stopProcessAndDeleteDir();
        LOG.info("private ClickHouse on {} stopped in {} ms", endpoint.url(), (System.nanoTime() - t0) / 1_000_000);
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // The hook is running or about to; it is idempotent.
        }
    }

    private void stopProcessAndDeleteDir() {
        Process p = process;
        if (p != null) {
            stop(p);
        }
        if (guard != null) {
            guard.close();
        }
        Files2.deleteRecursively(dir);
    }

    private static void stop(Process p) {
        List<ProcessHandle> children = p.descendants().toList();
        p.destroy();
        try {
            if (!p.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                if (!p.waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.warn("clickhouse-server pid {} still alive {} s after SIGKILL", p.pid(),
                            KILL_WAIT.toSeconds());
                }
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        children.forEach(ProcessHandle::destroyForcibly);
    }

    private static LocalClickHouse startOnce(Path binary, SelfSignedTls tls) {
        long t0 = System.nanoTime();
        ChildProcesses.cleanStale();
        Path dir = Files2.createTempDir("runlaw-clickhouse-");
        Process p = null;
        ChildProcesses.Guard guard = null;
        try {
            int httpPort = FreePorts.next();
            int tcpPort = FreePorts.next();
            int httpsPort = tls == null ? 0 : FreePorts.next();
            Path config = ClickHouseConfig.write(dir, httpPort, tcpPort, httpsPort, tls);
            List<String> cmd = new ArrayList<>();
            cmd.add(binary.toString());
            if (binary.getFileName().toString().equals("clickhouse")) {
                cmd.add("server"); // the single multi-tool binary of newer releases
            }
            cmd.add("--config-file=" + config);
            p = launch(cmd, dir);
            guard = ChildProcesses.watch(p, "clickhouse-server", dir);
            awaitPing(p, httpPort, dir);
            ClickHouseEndpoint ep = new ClickHouseEndpoint("http://127.0.0.1:" + httpPort, "default", "", "default");
            LocalClickHouse ch = new LocalClickHouse(ep, p, guard, List.copyOf(cmd), dir, tcpPort,
                    tls == null ? null : "https://127.0.0.1:" + httpsPort);
            LOG.info("private ClickHouse ({}) ready on {} in {} ms, pid {}", binary, ep.url(),
                    (System.nanoTime() - t0) / 1_000_000, p.pid());
            return ch;
        } catch (RuntimeException e) {
            cleanUp(p, guard, dir);
            throw e;
        }
    }

    private static Process launch(List<String> cmd, Path dir) {
        try {
            return new ProcessBuilder(cmd)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("log/console.log").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + cmd.get(0), e);
        }
    }

    private static void cleanUp(Process p, ChildProcesses.Guard guard, Path dir) {
        if (p != null) {
            stop(p);
        }
        if (guard != null) {
            guard.close();
        }
        Files2.deleteRecursively(dir);
    }

    private static void awaitPing(Process p, int httpPort, Path dir) {
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(1))
                .build();
        HttpRequest ping = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/ping"))
                .timeout(Duration.ofSeconds(2))
                .GET()
                .build();
        try {
            Await.until(READY_TIMEOUT, () -> "clickhouse-server to answer GET /ping on port " + httpPort
                    + ". Server logs:\n" + serverLogs(dir), () -> {
                        if (!p.isAlive()) {
                            String logs = serverLogs(dir);
                            if (logs.contains("Address already in use")) {
                                throw new PortTakenException(logs);
                            }
                            throw new IllegalStateException("clickhouse-server exited with code " + p.exitValue()
                                    + " before answering /ping. Server logs:\n" + logs);
                        }
                        try {
                            return client.send(ping, HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
                        } catch (IOException notYet) {
                            // Not listening yet.
                            return false;
                        }
                    });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for ClickHouse", e);
        }
    }

    private static String serverLogs(Path dir) {
        return "--- clickhouse-server.err.log ---\n"
                + Files2.readTail(dir.resolve("log/clickhouse-server.err.log"), 8000)
                + "\n--- console ---\n" + Files2.readTail(dir.resolve("log/console.log"), 4000);
    }

    // ---- finding or installing the binary -------------------------------------------------------------------

    static Path findOrInstallBinary() {
        return findOrInstallBinary(LocalClickHouse::findBinary, LocalClickHouse::isRoot, LocalClickHouse::run);
    }

    /** The lookup and install policy, with the machine's probes passed in so tests can play both roles. */
    static Path findOrInstallBinary(Supplier<Optional<Path>> find, BooleanSupplier isRoot,
            Function<List<String>, String> run) {
        Optional<Path> found = find.get();
        if (found.isPresent()) {
            return found.get();
        }
        if (!isRoot.getAsBoolean()) {
            throw new IllegalStateException("clickhouse-server not found (looked for /usr/sbin/clickhouse-server, "
                    + "clickhouse-server and clickhouse on PATH); " + INSTALL_HINT);
        }
        LOG.warn("clickhouse-server not found; installing it with apt-get (we are root)");
        List<String> install = List.of("apt-get", "install", "-y", "clickhouse-server", "clickhouse-client");
        String out = run.apply(install);
        if (find.get().isEmpty()) {
            // The package list may be missing or stale on a fresh machine.
            out += run.apply(List.of("apt-get", "update"));
            out += run.apply(install);
        }
        String aptOutput = out;
        return find.get().orElseThrow(() -> new IllegalStateException(
                "apt-get could not install clickhouse-server; " + INSTALL_HINT + "\napt-get output:\n"
                        + tail(aptOutput, 4000)));
    }

    static Optional<Path> findBinary() {
        Path sbin = Path.of("/usr/sbin/clickhouse-server");
        if (Files.isExecutable(sbin)) {
            return Optional.of(sbin);
        }
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String name : List.of("clickhouse-server", "clickhouse")) {
            for (String d : path.split(java.io.File.pathSeparator)) {
                if (d.isEmpty()) {
                    continue;
                }
                Path candidate = Path.of(d, name);
                if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    private static boolean isRoot() {
        try {
            return run(List.of("id", "-u")).trim().equals("0");
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Runs a command to completion and returns its combined output (not failing on a non-zero exit). */
    private static String run(List<String> cmd) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
            Process p = pb.start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + cmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + cmd, e);
        }
    }

    private static String tail(String s, int max) {
        return s.length() <= max ? s : "..." + s.substring(s.length() - max);
    }

    /** The server could not bind a port we probed as free. */
    private static final class PortTakenException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        PortTakenException(String logs) {
            super("clickhouse-server could not bind its ports; server logs:\n" + logs);
        }
    }
}
