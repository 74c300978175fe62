package dev.runlaw.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Flink 2.2 session cluster on this machine: a JobManager ({@code StandaloneSessionClusterEntrypoint}) and
 * TaskManagers ({@code TaskManagerRunner}), each its own JVM, as {@code start-cluster.sh} would start them from
 * {@code flink-dist} (which is not on Maven Central). They run on the classpath the {@code local/flink-runtime}
 * module resolves ({@value #CLASSPATH_FILE} under the project root, or {@value #ENV_CLASSPATH}): Flink alone;
 * job code arrives only in a job jar submitted over REST ({@link #rest()}).
 *
 * <p>Everything listens on 127.0.0.1 on free ports and lives in one temp directory: {@code conf/config.yaml},
 * one log per JVM in {@code log/}, and the checkpoints and savepoints every process shares
 * ({@link #checkpointDir()}, {@link #savepointDir()}). Heartbeats are short (1 s, 6 s timeout) so a killed
 * TaskManager is noticed in seconds. The JVMs die with this one, even on {@code kill -9} ({@link ChildProcesses}).
 *
 * <pre>{@code
 * try (LocalFlinkCluster flink = LocalFlinkCluster.builder().taskManagers(2).start()) {
 *     String jar = flink.rest().uploadJar(jobJar);
 *     String job = flink.rest().runJar(jar, "dev.runlaw.jobs.ingest.IngestJob", args, null);
 * }
 * }</pre>
 */
public final class LocalFlinkCluster implements AutoCloseable {
    /** The file, relative to the project root, holding the cluster JVMs' classpath. */
    public static final String CLASSPATH_FILE = "local/flink-runtime/target/classpath.txt";
    /** Overrides {@link #CLASSPATH_FILE}: a file holding the classpath. */
    public static final String ENV_CLASSPATH = "RUNLAW_FLINK_CLASSPATH_FILE";
    /** Set to keep the cluster directory (logs, checkpoints) after {@link #close()}, to debug a run. */
    public static final String ENV_KEEP = "RUNLAW_FLINK_KEEP_DIR";

    static final String JOB_MANAGER_MAIN = "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
    static final String TASK_MANAGER_MAIN = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";
    /** What Flink's own scripts pass on Java 17 (env.java.default-opts.all), for Kryo, RocksDB and the RPC system. */
    static final List<String> JAVA_17_OPTS = List.of(
            "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
            "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.text=ALL-UNNAMED", "--add-opens=java.base/java.time=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED",
            "--add-opens=java.base/java.math=ALL-UNNAMED");

    private static final Logger LOG = LoggerFactory.getLogger(LocalFlinkCluster.class);
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(3);
    private static final long STOP_GRACE_MS = 5_000;

    /** A JVM of the cluster. */
    private record Node(String id, Process process, ChildProcesses.Guard guard) {
    }

    private final Path dir;
    private final Builder settings;
    private final String classpath;
    private final int restPort;
    private final FlinkRest rest;
    private final Thread shutdownHook;
    private Node jobManager;
    private final List<Node> taskManagers = new ArrayList<>();
    private int nextTaskManager = 1;
    private boolean closed;
    /** TaskManagers that exited on their own and were replaced, with why (see {@link #onTaskManagerExit}). */
    private final List<String> replacements = new ArrayList<>();

    private LocalFlinkCluster(Path dir, Builder settings, String classpath, int restPort) {
        this.dir = dir;
        this.settings = settings;
        this.classpath = classpath;
        this.restPort = restPort;
        this.rest = new FlinkRest("http://127.0.0.1:" + restPort);
        this.shutdownHook = new Thread(this::close, "local-flink-cluster-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** A builder with two TaskManagers of four slots each. */
    public static Builder builder() {
        return new Builder();
    }

    /** The REST endpoint, e.g. {@code http://127.0.0.1:41234}. */
    public String restUrl() {
        return rest.url();
    }

    /** The REST port. */
    public int restPort() {
        return restPort;
    }

    /** A REST client of this cluster. */
    public FlinkRest rest() {
        return rest;
    }

    /** The cluster's directory (configuration, logs, checkpoints, savepoints). */
    public Path directory() {
        return dir;
    }

    /** Checkpoint storage every JVM of the cluster shares. */
    public Path checkpointDir() {
        return dir.resolve("checkpoints");
    }

    /** Default savepoint directory. */
    public Path savepointDir() {
        return dir.resolve("savepoints");
    }

    /** The JobManager's process. */
    public synchronized ProcessHandle jobManagerProcess() {
        return jobManager.process().toHandle();
    }

    /** The live TaskManagers: resource id to process. */
    public synchronized Map<String, ProcessHandle> taskManagerProcesses() {
        Map<String, ProcessHandle> out = new LinkedHashMap<>();
        for (Node n : taskManagers) {
            if (n.process().isAlive()) {
                out.put(n.id(), n.process().toHandle());
            }
        }
        return out;
    }

    /**
     * Kills a TaskManager with SIGKILL, as a crashed machine would vanish: no shutdown, no deregistration.
     * Returns once the process is gone.
     */
    public synchronized void killTaskManager(String resourceId) throws InterruptedException {
        Node n = taskManagers.stream().filter(t -> t.id().equals(resourceId)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no TaskManager " + resourceId + " in "
                        + taskManagers.stream().map(Node::id).toList()));
        // Out of the list first: its exit is then a deliberate one, which onTaskManagerExit leaves unreplaced.
        taskManagers.remove(n);
        n.process().destroyForcibly();
        n.process().waitFor(10, TimeUnit.SECONDS);
        n.guard().close();
        LOG.info("TaskManager {} (pid {}) killed", n.id(), n.process().pid());
    }

    /** Starts one more TaskManager (e.g. to replace a killed one) and waits until the JobManager counts it. */
    public synchronized String startTaskManager() throws InterruptedException {
        String id = launchTaskManager();
        awaitTaskManagers();
        return id;
    }

    private String launchTaskManager() {
        String id = "tm-" + nextTaskManager++;
        Node n = launch(id, TASK_MANAGER_MAIN, "taskmanager-" + id, List.of("-D", "taskmanager.resource-id=" + id),
                taskManagerJvm());
        taskManagers.add(n);
        if (settings.replaceExitedTaskManagers) {
            n.process().onExit().thenRun(() -> onTaskManagerExit(n));
        }
        return id;
    }

    /**
     * What a cluster manager (Kubernetes, YARN, compose's restart policy) does for a TaskManager that exits on its
     * own: start another in its place. Not for one this class stopped ({@link #killTaskManager}, {@link #close}).
     * Seen in ClusterFaultsIT: when one TaskManager is killed, Flink 2.2.1's surviving TaskManager sometimes exits
     * too ("FATAL - exception in exception handler of task": releasing a network buffer of the lost peer's channel
     * rethrows the peer's connection error during the task's clean-up, and a failing clean-up is fatal), leaving no
     * TaskManager at all; without a replacement no job could ever run again.
     */
    private synchronized void onTaskManagerExit(Node n) {
        if (closed || !taskManagers.remove(n)) {
            return;
        }
        n.guard().close();
        String why = "TaskManager " + n.id() + " exited on its own with " + n.process().exitValue() + exitReason(n);
        String id = launchTaskManager();
        replacements.add(why + "; replaced by " + id);
        LOG.warn("{}; replaced by {}", why, id);
    }

    private String exitReason(Node n) {
        String tail = Files2.readTail(dir.resolve("log/taskmanager-" + n.id() + ".log"), 200_000);
        return tail.lines().filter(l -> l.contains("FATAL") || l.contains("Fatal error")).findFirst()
                .map(l -> ": " + l.substring(l.indexOf(" - ") + 3)).orElse("");
    }

    /** Every TaskManager that exited on its own and was replaced, with the reason its log gave, in order. */
    public synchronized List<String> replacements() {
        return List.copyOf(replacements);
    }

    /** Waits until the JobManager counts every live TaskManager; fails at once if one exited. */
    private void awaitTaskManagers() throws InterruptedException {
        int want = taskManagers.size();
        Await.until(READY_TIMEOUT, () -> want + " TaskManagers registered at " + rest.url() + "; logs:\n"
                + logs(), () -> {
                    for (Node n : taskManagers) {
                        if (!n.process().isAlive()) {
                            throw new IllegalStateException("TaskManager " + n.id() + " exited with "
                                    + n.process().exitValue() + "; logs:\n" + logs());
                        }
                    }
                    return taskManagersRegistered() >= want;
                });
    }

    /** TaskManagers the JobManager counts (it keeps a killed one until its heartbeat times out). */
    public int taskManagersRegistered() {
        try {
            return rest.overview().path("taskmanagers").asInt();
        } catch (RuntimeException notUp) {
            return -1;
        }
    }

    /** Stops every JVM (SIGTERM, SIGKILL after 5 s) and deletes the directory. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        long t0 = System.nanoTime();
        List<Node> all = new ArrayList<>(taskManagers);
        if (jobManager != null) {
            all.add(jobManager);
        }
        all.forEach(n -> n.process().destroy());
        for (Node n : all) {
            try {
                if (!n.process().waitFor(STOP_GRACE_MS, TimeUnit.MILLISECONDS)) {
                    n.process().destroyForcibly();
                    n.process().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                n.process().destroyForcibly();
                Thread.currentThread().interrupt();
            }
            n.guard().close();
        }
        String keep = System.getenv(ENV_KEEP);
        if (keep == null || keep.isBlank()) {
            Files2.deleteRecursively(dir);
        } else {
            LOG.info("kept the Flink cluster's directory {}", dir);
        }
        LOG.info("Flink cluster on {} stopped in {} ms", rest.url(), (System.nanoTime() - t0) / 1_000_000);
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs or is about to; close is idempotent
            }
        }
    }

    private synchronized void startJobManager() throws InterruptedException {
        jobManager = launch("jobmanager", JOB_MANAGER_MAIN, "jobmanager", List.of(),
                List.of("-Xms" + settings.jobManagerHeapMb + "m", "-Xmx" + settings.jobManagerHeapMb + "m"));
        Await.until(READY_TIMEOUT, () -> "the JobManager's REST API at " + rest.url() + "; logs:\n" + logs(),
                () -> {
                    if (!jobManager.process().isAlive()) {
                        throw new IllegalStateException("the JobManager exited with "
                                + jobManager.process().exitValue() + "; logs:\n" + logs());
                    }
                    return taskManagersRegistered() >= 0;
                });
    }

    private List<String> taskManagerJvm() {
        return settings.config().taskManagerJvm();
    }

    private Node launch(String id, String main, String logName, List<String> args, List<String> jvm) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvm);
        cmd.addAll(JAVA_17_OPTS);
        cmd.add("-Dlog.file=" + dir.resolve("log/" + logName + ".log"));
        cmd.add("-Dlog4j.configurationFile=" + dir.resolve("conf/log4j2.properties").toUri());
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(main);
        cmd.add("--configDir");
        cmd.add(dir.resolve("conf").toString());
        cmd.addAll(args);
        try {
            Process p = new ProcessBuilder(cmd)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("log/" + logName + ".out").toFile()))
                    .start();
            ChildProcesses.Guard guard = ChildProcesses.watch(p, "Flink " + id, dir);
            LOG.info("Flink {} started, pid {}", id, p.pid());
            return new Node(id, p, guard);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start Flink " + id, e);
        }
    }

    /** The tail of every JVM's log file (JobManager, TaskManagers), for a failure message. */
    public String logs() {
        StringBuilder b = new StringBuilder();
        try (var files = Files.list(dir.resolve("log"))) {
            for (Path f : files.sorted().toList()) {
                // The first errors say why a JVM stopped; the tail, by then, is mostly its shutdown.
                String firstErrors;
                try (var lines = Files.lines(f)) {
                    firstErrors = lines.filter(l -> l.contains(" ERROR ")).limit(3).reduce("", (x, y) -> x + y + "\n");
                } catch (IOException | java.io.UncheckedIOException e) {
                    firstErrors = "";
                }
                b.append("--- ").append(f.getFileName()).append(" ---\n");
                if (!firstErrors.isEmpty()) {
                    b.append("first errors:\n").append(firstErrors).append("tail:\n");
                }
                b.append(Files2.readTail(f, 3000)).append('\n');
            }
        } catch (IOException e) {
            b.append("(no logs: ").append(e.getMessage()).append(')');
        }
        return b.toString();
    }

    /** Builder for {@link LocalFlinkCluster}. */
    public static final class Builder {
        private int taskManagers = 2;
        private int slots = 4;
        private int taskHeapMb = 384;
        private int managedMb = 192;
        private int jobManagerHeapMb = 384;
        private boolean replaceExitedTaskManagers = true;
        private final Map<String, String> extra = new LinkedHashMap<>();

        private Builder() {
        }

        /** TaskManager JVMs to start (default 2). */
        public Builder taskManagers(int n) {
            this.taskManagers = n;
            return this;
        }

        /**
         * Whether a TaskManager that exits on its own is replaced by a new one, as a cluster manager would (default
         * true; see {@link LocalFlinkCluster#replacements()}).
         */
        public Builder replaceExitedTaskManagers(boolean replace) {
            this.replaceExitedTaskManagers = replace;
            return this;
        }

        /** Slots per TaskManager (default 4). */
        public Builder slotsPerTaskManager(int n) {
            this.slots = n;
            return this;
        }

        /** Task heap per TaskManager in MiB (default 384; the JVM's heap adds 64 of framework heap). */
        public Builder taskHeapMb(int mb) {
            this.taskHeapMb = mb;
            return this;
        }

        /** Managed memory per TaskManager in MiB, what RocksDB gets (default 192). */
        public Builder managedMemoryMb(int mb) {
            this.managedMb = mb;
            return this;
        }

        /** Sets or overrides one entry of {@code config.yaml}. */
        public Builder config(String key, String value) {
            extra.put(key, value);
            return this;
        }

        /** Writes the configuration, starts the JobManager, then the TaskManagers, and waits until all registered. */
        public LocalFlinkCluster start() {
            long t0 = System.nanoTime();
            ChildProcesses.cleanStale();
            String classpath = FlinkClusterConfig.readClasspath();
            Path dir = Files2.createTempDir("runlaw-flink-");
            int restPort = FreePorts.next();
            LocalFlinkCluster c = new LocalFlinkCluster(dir, this, classpath, restPort);
            try {
                config().write(dir, restPort, FreePorts.next());
                // The TaskManagers start while the JobManager does: they retry registering until it answers.
                for (int i = 0; i < taskManagers; i++) {
                    c.launchTaskManager();
                }
                c.startJobManager();
                c.awaitTaskManagers();
            } catch (InterruptedException e) {
                c.close();
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting Flink", e);
            } catch (RuntimeException e) {
                c.close();
                throw e;
            }
            LOG.info("Flink session cluster ready on {} in {} ms: 1 JobManager, {} TaskManagers x {} slots",
                    c.restUrl(), (System.nanoTime() - t0) / 1_000_000, taskManagers, slots);
            return c;
        }

        /** The entries of {@code conf/config.yaml}, in order. */
        Map<String, String> conf(Path dir, int restPort, int rpcPort) {
            return config().entries(dir, restPort, rpcPort);
        }

        private FlinkClusterConfig config() {
            return new FlinkClusterConfig(slots, taskHeapMb, managedMb, jobManagerHeapMb, extra);
        }
    }
}
