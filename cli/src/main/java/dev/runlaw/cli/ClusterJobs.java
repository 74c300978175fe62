package dev.runlaw.cli;

import dev.runlaw.local.LocalFlinkCluster;
import dev.runlaw.local.ProjectRoot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.client.deployment.ClusterClientJobClientAdapter;
import org.apache.flink.client.deployment.StandaloneClusterId;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;

/**
 * Runs runlaw's jobs on a {@link LocalFlinkCluster} as {@code flink run} and docker-compose's job services do: the
 * shaded job jar ({@code jobs/flink/target/runlaw-jobs-<version>-job.jar}) is uploaded once over REST, and each
 * job is its main class run with {@code --key value} program arguments. The returned {@link JobClient} talks to
 * the cluster's REST API ({@link RestClusterClient}), so code that waits on jobs works the same on a MiniCluster.
 */
public final class ClusterJobs {
    /** Where Maven's package phase puts the job jar, relative to the project root. */
    static final String JAR_DIR = "jobs/flink/target";

    private final LocalFlinkCluster cluster;
    private final String jarId;
    private final Configuration clientConf = new Configuration();

    private ClusterJobs(LocalFlinkCluster cluster, String jarId) {
        this.cluster = cluster;
        this.jarId = jarId;
        clientConf.set(RestOptions.ADDRESS, "127.0.0.1");
        clientConf.set(RestOptions.PORT, cluster.restPort());
    }

    /** Uploads the project's job jar to {@code cluster}. */
    public static ClusterJobs upload(LocalFlinkCluster cluster) {
        return new ClusterJobs(cluster, cluster.rest().uploadJar(jobJar()));
    }

    /** The shaded job jar Maven built; fails with the build command when there is none. */
    public static Path jobJar() {
        Path dir = ProjectRoot.resolve(JAR_DIR);
        try (Stream<Path> files = Files.isDirectory(dir) ? Files.list(dir) : Stream.empty()) {
            return files.filter(f -> f.getFileName().toString().matches("runlaw-jobs-.*-job\\.jar"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no job jar in " + dir + "; build it with: "
                            + "mvn -B -pl jobs/flink -am package -DskipTests"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code --key value} for every entry, in key order (as one would type them after {@code flink run}). */
    static List<String> programArgs(Map<String, String> conf) {
        List<String> args = new ArrayList<>();
        new TreeMap<>(conf).forEach((k, v) -> {
            args.add("--" + k);
            args.add(v);
        });
        return args;
    }

    /**
     * Runs {@code mainClass} of the job jar with {@code conf} as program arguments, from {@code savepoint} when not
     * null, and returns a client of the submitted job.
     */
    public JobClient submit(Class<?> mainClass, Map<String, String> conf, String savepoint) {
        String id = cluster.rest().runJar(jarId, mainClass.getName(), programArgs(conf), savepoint);
        return client(id);
    }

    /** A client of a job already on the cluster. */
    public JobClient client(String jobId) {
        return new ClusterClientJobClientAdapter<>(() -> {
            try {
                return new RestClusterClient<>(clientConf, StandaloneClusterId.getInstance());
            } catch (Exception e) {
                throw new IllegalStateException("cannot create a REST client of " + cluster.restUrl(), e);
            }
        }, JobID.fromHexString(jobId), ClusterJobs.class.getClassLoader());
    }

    /** The cluster. */
    public LocalFlinkCluster cluster() {
        return cluster;
    }
}
