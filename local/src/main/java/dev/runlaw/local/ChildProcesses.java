package dev.runlaw.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the servers this JVM starts (ClickHouse, Flink JobManager and TaskManagers) from outliving it, even when
 * it is killed with {@code kill -9}, when no shutdown hook runs.
 *
 * <p>Two mechanisms, because each covers what the other cannot:
 * <ul>
 *   <li><b>A watchdog per child</b>: a {@code /bin/sh} whose stdin is a pipe from this JVM and which runs
 *       {@code read; kill -9 <child>}. Only this JVM holds the pipe's write end (the JDK closes inherited
 *       descriptors in children), so when the JVM dies for any reason the kernel closes it, {@code read} sees end
 *       of file and the child is killed within milliseconds. Unlike {@code PR_SET_PDEATHSIG}, this does not depend
 *       on which JVM thread forked the child.</li>
 *   <li><b>A record per child or directory</b> in {@value #STATE_DIR_NAME} under {@code ~/.cache/runlaw/} (or
 *       {@value #ENV_STATE_DIR}): owner pid and start time, child pid and start time, its temp directory.
 *       {@link #cleanStale()}, called before every start, kills children whose owner is gone (say the watchdog was
 *       killed too) and deletes their directories. Start times guard against reused pids.</li>
 * </ul>
 */
public final class ChildProcesses {
    /** Overrides the directory of the records. */
    public static final String ENV_STATE_DIR = "RUNLAW_STATE_DIR";
    /** As {@link #ENV_STATE_DIR}, as a system property (tests); the property wins. */
    public static final String PROPERTY_STATE_DIR = "runlaw.state.dir";
    static final String STATE_DIR_NAME = "processes";

    private static final Logger LOG = LoggerFactory.getLogger(ChildProcesses.class);
    private static final long KILL_WAIT_MS = 10_000;
    /* Strong references: a Process whose object is collected gets its pipe closed, which would fire its watchdog. */
    private static final Map<String, Guard> LIVE = new ConcurrentHashMap<>();

    private ChildProcesses() {
    }

    /** What {@link #watch} or {@link #ownDir} returns; {@link #close()} once the child is stopped and its dir gone. */
    public static final class Guard implements AutoCloseable {
        private final String id;
        private final Path record;
        private final Process watchdog; // null for a directory alone

        private Guard(String id, Path record, Process watchdog) {
            this.id = id;
            this.record = record;
            this.watchdog = watchdog;
        }

        /** Stops the watchdog without letting it fire, and removes the record. Idempotent. */
        @Override
        public void close() {
            if (LIVE.remove(id) == null) {
                return;
            }
            if (watchdog != null) {
                // Kill the shell first: closing its stdin while it lives would make it kill the child.
                watchdog.destroyForcibly();
                try {
                    watchdog.waitFor(KILL_WAIT_MS, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                closeQuietly(watchdog.getOutputStream());
            }
            try {
                Files.deleteIfExists(record);
            } catch (IOException e) {
                LOG.warn("cannot delete {}", record, e);
            }
        }
    }

    /**
     * Ties {@code child} to this JVM: a watchdog kills it when this JVM dies, and a record lets the next start
     * clean it (and {@code dir}, if given) if even that fails.
     */
    public static Guard watch(Process child, String what, Path dir) {
        Process watchdog;
        try {
            watchdog = new ProcessBuilder("/bin/sh", "-c", "read -r _; kill -9 " + child.pid() + " 2>/dev/null")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the watchdog of " + what, e);
        }
        closeQuietly(watchdog.getInputStream());
        return register(what, child.toHandle(), dir, watchdog);
    }

    /** Records a directory this JVM owns (an in-process server's data) so the next start deletes it if we crash. */
    public static Guard ownDir(String what, Path dir) {
        return register(what, null, dir, null);
    }

    private static Guard register(String what, ProcessHandle child, Path dir, Process watchdog) {
        String id = UUID.randomUUID().toString();
        Properties p = new Properties();
        ProcessHandle self = ProcessHandle.current();
        p.setProperty("what", what);
        p.setProperty("owner.pid", String.valueOf(self.pid()));
        p.setProperty("owner.start", startOf(self).map(String::valueOf).orElse(""));
        if (child != null) {
            p.setProperty("child.pid", String.valueOf(child.pid()));
            p.setProperty("child.start", startOf(child).map(String::valueOf).orElse(""));
        }
        if (dir != null) {
            p.setProperty("dir", dir.toAbsolutePath().toString());
        }
        Path record = stateDir().resolve(id + ".properties");
        try {
            Files.createDirectories(record.getParent());
            try (OutputStream out = Files.newOutputStream(record)) {
                p.store(out, "runlaw child process; deleted when its owner stops it");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + record, e);
        }
        Guard g = new Guard(id, record, watchdog);
        LIVE.put(id, g);
        return g;
    }

    /**
     * Kills the children and deletes the directories recorded by JVMs that are gone; leaves those of live JVMs
     * (other tests, other demos) alone. Returns how many records it cleaned.
     */
    public static int cleanStale() {
        Path dir = stateDir();
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        int cleaned = 0;
        try (DirectoryStream<Path> records = Files.newDirectoryStream(dir, "*.properties")) {
            for (Path record : records) {
                if (cleanIfStale(record)) {
                    cleaned++;
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot list {}", dir, e);
        }
        return cleaned;
    }

    private static boolean cleanIfStale(Path record) {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(record)) {
            p.load(in);
        } catch (IOException e) {
            return false; // being written or deleted by its owner
        }
        if (isAlive(p.getProperty("owner.pid"), p.getProperty("owner.start"))) {
            return false;
        }
        String childPid = p.getProperty("child.pid");
        if (childPid != null) {
            Optional<ProcessHandle> child = ProcessHandle.of(Long.parseLong(childPid))
                    .filter(h -> sameStart(h, p.getProperty("child.start")));
            child.ifPresent(h -> {
                LOG.warn("killing stale {} (pid {}) left by a crashed runlaw JVM (pid {})", p.getProperty("what"),
                        h.pid(), p.getProperty("owner.pid"));
                h.destroyForcibly();
                try {
                    h.onExit().get(KILL_WAIT_MS, TimeUnit.MILLISECONDS);
                } catch (Exception e) {
                    LOG.warn("stale pid {} did not exit", h.pid());
                }
            });
        }
        String d = p.getProperty("dir");
        if (d != null) {
            Files2.deleteRecursively(Path.of(d));
        }
        try {
            Files.deleteIfExists(record);
        } catch (IOException e) {
            return false;
        }
        LOG.info("cleaned stale {} of pid {}", p.getProperty("what"), p.getProperty("owner.pid"));
        return true;
    }

    private static boolean isAlive(String pid, String start) {
        if (pid == null) {
            return false;
        }
        return ProcessHandle.of(Long.parseLong(pid)).filter(ProcessHandle::isAlive)
                .filter(h -> sameStart(h, start)).isPresent();
    }

    private static boolean sameStart(ProcessHandle h, String recorded) {
        if (recorded == null || recorded.isEmpty()) {
            return true; // the OS did not tell; trust the pid
        }
        return startOf(h).map(s -> s == Long.parseLong(recorded)).orElse(false);
    }

    private static Optional<Long> startOf(ProcessHandle h) {
        return h.info().startInstant().map(Instant::toEpochMilli);
    }

    /** Where the records live. */
    static Path stateDir() {
        String prop = System.getProperty(PROPERTY_STATE_DIR);
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop);
        }
        String env = System.getenv(ENV_STATE_DIR);
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "runlaw", STATE_DIR_NAME);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // nothing to do: the stream of a dead process
        }
    }
}
