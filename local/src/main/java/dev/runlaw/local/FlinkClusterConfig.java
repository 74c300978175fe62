package dev.runlaw.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a {@link LocalFlinkCluster} runs with: its {@code config.yaml} entries, its directories, the TaskManager JVMs'
 * memory flags (which must agree with the configured memory sizes) and the runtime classpath.
 *
 * @param slots            slots per TaskManager
 * @param taskHeapMb       task heap per TaskManager (MiB)
 * @param managedMb        managed memory per TaskManager (MiB), what RocksDB gets
 * @param jobManagerHeapMb the JobManager's heap (MiB)
 * @param extra            entries that override or add to the defaults, in order
 */
record FlinkClusterConfig(int slots, int taskHeapMb, int managedMb, int jobManagerHeapMb, Map<String, String> extra) {
    static final int FRAMEWORK_HEAP_MB = 64;
    static final int FRAMEWORK_OFF_HEAP_MB = 64;
    static final int NETWORK_MB = 64;
    /** Metaspace of a TaskManager: room for the classes of every job's jar twice over (see {@link #entries}). */
    static final int METASPACE_MB = 640;

    FlinkClusterConfig {
        extra = new LinkedHashMap<>(extra);
    }

    /** The entries of {@code conf/config.yaml}, in order ({@code extra} last, so it overrides). */
    Map<String, String> entries(Path dir, int restPort, int rpcPort) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("jobmanager.rpc.address", "127.0.0.1");
        c.put("jobmanager.rpc.port", String.valueOf(rpcPort));
        c.put("jobmanager.bind-host", "127.0.0.1");
        c.put("jobmanager.memory.heap.size", jobManagerHeapMb + "m");
        c.put("rest.address", "127.0.0.1");
        c.put("rest.bind-address", "127.0.0.1");
        c.put("rest.port", String.valueOf(restPort));
        c.put("taskmanager.host", "127.0.0.1");
        c.put("taskmanager.bind-host", "127.0.0.1");
        c.put("taskmanager.numberOfTaskSlots", String.valueOf(slots));
        c.put("taskmanager.memory.framework.heap.size", FRAMEWORK_HEAP_MB + "m");
        c.put("taskmanager.memory.task.heap.size", taskHeapMb + "m");
        c.put("taskmanager.memory.managed.size", managedMb + "m");
        c.put("taskmanager.memory.framework.off-heap.size", FRAMEWORK_OFF_HEAP_MB + "m");
        c.put("taskmanager.memory.task.off-heap.size", "0m");
        c.put("taskmanager.memory.network.min", NETWORK_MB + "m");
        c.put("taskmanager.memory.network.max", NETWORK_MB + "m");
        // What Flink's scripts pass a TaskManager besides the memory sizes (TaskExecutorResourceSpec needs it).
        c.put("taskmanager.cpu.cores", String.valueOf(slots));
        // Each job loads the classes of its own copy of the job jar (Kafka, Avro, ClickHouse clients): measured
        // in ClusterFaultsIT, one TaskManager hosting all four jobs used 137 MB of metaspace after a failover and
        // 238 MB while a rescale's old and new jobs overlapped, against Flink's default of 256 MB; a
        // TaskManager that runs out exits, and then no job can run at all.
        c.put("taskmanager.memory.jvm-metaspace.size", METASPACE_MB + "m");
        c.put("taskmanager.memory.jvm-overhead.min", "192m");
        c.put("taskmanager.memory.jvm-overhead.max", "192m");
        // Spread every job's tasks over the TaskManagers, so losing one hurts every job.
        c.put("taskmanager.load-balance.mode", "SLOTS");
        // Notice a vanished TaskManager in seconds, not the default 50 s.
        c.put("heartbeat.interval", "1000");
        c.put("heartbeat.timeout", "6000");
        // TaskManagers start alongside the JobManager: retry registering every second, not after 10-30 s.
        c.put("cluster.registration.initial-timeout", "200");
        c.put("cluster.registration.max-timeout", "2000");
        c.put("cluster.registration.error-delay", "1000");
        c.put("cluster.registration.refused-registration-delay", "1000");
        c.put("execution.checkpointing.dir", dir.resolve("checkpoints").toUri().toString());
        c.put("execution.checkpointing.savepoint-dir", dir.resolve("savepoints").toUri().toString());
        c.put("io.tmp.dirs", dir.resolve("tmp").toString());
        c.put("web.tmpdir", dir.resolve("tmp/web").toString());
        c.put("web.upload.dir", dir.resolve("uploads").toString());
        c.put("blob.storage.directory", dir.resolve("tmp/blobs").toString());
        c.putAll(extra);
        return c;
    }

    /** Creates the cluster's directories under {@code dir} and writes {@code conf/config.yaml} and the log4j file. */
    void write(Path dir, int restPort, int rpcPort) {
        try {
            for (String sub : List.of("conf", "log", "checkpoints", "savepoints", "tmp", "uploads")) {
                Files.createDirectories(dir.resolve(sub));
            }
            StringBuilder yaml = new StringBuilder("# written by runlaw LocalFlinkCluster\n");
            entries(dir, restPort, rpcPort).forEach((k, v) -> yaml.append(k).append(": '")
                    .append(v.replace("'", "''")).append("'\n"));
            Files.writeString(dir.resolve("conf/config.yaml"), yaml, StandardCharsets.UTF_8);
            try (InputStream log = FlinkClusterConfig.class.getResourceAsStream("flink-log4j2.properties")) {
                Files.copy(log, dir.resolve("conf/log4j2.properties"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the Flink configuration in " + dir, e);
        }
    }

    /** A TaskManager's JVM flags: heap = framework + task heap; direct = framework + task off-heap + network. */
    List<String> taskManagerJvm() {
        // As Flink's own scripts compute them from the memory sizes above.
        int heap = FRAMEWORK_HEAP_MB + taskHeapMb;
        int direct = FRAMEWORK_OFF_HEAP_MB + NETWORK_MB;
        return List.of("-Xms" + heap + "m", "-Xmx" + heap + "m", "-XX:MaxDirectMemorySize=" + direct + "m",
                "-XX:MaxMetaspaceSize=" + METASPACE_MB + "m");
    }

    /** The cluster JVMs' classpath (see {@link LocalFlinkCluster#CLASSPATH_FILE}). */
    static String readClasspath() {
        String env = System.getenv(LocalFlinkCluster.ENV_CLASSPATH);
        Path file = env != null && !env.isBlank() ? Path.of(env) : ProjectRoot.resolve(LocalFlinkCluster.CLASSPATH_FILE);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("no Flink runtime classpath at " + file + "; build it with: mvn -pl "
                    + "local/flink-runtime generate-resources (any mvn package or verify of the project does)");
        }
        try {
            return Files.readString(file, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
