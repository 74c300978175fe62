package dev.runlaw.cli.routing;

import dev.runlaw.jobs.routing.RoutingJob;
import dev.runlaw.jobs.routing.SequenceFragment;
import dev.runlaw.jobs.routing.TraceFragments;
import dev.runlaw.local.ProjectRoot;
import dev.runlaw.math.routing.RoutingCounts;
import dev.runlaw.math.routing.RoutingSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * Counts the traces with the routing job's own counting stage ({@link RoutingJob#count}): the records, one
 * {@link SequenceFragment} per sequence, go into a bounded source; the job keys them by sequence, counts in parallel
 * and merges, in BATCH execution mode; the merged counts come back to the command. Every record counts as read (no
 * de-duplication of a repeated (token, layer), as {@link LocalRoutingBackend}), so both backends give the same
 * counts.
 *
 * <p>Where it runs: by default an embedded Flink MiniCluster in this JVM (parallelism = available cores); with
 * {@value #CLUSTER_ENV}={@code host:port} a Flink cluster's REST endpoint, shipping the shaded job jar
 * ({@code jobs/flink/target/runlaw-jobs-*-job.jar}, built by {@code mvn package}). The fragments travel inside the
 * job (a bounded in-memory source), so this suits traces that fit the command's heap; traces in Kafka are analysed by
 * the routing job itself.
 */
public final class FlinkRoutingBackend implements RoutingBackend {
    /** Environment variable naming a Flink cluster's REST endpoint, {@code host:port}. */
    public static final String CLUSTER_ENV = "RUNLAW_FLINK_CLUSTER";

    private final String cluster;

    /** Embedded MiniCluster, or the cluster named by {@value #CLUSTER_ENV} in {@code env}. */
    public FlinkRoutingBackend(Map<String, String> env) {
        String c = env.get(CLUSTER_ENV);
        this.cluster = c == null || c.isBlank() ? null : c.trim();
    }

    @Override
    public String name() {
        return cluster == null ? "flink (embedded MiniCluster)" : "flink (cluster " + cluster + ")";
    }

    @Override
    public RoutingCounts count(RoutingTraces traces, RoutingSettings settings) throws Exception {
        List<SequenceFragment> fragments = new ArrayList<>(traces.sequences());
        traces.forEachSequence(routes -> TraceFragments.of(routes, fragments::add));
        StreamExecutionEnvironment env = environment();
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        var source = env.fromData(fragments, TypeInformation.of(SequenceFragment.class))
                .uid("routing-trace-files").name("trace files");
        try (CloseableIterator<byte[]> merged = RoutingJob.count(source, settings.devices(), false)
                .executeAndCollect("runlaw routing analyze")) {
            return RoutingCounts.fromBytes(merged.next());
        }
    }

    private StreamExecutionEnvironment environment() throws IOException {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        if (cluster == null) {
            return StreamExecutionEnvironment.createLocalEnvironment(Runtime.getRuntime().availableProcessors(), conf);
        }
        int colon = cluster.lastIndexOf(':');
        if (colon < 1) {
            throw new IllegalArgumentException(CLUSTER_ENV + " must be host:port, got '" + cluster + "'");
        }
        return StreamExecutionEnvironment.createRemoteEnvironment(cluster.substring(0, colon),
                Integer.parseInt(cluster.substring(colon + 1)), conf, jobJar().toString());
    }

    private static Path jobJar() throws IOException {
        Path dir = ProjectRoot.resolve("jobs/flink/target");
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches("runlaw-jobs-.*-job\\.jar")).findFirst()
                    .orElseThrow(() -> new IOException("no runlaw-jobs-*-job.jar in " + dir + ": run mvn package"));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException("no " + dir + ": run mvn package", e);
        }
    }
}
