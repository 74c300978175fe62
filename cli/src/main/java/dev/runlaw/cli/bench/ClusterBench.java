package dev.runlaw.cli.bench;

import dev.runlaw.cli.ClusterJobs;
import dev.runlaw.cli.LocalStack;
import dev.runlaw.jobs.forecast.ForecastJob;
import dev.runlaw.jobs.ingest.IngestJob;
import dev.runlaw.local.Await;
import dev.runlaw.local.LocalFlinkCluster;
import dev.runlaw.producers.command.Commands;
import dev.runlaw.producers.command.HelpOption;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.Topics;
import dev.runlaw.schema.codec.TelemetryCodec;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.producer.KafkaProducer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./runlaw bench cluster}: the ingest and the forecast job on real multi-process Flink session clusters
 * ({@link LocalFlinkCluster}) of 1 and of 2 TaskManagers, fed at saturation; per window the records/s (forecast:
 * steps/s and refits/s) and the cores each JVM used ({@code /proc/<pid>/stat}, {@link ClusterCpu}), summarised per
 * arm in one table ({@link ClusterTable}). Both shapes have the same total slots and memory (a slot per subtask of
 * every job, as both jobs run throughout) and run each job at the same parallelism, so the one difference is one
 * JVM or two: records that cross TaskManagers (the forecast job's keyBy) go over the network, and each JVM has its
 * own heap, GC and JIT. Same slots per TaskManager instead would also double the parallelism, which on 2 cores
 * only adds threads.
 *
 * <p>Every cluster runs at once, each job on its own topics ({@code topic.prefix}), so the arms can be interleaved
 * under the {@link Repeats} protocol: a load swing on this shared machine hits both cluster shapes alike. An idle
 * job only polls Kafka and checkpoints. Ingest: passes of a pre-encoded {@link RecordPool} produced into the running
 * job until {@code count()} sees every row (the table truncated first). Forecast: passes of the next steps of a
 * fixed set of runs ({@link ClusterForecastTraffic}), until every run has a forecast row within its last
 * {@code refit-points} steps; refits are count-driven only (interval 1 h) so a refit is every 10th loss.
 */
@Command(name = "cluster", sortOptions = false,
        description = "Ingest and forecast jobs on real Flink clusters of 1 vs 2 TaskManagers: records/s, refits/s,"
                + " cores per JVM, records/s per core.")
public final class ClusterBench implements Callable<Integer> {
    /** Memory per slot of every cluster: a 1-TaskManager cluster gets twice a 2-TaskManager one's each. */
    static final int TASK_HEAP_MB_PER_SLOT = 256;
    static final int MANAGED_MB_PER_SLOT = 128;
    static final int REFIT_POINTS = 10;

    @Spec
    CommandSpec spec;
    @Mixin
    HelpOption help;
    @Mixin
    RepeatOptions repeat;
    @Option(names = "--task-managers", paramLabel = "N[,N...]", split = ",",
            description = "Cluster shapes to compare, TaskManager JVMs each (default 1,2).")
    int[] taskManagers = {1, 2};
    @Option(names = "--parallelism", paramLabel = "P",
            description = "Parallelism of every job; a cluster has P slots per job, split evenly over its"
                    + " TaskManagers (default ${DEFAULT-VALUE}).")
    int parallelism = 2;
    @Option(names = "--jobs", paramLabel = "ingest|forecast[,...]", split = ",",
            description = "Jobs to measure (default ingest,forecast).")
    String[] jobs = {"ingest", "forecast"};
    @Option(names = "--records", paramLabel = "N",
            description = "Ingest: step-metric records per pass of the pool (default ${DEFAULT-VALUE}).")
    int records = 200_000;
    @Option(names = "--forecast-runs", paramLabel = "N",
            description = "Forecast: concurrent runs (default ${DEFAULT-VALUE}).")
    int forecastRuns = 1000;
    @Option(names = "--forecast-steps", paramLabel = "S",
            description = "Forecast: steps of every run per pass (default ${DEFAULT-VALUE}).")
    int forecastSteps = 100;
    @Option(names = "--state-backend", paramLabel = "rocksdb|hashmap",
            description = "State backend of both jobs (default ${DEFAULT-VALUE}, as docker-compose runs them).")
    String stateBackend = "rocksdb";

    private final PrintStream out;

    public ClusterBench() {
        this(System.out);
    }

    ClusterBench(PrintStream out) {
        this.out = out;
    }

    /** The options, checked. */
    record Options(List<Integer> taskManagers, int parallelism, List<String> jobs, int records, int forecastRuns,
                   int forecastSteps, String stateBackend) {
        /** Slots of every cluster: one job's parallelism per job, as every job runs throughout. */
        int slots() {
            return parallelism * jobs.size();
        }

        int slotsPerTaskManager(int tms) {
            return slots() / tms;
        }
    }

    /** The options as one record; a usage error when they do not go together. */
    Options options() {
        repeat.check();
        List<String> js = Arrays.stream(jobs).distinct().toList();
        for (String j : js) {
            if (!j.equals("ingest") && !j.equals("forecast")) {
                throw Commands.usage(spec, "--jobs takes ingest and forecast, got '" + j + "'");
            }
        }
        if (parallelism < 1 || parallelism > 16) {
            throw Commands.usage(spec, "--parallelism must be in 1..16, got " + parallelism);
        }
        int clusterSlots = parallelism * js.size();
        List<Integer> tms = Arrays.stream(taskManagers).boxed().distinct().toList();
        for (int t : tms) {
            if (t < 1 || t > 8) {
                throw Commands.usage(spec, "--task-managers must be in 1..8, got " + t);
            }
            if (clusterSlots % t != 0) {
                throw Commands.usage(spec, clusterSlots + " slots (--parallelism " + parallelism + " x " + js.size()
                        + " jobs) do not split evenly over " + t + " TaskManagers");
            }
        }
        if (records < 100) {
            throw Commands.usage(spec, "--records must be at least 100 (the pool spreads them over 100 runs)");
        }
        if (forecastRuns < 1 || forecastSteps < 100) {
            throw Commands.usage(spec, "need --forecast-runs >= 1 and --forecast-steps >= 100 (the first pass must"
                    + " pass the runs' 50-step warm-up and the law's first fit)");
        }
        if (!stateBackend.equals("rocksdb") && !stateBackend.equals("hashmap")) {
            throw Commands.usage(spec, "--state-backend takes rocksdb or hashmap, got '" + stateBackend + "'");
        }
        return new Options(tms, parallelism, js, records, forecastRuns, forecastSteps, stateBackend);
    }

    /** One cluster of the comparison, with its jobs. */
    private record Rig(int taskManagers, LocalFlinkCluster cluster, ClusterJobs jobs) {
        String label() {
            return "the cluster of " + taskManagers + " TaskManager(s)";
        }

        /** The processes whose CPU a window of this rig reads. */
        Map<String, Long> processes(LocalStack stack) {
            Map<String, Long> pids = new LinkedHashMap<>();
            cluster.taskManagerProcesses().forEach((id, p) -> pids.put(id, p.pid()));
            pids.put(ClusterTable.JOB_MANAGER, cluster.jobManagerProcess().pid());
            pids.put(ClusterTable.DRIVER, ProcessHandle.current().pid());
            stack.clickHouse().processHandle().ifPresent(p -> pids.put(ClusterTable.CLICKHOUSE, p.pid()));
            return pids;
        }
    }

    @Override
    public Integer call() throws Exception {
        Options o = options();
        out.printf(Locale.ROOT, "runlaw bench cluster: TaskManagers %s, %d slots per cluster; jobs %s at parallelism"
                        + " %d; ingest passes of %d records over 100 runs; forecast %d runs x %d steps per pass, law"
                        + " momentum, refit every %d losses; state %s; %d cores%n", o.taskManagers(), o.slots(),
                o.jobs(), o.parallelism(), o.records(), o.forecastRuns(), o.forecastSteps(), REFIT_POINTS,
                o.stateBackend(), Runtime.getRuntime().availableProcessors());
        try (LocalStack stack = LocalStack.start()) {
            List<Rig> rigs = new ArrayList<>();
            try {
                for (int t : o.taskManagers()) {
                    int perTm = o.slotsPerTaskManager(t);
                    LocalFlinkCluster c = LocalFlinkCluster.builder().taskManagers(t).slotsPerTaskManager(perTm)
                            .taskHeapMb(TASK_HEAP_MB_PER_SLOT * perTm).managedMemoryMb(MANAGED_MB_PER_SLOT * perTm)
                            .config("restart-strategy.exponential-delay.max-backoff", "10 s").start();
                    rigs.add(new Rig(t, c, ClusterJobs.upload(c)));
                    out.printf("  cluster of %d TaskManager(s) x %d slots up at %s%n", t, perTm, c.restUrl());
                }
                measure(stack, rigs, o);
            } finally {
                for (Rig r : rigs) {
                    r.cluster().close();
                }
            }
        }
        return 0;
    }

    private void measure(LocalStack stack, List<Rig> rigs, Options o) throws Exception {
        TelemetryCodec codec = new TelemetryCodec();
        Map<String, Object> producerProps = BenchTraffic.producerProps();
        List<Repeats.Arm> arms = new ArrayList<>();
        List<ClusterTable.Row> rows = new ArrayList<>();
        Map<Repeats.Window, ClusterTable.Measured> measured = new IdentityHashMap<>();
        List<Repeats.Ratio> ratios = new ArrayList<>();
        for (String job : o.jobs()) {
            int first = arms.size();
            for (Rig rig : rigs) {
                String tag = "c" + rig.taskManagers() + (job.equals("ingest") ? "i" : "f");
                String topics = "bench." + tag + ".";
                createTopics(stack, topics, o.parallelism());
                JobClient client = submit(stack, rig, job, tag, topics, o);
                String name = String.format(Locale.ROOT, "%s, %d TM", job, rig.taskManagers());
                Repeats.Measure window;
                if (job.equals("ingest")) {
                    RecordPool pool = RecordPool.of("bench-" + tag, prefix ->
                            BenchTraffic.stepMetrics(codec, prefix, o.records(), 100, new SplittableRandom(7)));
                    window = passes -> ingestWindow(stack, rig, producerProps, pool, topics, passes, measured);
                } else {
                    ClusterForecastTraffic traffic = new ClusterForecastTraffic("bench-" + tag, o.forecastRuns(),
                            o.forecastSteps());
                    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(
                            BenchTraffic.withBootstrap(stack.kafka().bootstrapServers(), producerProps))) {
                        traffic.declare(p, topics);
                        p.flush();
                    }
                    window = passes -> forecastWindow(stack, rig, producerProps, traffic, topics, passes, measured);
                }
                arms.add(new Repeats.Arm(name, units -> {
                    if (client.getJobExecutionResult().isDone()) {
                        client.getJobExecutionResult().get();
                        throw new IllegalStateException(name + ": the job stopped");
                    }
                    return window.measure(units);
                }));
            }
            for (int k = first + 1; k < arms.size(); k++) {
                ratios.add(new Repeats.Ratio(String.format(Locale.ROOT, "%s: %d TM / %d TM", job,
                        rigs.get(k - first).taskManagers(), rigs.get(0).taskManagers()), k, first));
            }
        }
        Repeats.Result result = Repeats.run(out, repeat, arms, ratios);
        int a = 0;
        for (String job : o.jobs()) {
            for (Rig rig : rigs) {
                List<ClusterTable.Measured> ms = result.windows().get(a++).stream().map(measured::get).toList();
                rows.add(ClusterTable.Row.of(rig.taskManagers(), o.slotsPerTaskManager(rig.taskManagers()), job,
                        o.parallelism(), ms));
            }
        }
        out.println();
        out.print(ClusterTable.format(rows));
        long dead = stack.countFinal("dead_letters");
        if (dead != 0) {
            out.printf("WARNING: %d dead letters during the benchmark%n", dead);
        }
    }

    /** Every topic the stack creates, under {@code prefix}, with a partition per subtask of a job. */
    private static void createTopics(LocalStack stack, String prefix, int partitions) {
        List<String> names = new ArrayList<>();
        for (RecordKind k : RecordKind.values()) {
            names.add(prefix + k.topic());
        }
        for (String t : List.of(Topics.DEAD_LETTERS, Topics.FORECASTS, Topics.ADVICE, Topics.ALERTS,
                Topics.BATCH_ADVICE)) {
            names.add(prefix + t);
        }
        stack.kafka().createTopics(Math.max(partitions, 1), names.toArray(String[]::new));
        stack.kafka().createTopics(Math.max(partitions, 1), Map.of("cleanup.policy", "compact"),
                prefix + Topics.RUN_REFERENCES);
    }

    /** Submits {@code job} to the rig's cluster on its own topics, consumer group and dead-letter transactions. */
    private JobClient submit(LocalStack stack, Rig rig, String job, String tag, String topics, Options o)
            throws InterruptedException {
        Map<String, String> conf = new LinkedHashMap<>();
        conf.put("parallelism", Integer.toString(o.parallelism()));
        conf.put("topic.prefix", topics);
        conf.put("group.id", "bench-" + tag);
        conf.put("job.name", "bench-" + tag);
        conf.put("dead-letter.transactional-id-prefix", "bench-" + tag + "-dlq");
        conf.put("state.backend", o.stateBackend());
        conf.put("checkpoint.interval-ms", "10000");
        Class<?> main = IngestJob.class;
        if (job.equals("forecast")) {
            main = ForecastJob.class;
            // As bench forecast, but refits driven by counts only: at saturation a refit is every 10th loss.
            conf.put("forecast.law", "momentum");
            conf.put("forecast.refit-points", Integer.toString(REFIT_POINTS));
            conf.put("forecast.refit-interval-ms", "3600000");
            // ... also when behind (no catch-up rule): the benchmark measures count-driven refits at saturation.
            conf.put("forecast.catch-up-lag-ms", "0");
            conf.put("forecast.what-if-fractions", "0.5,0.7,0.9");
            conf.put("sink.flush-interval-ms", "200");
        }
        JobClient client = rig.jobs().submit(main, stack.jobSettings(conf), null);
        String id = client.getJobID().toString();
        Await.until(Duration.ofMinutes(3), job + " running on " + rig.label(),
                () -> rig.cluster().rest().allTasksRunning(id));
        out.printf("  %s running on %s, tasks on %s%n", job, rig.label(), rig.cluster().rest().taskManagersOf(id));
        return client;
    }

    private Repeats.Window ingestWindow(LocalStack stack, Rig rig, Map<String, Object> producerProps,
                                        RecordPool pool, String topics, long passes,
                                        Map<Repeats.Window, ClusterTable.Measured> measured) throws Exception {
        stack.http().execute("TRUNCATE TABLE step_metrics");
        Map<String, Long> pids = rig.processes(stack);
        ClusterCpu.Snapshot before = ClusterCpu.snapshot(pids);
        long n = BenchTraffic.produce(stack.kafka().bootstrapServers(), producerProps,
                topics + RecordKind.STEP_METRICS.topic(), pool, passes);
        BenchTraffic.awaitCount(stack, "SELECT count() FROM step_metrics", n);
        ClusterCpu.Snapshot after = ClusterCpu.snapshot(pids);
        Repeats.Window w = new Repeats.Window(n, after.nanos() - before.nanos());
        return record(w, -1, before, after, measured);
    }

    private Repeats.Window forecastWindow(LocalStack stack, Rig rig, Map<String, Object> producerProps,
                                          ClusterForecastTraffic traffic, String topics, long passes,
                                          Map<Repeats.Window, ClusterTable.Measured> measured) throws Exception {
        String runs = "run_id LIKE '" + traffic.prefix() + "-%'";
        long rowsBefore = count(stack, "SELECT count() FROM forecasts WHERE " + runs);
        Map<String, Long> pids = rig.processes(stack);
        ClusterCpu.Snapshot before = ClusterCpu.snapshot(pids);
        long n;
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(
                BenchTraffic.withBootstrap(stack.kafka().bootstrapServers(), producerProps))) {
            n = traffic.send(p, topics, passes);
            p.flush();
        }
        // Done when every run has a forecast within its last refit-points steps: the last refit of the pass.
        long due = traffic.lastStep() - (REFIT_POINTS - 1);
        BenchTraffic.awaitCount(stack, "SELECT count() FROM (SELECT run_id, max(step) AS m FROM forecasts WHERE "
                + runs + " GROUP BY run_id) WHERE m >= " + due, traffic.runs());
        ClusterCpu.Snapshot after = ClusterCpu.snapshot(pids);
        long refits = count(stack, "SELECT count() FROM forecasts WHERE " + runs) - rowsBefore;
        Repeats.Window w = new Repeats.Window(n, after.nanos() - before.nanos());
        return record(w, refits, before, after, measured);
    }

    /** Keeps a window's CPU for the table and prints it (just before {@link Repeats} prints the window). */
    private Repeats.Window record(Repeats.Window w, long refits, ClusterCpu.Snapshot before, ClusterCpu.Snapshot after,
                                  Map<Repeats.Window, ClusterTable.Measured> measured) {
        Map<String, Double> cores = ClusterCpu.coresUsed(before, after);
        measured.put(w, new ClusterTable.Measured(w, refits, cores, before.load(), after.load()));
        StringBuilder b = new StringBuilder("    cores:");
        cores.forEach((name, c) -> b.append(String.format(Locale.ROOT, " %s %.2f", name, c)));
        out.printf(Locale.ROOT, "%s; load average %.1f -> %.1f%s%n", b, before.load(), after.load(),
                refits < 0 ? "" : String.format(Locale.ROOT, "; %d refits", refits));
        return w;
    }

    private static long count(LocalStack stack, String sql) {
        return Long.parseLong(stack.http().queryValue(sql).trim());
    }
}
