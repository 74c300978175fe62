package dev.runlaw.cli;

import dev.runlaw.jobs.alert.AlertConfig;
import dev.runlaw.jobs.alert.AlertJob;
import dev.runlaw.jobs.batch.BatchConfig;
import dev.runlaw.jobs.batch.BatchJob;
import dev.runlaw.jobs.forecast.ForecastConfig;
import dev.runlaw.jobs.forecast.ForecastJob;
import dev.runlaw.jobs.ingest.IngestConfig;
import dev.runlaw.jobs.ingest.IngestJob;
import dev.runlaw.local.Await;
import dev.runlaw.local.ChildProcesses;
import dev.runlaw.local.ClickHouseHttp;
import dev.runlaw.local.EmbeddedKafka;
import dev.runlaw.local.Files2;
import dev.runlaw.local.LocalClickHouse;
import dev.runlaw.local.LocalFlinkCluster;
import dev.runlaw.local.SqlFiles;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.Topics;
import java.nio.file.Path;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The embedded default deployment: a real Kafka KRaft broker in this JVM, a private ClickHouse server process and
 * the Flink ingest, forecast, alert and batch-size jobs, each on its own MiniCluster, all on 127.0.0.1 with free ports. Used by {@code ./runlaw demo}, the
 * benchmarks and the end-to-end tests. {@link #close()} (also run on Ctrl-C) stops everything it started.
 *
 * <p>{@link #start(boolean) start(true)} runs the jobs on a multi-process {@link LocalFlinkCluster} instead (one
 * JobManager, two TaskManagers): the job jar is submitted over REST with the same flags docker-compose passes
 * ({@code --state.backend rocksdb --checkpoint.dir} on the cluster's shared directory), see {@link ClusterJobs}.
 */
public final class LocalStack implements AutoCloseable {
    /** The database the stack's tables live in. */
    public static final String DATABASE = "runlaw";
    /** Partitions per topic: runs spread over both Flink subtasks of a 2-core machine. */
    public static final int PARTITIONS = 2;

    private final EmbeddedKafka kafka;
    private final LocalClickHouse clickHouse;
    private final ClickHouseHttp http;
    private final List<JobClient> jobs = new ArrayList<>();
    /**
     * Checkpoints of the stack's jobs: file storage, because the JobManager-memory default refuses states over
     * 5 MB, which a thousand runs of the forecast job exceed.
     */
    private final Path checkpoints = Files2.createTempDir("runlaw-checkpoints");
    /** Lets the next start delete {@link #checkpoints} if this JVM is killed with kill -9. */
    private final ChildProcesses.Guard checkpointsGuard = ChildProcesses.ownDir("local stack checkpoints", checkpoints);
    private final Thread shutdownHook;
    /** The multi-process cluster the jobs run on, or null for a MiniCluster per job. */
    private ClusterJobs cluster;
    /** The settings each config of {@code *Config(overrides)} was parsed from: a cluster gets them as arguments. */
    private final Map<Object, Map<String, String>> configArgs = Collections.synchronizedMap(new IdentityHashMap<>());
    private boolean closed;

    private LocalStack(EmbeddedKafka kafka, LocalClickHouse clickHouse) {
        this.kafka = kafka;
        this.clickHouse = clickHouse;
        this.http = clickHouse.http().withDatabase(DATABASE);
        this.shutdownHook = new Thread(this::close, "runlaw-local-stack-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts Kafka and ClickHouse, creates every topic and applies every {@code sql/} file. */
    public static LocalStack start() {
        return start(false);
    }

    /**
     * As {@link #start()}; with {@code flinkCluster}, also starts a {@link LocalFlinkCluster} (JobManager and two
     * TaskManagers, each its own JVM) and uploads the job jar, so that every {@code start*} runs its job there.
     */
    public static LocalStack start(boolean flinkCluster) {
        // log4j2-cli.xml already keeps the broker at ERROR; the builder would raise it back to WARN.
        EmbeddedKafka kafka = EmbeddedKafka.builder().quietLogs(false).start();
        LocalClickHouse ch;
        try {
            ch = LocalClickHouse.startOrUseExisting();
        } catch (RuntimeException e) {
            kafka.close();
            throw e;
        }
        LocalStack stack = new LocalStack(kafka, ch);
        try {
            List<String> topics = new ArrayList<>();
            for (RecordKind k : RecordKind.values()) {
                topics.add(k.topic());
            }
            topics.add(Topics.DEAD_LETTERS);
            topics.add(Topics.FORECASTS);
            topics.add(Topics.ADVICE);
            topics.add(Topics.ALERTS);
            topics.add(Topics.BATCH_ADVICE);
            kafka.createTopics(PARTITIONS, topics.toArray(String[]::new));
            // One record per finished run is all a reader needs: compaction keeps the latest per run id.
            kafka.createTopics(PARTITIONS, Map.of("cleanup.policy", "compact"), Topics.RUN_REFERENCES);
            SqlFiles.fromProject().applyAll(ch.http(), DATABASE);
            if (flinkCluster) {
                // Four jobs of parallelism 2 fill 8 slots: two TaskManagers of 12 slots leave room for the jobs of
                // a killed one on the other (LocalFlinkCluster spreads tasks evenly over both), with 4 to spare so
                // that recovery never depends on every slot being released at once.
                stack.cluster = ClusterJobs.upload(LocalFlinkCluster.builder().taskManagers(2).slotsPerTaskManager(12)
                        .config("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION")
                        .config("restart-strategy.exponential-delay.max-backoff", "10 s")
                        .start());
            }
        } catch (RuntimeException e) {
            stack.close();
            throw e;
        }
        return stack;
    }

    public EmbeddedKafka kafka() {
        return kafka;
    }

    public LocalClickHouse clickHouse() {
        return clickHouse;
    }

    /** The Flink cluster the jobs run on, when started with {@link #start(boolean) start(true)}. */
    public java.util.Optional<ClusterJobs> cluster() {
        return java.util.Optional.ofNullable(cluster);
    }

    /** HTTP client on the stack's database. */
    public ClickHouseHttp http() {
        return http;
    }

    /** The ingest job's configuration for this stack; {@code overrides} may change any key. */
    public IngestConfig ingestConfig(Map<String, String> overrides) {
        return remember(IngestConfig.fromMap(jobSettings(overrides)), overrides);
    }

    private <C> C remember(C config, Map<String, String> overrides) {
        configArgs.put(config, jobSettings(overrides));
        return config;
    }

    /** Submits a job to the cluster with the settings {@code config} was parsed from. */
    private JobClient submitToCluster(Class<?> job, Object config, String savepoint) {
        Map<String, String> args = configArgs.get(config);
        if (args == null) {
            throw new IllegalArgumentException("on a Flink cluster, start jobs with configs from this stack's "
                    + "*Config(overrides) methods (their settings become the job's arguments)");
        }
        JobClient client = cluster.submit(job, args, savepoint);
        synchronized (jobs) {
            jobs.add(client);
        }
        return client;
    }

    /**
     * The settings every job on this stack shares (Kafka, ClickHouse, checkpoints), then {@code overrides}: the
     * arguments of a job submitted to a cluster the caller runs itself ({@code bench cluster}).
     */
    public Map<String, String> jobSettings(Map<String, String> overrides) {
        Map<String, String> conf = new HashMap<>();
        conf.put("bootstrap.servers", kafka.bootstrapServers());
        conf.put("clickhouse.url", clickHouse.endpoint().url());
        conf.put("clickhouse.user", clickHouse.endpoint().user());
        conf.put("clickhouse.password", clickHouse.endpoint().password());
        conf.put("clickhouse.database", DATABASE);
        conf.put("checkpoint.interval-ms", "2000");
        conf.put("checkpoint.dir", checkpoints.toUri().toString());
        conf.put("parallelism", "2");
        if (cluster != null) {
            // docker-compose's flags: RocksDB, checkpoints on the directory every process of the cluster shares.
            conf.put("state.backend", "rocksdb");
            conf.put("checkpoint.dir", cluster.cluster().checkpointDir().toUri().toString());
        }
        conf.putAll(overrides);
        return conf;
    }

    /**
     * Starts the ingest job on a fresh MiniCluster in this JVM and returns once it is submitted. A failure is
     * not retried forever: the job fails after a few restarts, and {@link JobClient#getJobExecutionResult()}
     * tells why.
     */
    public JobClient startIngest(IngestConfig config) throws Exception {
        if (cluster != null) {
            return submitToCluster(IngestJob.class, config, null);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2,
                miniClusterConfiguration());
        JobClient job = IngestJob.start(env, config);
        synchronized (jobs) {
            jobs.add(job);
        }
        return job;
    }

    /** The forecast job's configuration for this stack; {@code overrides} may change any key. */
    public ForecastConfig forecastConfig(Map<String, String> overrides) {
        return remember(ForecastConfig.fromMap(jobSettings(overrides)), overrides);
    }

    /** Starts the forecast job on a fresh MiniCluster in this JVM (see {@link #startIngest}). */
    public JobClient startForecast(ForecastConfig config) throws Exception {
        return startForecast(config, null);
    }

    /**
     * Starts the forecast job, restoring its state from {@code restorePath} (a retained checkpoint or savepoint
     * directory) when given.
     */
    public JobClient startForecast(ForecastConfig config, String restorePath) throws Exception {
        if (cluster != null) {
            return submitToCluster(ForecastJob.class, config, restorePath);
        }
        Configuration conf = miniClusterConfiguration();
        if (restorePath != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, restorePath);
        }
        // Keep the last checkpoint when the job is cancelled, so a test (or an operator) can restore from it.
        conf.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, conf);
        JobClient job = ForecastJob.start(env, config);
        synchronized (jobs) {
            jobs.add(job);
        }
        return job;
    }

    /** The alert job's configuration for this stack; {@code overrides} may change any key. */
    public AlertConfig alertConfig(Map<String, String> overrides) {
        return remember(AlertConfig.fromMap(jobSettings(overrides)), overrides);
    }

    /** Starts the alert job on a fresh MiniCluster in this JVM (see {@link #startIngest}). */
    public JobClient startAlerts(AlertConfig config) throws Exception {
        if (cluster != null) {
            return submitToCluster(AlertJob.class, config, null);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2,
                miniClusterConfiguration());
        JobClient job = AlertJob.start(env, config);
        synchronized (jobs) {
            jobs.add(job);
        }
        return job;
    }

    /** The batch-size job's configuration for this stack; {@code overrides} may change any key. */
    public BatchConfig batchConfig(Map<String, String> overrides) {
        return remember(BatchConfig.fromMap(jobSettings(overrides)), overrides);
    }

    /** Starts the batch-size job on a fresh MiniCluster in this JVM (see {@link #startIngest}). */
    public JobClient startBatch(BatchConfig config) throws Exception {
        if (cluster != null) {
            return submitToCluster(BatchJob.class, config, null);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2,
                miniClusterConfiguration());
        JobClient job = BatchJob.start(env, config);
        synchronized (jobs) {
            jobs.add(job);
        }
        return job;
    }

    private static Configuration miniClusterConfiguration() {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
        return conf;
    }

    /**
     * Waits until a consumer group's committed offsets reach the end of every partition it reads. The jobs commit
     * on checkpoints, after their ClickHouse sinks flushed, so from then on everything produced before the call is
     * in ClickHouse.
     */
    public void awaitConsumerCaughtUp(String groupId, Duration timeout) throws Exception {
        try (Admin admin = kafka.admin()) {
            // The last offsets seen, for the timeout message.
            List<Object> last = new ArrayList<>(List.of(Map.of(), Map.of()));
            Await.until(timeout, () -> groupId + " to catch up; committed " + last.get(0) + " vs ends " + last.get(1),
                    () -> {
                        Map<TopicPartition, OffsetAndMetadata> committed = admin
                                .listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get();
                        // Every partition of a topic the group reads, not only those it has committed: a partition
                        // whose first records are not yet committed has no entry, and must not count as caught up.
                        Set<String> topics = new HashSet<>();
                        committed.keySet().forEach(tp -> topics.add(tp.topic()));
                        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                        admin.describeTopics(topics).allTopicNames().get().forEach((name, d) -> d.partitions()
                                .forEach(p -> latest.put(new TopicPartition(name, p.partition()),
                                        OffsetSpec.latest())));
                        var ends = admin.listOffsets(latest).all().get();
                        last.set(0, committed);
                        last.set(1, ends);
                        boolean caughtUp = !committed.isEmpty();
                        for (var e : ends.entrySet()) {
                            OffsetAndMetadata c = committed.get(e.getKey());
                            caughtUp &= (c == null ? 0 : c.offset()) >= e.getValue().offset();
                        }
                        return caughtUp;
                    });
        }
    }

    /** Rows of a table, read with FINAL so replays and retries are not counted twice. */
    public long countFinal(String table) {
        return Long.parseLong(http.queryValue("SELECT count() FROM " + table + " FINAL").trim());
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        synchronized (jobs) {
            for (JobClient job : jobs) {
                try {
                    job.cancel().get(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                    // already finished or failed: nothing left to stop
                }
            }
        }
        try {
            if (cluster != null) {
                cluster.cluster().close();
            }
            kafka.close();
        } finally {
            clickHouse.close();
            Files2.deleteRecursively(checkpoints);
            checkpointsGuard.close();
            if (Thread.currentThread() != shutdownHook) {
                try {
                    Runtime.getRuntime().removeShutdownHook(shutdownHook);
                } catch (IllegalStateException e) {
                    // JVM already shutting down
                }
            }
        }
    }
}
