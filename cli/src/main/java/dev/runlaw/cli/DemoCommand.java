package dev.runlaw.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runlaw.cli.backtest.BacktestCommand;
import dev.runlaw.cli.report.ReportWriter;
import dev.runlaw.jobs.ingest.RowMapper;
import dev.runlaw.local.Await;
import dev.runlaw.local.ProjectRoot;
import dev.runlaw.math.data.RunCurve;
import dev.runlaw.producers.MoeRunSimulator;
import dev.runlaw.producers.ProgressBar;
import dev.runlaw.producers.RunDirectory;
import dev.runlaw.producers.RunReplayer;
import dev.runlaw.producers.SampleRuns;
import dev.runlaw.producers.SimulatedIncidents;
import dev.runlaw.producers.TelemetryProducer;
import dev.runlaw.producers.command.Commands;
import dev.runlaw.producers.command.HelpOption;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.StopTarget;
import dev.runlaw.schema.StopTargetKind;
import dev.runlaw.schema.codec.TelemetryCodec;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./runlaw demo [--runs DIR] [--moe-steps N] [--no-moe] [--keep] [--no-progress]}: the whole pipeline on
 * the embedded default. Replays real loss curves (bundled, or the user's CSVs) and a simulated MoE run (with a
 * router collapse and a loss spike, {@link SimulatedIncidents#demo}) through the producer library into Kafka, lets
 * the Flink ingest job write them to ClickHouse, the forecast job forecast them live, the alert job watch them and
 * the batch-size job estimate the MoE run's gradient noise scale (printed against the simulator's truth),
 * printing each run's forecast against where the run really ended, its advice and every alert as it arrives, while
 * it replays; then prints what landed and writes one report page per run ({@code ./runlaw report}) into
 * {@code runlaw-reports/}. With {@code --observe-fraction} it runs the backtest protocol through the pipeline
 * instead ({@link ForecastReport}); with {@code --trainer torch} a real PyTorch run through the gateway
 * ({@link TorchDemo}).
 */
@Command(name = "demo", sortOptions = false,
        description = {"The whole pipeline on an embedded Kafka broker, a private ClickHouse server and a Flink "
                + "MiniCluster: replays loss curves (bundled, or yours) and a simulated MoE run, forecasts them live, "
                + "and shows what landed in ClickHouse."},
        customSynopsis = {"runlaw demo [--runs DIR] [--moe-steps N] [--no-moe] [--keep] [--no-progress] [--cluster]",
            "       runlaw demo --runs DIR [--reference FILE...] --observe-fraction F [--law L] [--report OUT.json]",
            "       runlaw demo --trainer torch"})
public final class DemoCommand implements Callable<Integer> {
    /** Tables in the order the report shows them, with the column that names the run. */
    static final Map<String, String> TABLES = new LinkedHashMap<>();

    static {
        for (RecordKind k : RecordKind.values()) {
            String table = RowMapper.tableOf(k);
            TABLES.put(table, k == RecordKind.ROUTING_TRACE || k == RecordKind.DATA_MOVEMENT ? "source" : "run_id");
        }
    }

    /** Every demo run asks to beat the best finished run of its family: the first run of a family has none. */
    static final StopTarget SIBLING_TARGET = StopTarget.newBuilder().setKind(StopTargetKind.BEAT_BEST_SIBLING).build();
    /** The simulated MoE run. */
    static final String MOE_RUN = "sim-moe-8x16";
    /** Its layers (the simulator's default). */
    static final int MOE_LAYERS = 8;
    /** Shortest simulated run with incidents: the detectors need about 64 steps of warm-up before them. */
    static final int MIN_INCIDENT_STEPS = 100;
    /** Slowest pace of the simulated MoE run with incidents (steps per second). */
    static final double MOE_MIN_STEPS_PER_SECOND = 40;
    /** Replay pace: slow enough that forecasts can be watched converging while a run replays. */
    static final double STEPS_PER_SECOND = 8000;
    /** Where the demo writes its report pages ({@code ./runlaw report}), relative to the working directory. */
    static final Path REPORT_DIR = Path.of("runlaw-reports");

    @Spec
    CommandSpec spec;
    @Mixin
    HelpOption help;
    @Option(names = "--runs", paramLabel = "DIR", order = 1,
            description = "Replay your own step,lr,loss CSVs (one run per file) instead of the bundled runs.")
    Path runsDir;
    @Option(names = "--moe-steps", paramLabel = "N", order = 2,
            description = "Steps of the simulated MoE run (default ${DEFAULT-VALUE}, >= 10).")
    int moeSteps = 2000;
    @Option(names = "--no-moe", order = 3, description = "No simulated MoE run.")
    boolean noMoe;
    @Option(names = "--keep", order = 4, description = "Leave the stack up for queries until Ctrl-C.")
    boolean keep;
    @Option(names = "--no-progress", order = 5, description = "No progress bars.")
    boolean noProgress;
    @Option(names = "--observe-fraction", paramLabel = "F", order = 6,
            description = "Report mode: the backtest protocol through the live pipeline; each run in --runs DIR is "
                    + "replayed up to this fraction of its steps, in (0, 1), and its newest forecast scored.")
    Double observeFraction;
    @Option(names = "--reference", paramLabel = "FILE", arity = "1..*", order = 7,
            description = "Report mode: finished runs of the family, replayed in full first.")
    List<Path> references = new ArrayList<>();
    @Option(names = "--law", paramLabel = "L", order = 8,
            description = "Report mode: auto, momentum or multipower (default ${DEFAULT-VALUE}).")
    String law = "auto";
    @Option(names = "--report", paramLabel = "OUT.json", order = 9,
            description = "Report mode: also write the report as JSON.")
    Path report;
    @Option(names = "--trainer", paramLabel = "torch", order = 10,
            description = "Instead: a real PyTorch run (a tiny MoE LM on the Python standard library's sources) through "
                    + "the HTTP gateway, with an LR blow-up it must be told to stop for (docs/trainer.md; installs "
                    + "python3-torch with apt when missing and root).")
    String trainer;
    @Option(names = "--cluster", order = 11,
            description = "Run the Flink jobs on a local multi-process session cluster (a JobManager and two "
                    + "TaskManagers, each its own JVM; the job jar submitted over REST) instead of MiniClusters.")
    boolean cluster;

    private final PrintStream out;

    public DemoCommand() {
        this(System.out);
    }

    DemoCommand(PrintStream out) {
        this.out = out;
    }

    /**
     * Parsed command line.
     *
     * @param observeFraction report mode when positive (see {@link ForecastReport}); NaN otherwise
     */
    record Options(Path runsDir, int moeSteps, boolean moe, boolean keep, boolean progress, List<Path> references,
                   double observeFraction, String law, Path report, String trainer, boolean cluster) {
        /** As {@link DemoCommand#parse}. */
        static Options parse(String[] args) {
            return DemoCommand.parse(args);
        }

        boolean reportMode() {
            return !Double.isNaN(observeFraction);
        }
    }

    /** Parses demo arguments as the command does; throws a usage error's exception on misuse. */
    static Options parse(String... args) {
        CommandLine cl = Commands.allowRepeats(new CommandLine(new DemoCommand()));
        cl.parseArgs(args);
        return cl.<DemoCommand>getCommand().options();
    }

    /** The options as one record; a usage error when they do not go together. */
    Options options() {
        if (runsDir != null && !Files.isDirectory(runsDir)) {
            throw Commands.usage(spec, "--runs " + runsDir + ": not a directory");
        }
        if (moeSteps < 10) {
            throw Commands.usage(spec, "--moe-steps must be >= 10");
        }
        boolean reportMode = observeFraction != null;
        if (reportMode && !(observeFraction > 0 && observeFraction < 1)) {
            throw Commands.usage(spec, "--observe-fraction must be in (0, 1), got " + observeFraction);
        }
        if (reportMode && runsDir == null) {
            throw Commands.usage(spec, "--observe-fraction needs --runs DIR (the runs to forecast)");
        }
        if (!reportMode && (!references.isEmpty() || report != null)) {
            throw Commands.usage(spec, "--reference and --report need --observe-fraction");
        }
        if (!List.of("auto", "momentum", "multipower").contains(law)) {
            throw Commands.usage(spec, "--law must be auto, momentum or multipower, got " + law);
        }
        if (trainer != null && !trainer.equals("torch")) {
            throw Commands.usage(spec, "--trainer must be torch, got " + trainer);
        }
        if (trainer != null && (reportMode || runsDir != null || cluster)) {
            throw Commands.usage(spec, "--trainer runs on its own: no --runs, --observe-fraction or --cluster with it");
        }
        for (Path r : references) {
            if (!Files.isRegularFile(r)) {
                throw Commands.usage(spec, "--reference " + r + ": not a file");
            }
        }
        return new Options(runsDir, moeSteps, !noMoe, keep, !noProgress, List.copyOf(references),
                reportMode ? observeFraction : Double.NaN, law, report, trainer, cluster);
    }

    /** What a demo replay sent: rows expected per table and per run, and dead letters sent on purpose. */
    static final class Expected {
        final Map<String, Map<String, Long>> rows = new TreeMap<>();
        long deadLetters;

        void add(SpecificRecord r) {
            RecordKind kind = RecordKind.of(r);
            long n = r instanceof dev.runlaw.schema.RoutingTraceBatch b ? b.getTokens().size() : 1;
            rows.computeIfAbsent(kind.keyOf(r), k -> new TreeMap<>()).merge(RowMapper.tableOf(kind), n, Long::sum);
        }

        long total(String table) {
            return rows.values().stream().mapToLong(m -> m.getOrDefault(table, 0L)).sum();
        }
    }

    @Override
    public Integer call() throws Exception {
        Options opts = options();
        if (opts.reportMode()) {
            return runReport(opts, out);
        }
        if (opts.trainer() != null) {
            return TorchDemo.run(out);
        }
        List<RunReplayer> replayers = replayers(opts);
        out.println("runlaw demo: starting Kafka (KRaft, in-process), ClickHouse (private server) and Flink ("
                + (opts.cluster() ? "session cluster: JobManager and 2 TaskManager JVMs" : "MiniCluster") + ") on 127.0.0.1");
        long t0 = System.nanoTime();
        try (LocalStack stack = LocalStack.start(opts.cluster())) {
            out.printf("  Kafka       %s%n", stack.kafka().bootstrapServers());
            stack.cluster().ifPresent(c -> out.printf("  Flink       %s (REST; logs and checkpoints in %s)%n",
                    c.cluster().restUrl(), c.cluster().directory()));
            out.printf("  ClickHouse  %s  database %s%n", stack.clickHouse().endpoint().url(), LocalStack.DATABASE);
            Expected expected = execute(stack, replayers, opts, out);
            out.printf("  (%.1f s in all)%n", (System.nanoTime() - t0) / 1e9);
            report(stack, expected, out);
            ForecastBoard.print(stack, ForecastBoard.truths(replayers), out);
            writeReports(stack, REPORT_DIR, out);
            if (opts.keep()) {
                out.println("the stack keeps running; press Ctrl-C to stop it");
                new CountDownLatch(1).await();
            }
        }
        out.println("stopped: Flink jobs cancelled, Kafka and ClickHouse shut down, temporary data deleted");
        return 0;
    }

    /**
     * Report mode ({@link ForecastReport}). Exit code 1 when a run could not be scored (the report says why) or the
     * stack failed; a failure is one line on the terminal, its details and the stack's own log in a file
     * ({@link DemoLog}), so that the failovers of jobs shutting down after it do not flood the terminal.
     */
    private static int runReport(Options opts, PrintStream out) throws Exception {
        DemoLog log = DemoLog.toFile();
        out.println("runlaw demo (report mode): starting Kafka, ClickHouse and Flink on 127.0.0.1"
                + (log.path() == null ? "" : "; their log: " + log.path()));
        ForecastReport.Result result;
        try (LocalStack stack = LocalStack.start(opts.cluster())) {
            JobClient ingest = stack.startIngest(stack.ingestConfig(Map.of()));
            JobClient forecast = stack.startForecast(stack.forecastConfig(ForecastReport.jobSettings(opts.law())));
            out.printf("  Flink       ingest job %s, forecast job %s%n", ingest.getJobID(), forecast.getJobID());
            result = ForecastReport.run(stack, forecast, opts.references(), opts.runsDir(),
                    opts.observeFraction(), opts.law(), opts.progress(), out);
        } catch (Exception e) {
            log.failure("report mode failed", e);
            out.println("runlaw demo: failed: " + e.getMessage() + log.pointer());
            return Commands.FAILURE;
        }
        out.print(result.summary());
        if (opts.report() != null) {
            ObjectMapper mapper = BacktestCommand.mapper();
            ObjectNode json = mapper.valueToTree(result.report());
            json.set("unscored", mapper.valueToTree(result.unscored()));
            mapper.writeValue(opts.report().toFile(), json);
            out.println("report written to " + opts.report());
        }
        if (!result.complete()) {
            out.println("runlaw demo: " + result.unscored().size() + " run(s) not scored (see above)" + log.pointer());
            return Commands.FAILURE;
        }
        return 0;
    }

    /**
     * Runs the demo on a started stack: starts the ingest job, replays the runs, sends the malformed records and
     * waits until every row is visible in ClickHouse. Returns what was sent.
     */
    static Expected execute(LocalStack stack, List<RunReplayer> replayers, Options opts, PrintStream out)
            throws Exception {
        JobClient job = stack.startIngest(stack.ingestConfig(Map.of()));
        // No catch-up rule: the replays start while the jobs deploy, so their first steps are read late, and the
        // MoE run is paced for the law to reach the alert job before its spike by count-driven refits.
        JobClient forecast = stack.startForecast(stack.forecastConfig(Map.of("forecast.catch-up-lag-ms", "0")));
        JobClient alerts = stack.startAlerts(stack.alertConfig(Map.of()));
        JobClient batch = stack.startBatch(stack.batchConfig(Map.of()));
        out.printf("  Flink       ingest job %s, forecast job %s, alert job %s and batch-size job %s, %s%n",
                job.getJobID(), forecast.getJobID(), alerts.getJobID(), batch.getJobID(),
                stack.cluster().isPresent() ? "on the session cluster" : "each on a MiniCluster");
        Expected expected;
        try (AlertBoard alertBoard = AlertBoard.start(stack, out);
             ForecastBoard board = ForecastBoard.start(stack, ForecastBoard.truths(replayers), out)) {
            expected = replay(stack, replayers, opts, out);
            if (opts.moe() && opts.moeSteps() >= MIN_INCIDENT_STEPS) {
                awaitIncidentAlerts(stack, alerts, out);
            }
            if (opts.moe()) {
                awaitNoiseScale(stack, batch, opts, out);
            }
        }
        out.println("waiting for every row to be visible in ClickHouse ...");
        awaitRows(stack, expected, job, Duration.ofMinutes(5));
        out.println("waiting for the final forecast of every finished run ...");
        JobWait.until(forecast, Duration.ofMinutes(5), "final forecasts", () -> Long.parseLong(stack.http()
                .queryValue("SELECT count() FROM run_references FINAL").trim()) >= finishedRuns(replayers) + (opts.moe() ? 1 : 0));
        return expected;
    }

    /**
     * Waits for the alert on the simulated router collapse (the layer detectors need nothing but the loads), then,
     * for a while, on the loss spike, which is scored against the forecast job's law when it came in time, else
     * against the detectors' running baseline; says so when it did not come.
     */
    private static void awaitIncidentAlerts(LocalStack stack, JobClient alerts, PrintStream out) throws Exception {
        out.println("waiting for the alerts on the simulated MoE run's router collapse and loss spike ...");
        JobWait.until(alerts, Duration.ofMinutes(3), "the router collapse alert of " + MOE_RUN,
                () -> alertKinds(stack).contains("ROUTER_COLLAPSE"));
        try {
            JobWait.until(alerts, Duration.ofSeconds(30), "the loss spike alert of " + MOE_RUN,
                    () -> alertKinds(stack).contains("LOSS_SPIKE"));
        } catch (Await.TimeoutException e) {
            out.println("  no LOSS_SPIKE alert on " + MOE_RUN + " (alerts on it: " + alertKinds(stack) + ")");
        }
    }

    private static List<String> alertKinds(LocalStack stack) {
        return stack.http().query("SELECT DISTINCT kind FROM alerts FINAL WHERE run_id = '" + MOE_RUN
                + "' ORDER BY kind").stream().map(r -> r.get(0)).toList();
    }

    private static long finishedRuns(List<RunReplayer> replayers) {
        return replayers.stream().filter(RunReplayer::finishes).count();
    }

    static List<RunReplayer> replayers(Options opts) {
        List<RunReplayer> out = new ArrayList<>();
        // Put the replayed runs in the recent past so dashboards' default "last 7 days" shows them.
        long now = System.currentTimeMillis();
        if (opts.runsDir() != null) {
            for (RunCurve curve : RunDirectory.load(opts.runsDir())) {
                RunReplayer r = RunReplayer.create(curve, curve.name()).withFamilyId("demo")
                        .withStopTarget(SIBLING_TARGET);
                out.add(r.withStartMs(now - (long) (curve.length() * 1000.0)).withStepSeconds(1.0)
                        .withStepsPerSecond(STEPS_PER_SECOND));
            }
        } else {
            for (SampleRuns.Sample s : SampleRuns.list()) {
                RunCurve curve = s.load();
                out.add(s.replayer().withStartMs(now - (long) (curve.length() * 1000.0)).withStepSeconds(1.0)
                        .withStopTarget(SIBLING_TARGET).withStepsPerSecond(STEPS_PER_SECOND));
            }
        }
        return out;
    }

    static Expected replay(LocalStack stack, List<RunReplayer> replayers, Options opts, PrintStream out)
            throws Exception {
        Expected expected = new Expected();
        try (TelemetryProducer producer = TelemetryProducer.builder(stack.kafka().bootstrapServers()).build()) {
            // Every topic's metadata first: on a loaded machine the first send to a topic (expert load, after the
            // replays) could otherwise wait out max.block.ms and fail. A few tries, each bounded by max.block.ms.
            List<String> missing = producer.warmUpTopics();
            for (int attempt = 1; attempt < 10 && !missing.isEmpty(); attempt++) {
                missing = producer.warmUpTopics();
            }
            java.util.function.Consumer<SpecificRecord> send = r -> {
                // Block briefly instead of dropping: a demo must deliver every record it counts.
                while (!producer.send(r)) {
                    producer.flush(Duration.ofSeconds(5));
                }
                expected.add(r);
            };
            for (RunReplayer r : replayers) {
                RunReplayer.Result res = r.replay(send, ProgressBar.stderr("replay " + r.runId(), opts.progress()));
                out.printf("  replayed %-32s %7d steps, %6d evals%n", r.runId(), res.steps(), res.evals());
            }
            if (opts.moe()) {
                MoeRunSimulator sim = moeSimulator(opts);
                MoeRunSimulator.Result res = sim.run(send, ProgressBar.stderr("simulate " + sim.runId(), opts.progress()));
                out.printf("  simulated %-31s %7d records (step metrics, expert load, routing traces, data movement)%n",
                        sim.runId(), res.total());
            }
            producer.flush(Duration.ofMinutes(2));
            TelemetryProducer.Counters c = producer.counters();
            if (c.failed() > 0 || c.dropped() > 0) {
                throw new IllegalStateException("producer lost records: " + c);
            }
        }
        expected.deadLetters = sendBadRecords(stack);
        out.printf("  sent %d malformed records on purpose (they must end up as dead letters)%n", expected.deadLetters);
        return expected;
    }

    /** The demo's simulated MoE run (seeded: the same run every time, so tests can ask it for the truth). */
    static MoeRunSimulator moeSimulator(Options opts) {
        MoeRunSimulator.Builder b = MoeRunSimulator.builder().runId(MOE_RUN).familyId("sim-moe")
                .steps(opts.moeSteps()).layers(MOE_LAYERS).seed(42);
        if (opts.moeSteps() >= MIN_INCIDENT_STEPS) {
            // Paced so that the forecast job's fitted law reaches the alert job before the spike: without
            // a law the detectors fall back on a running baseline, which a young run's curve misleads.
            b.incidents(SimulatedIncidents.demo(opts.moeSteps(), MOE_LAYERS))
                    .stepsPerSecond(Math.max(MOE_MIN_STEPS_PER_SECOND, opts.moeSteps() / 10.0));
        }
        return b.build();
    }

    /**
     * Waits for the batch job's last gradient-noise row of the simulated MoE run and prints its B_simple next to the
     * simulator's true noise scale at that step.
     */
    private static void awaitNoiseScale(LocalStack stack, JobClient batch, Options opts, PrintStream out)
            throws Exception {
        MoeRunSimulator sim = moeSimulator(opts);
        int last = sim.lastStep();
        String sql = "SELECT b_simple, lo90, hi90, status, decision FROM gradient_noise FINAL WHERE run_id = '"
                + MOE_RUN + "' AND step = " + last;
        JobWait.until(batch, Duration.ofMinutes(3), "the batch job's noise scale of " + MOE_RUN + " at step " + last,
                () -> !stack.http().query(sql).isEmpty());
        List<String> r = stack.http().query(sql).get(0);
        out.printf("  noise scale %s at step %d: B_simple %s sequences (90 %% %s-%s, %s, advice %s);"
                        + " the simulator's true B_simple %.0f%n", MOE_RUN, last, r.get(0), r.get(1), r.get(2),
                r.get(3), r.get(4), sim.trueNoiseScale(sim.expectedLoss(last)));
    }

    /** Writes one report page per run ({@code ./runlaw report}) and an index into {@code dir}; prints their paths. */
    static List<Path> writeReports(LocalStack stack, Path dir, PrintStream out) {
        List<Path> pages = ReportWriter.create(stack.http(), ProjectRoot.resolve("dashboards")).writeAll(dir);
        out.println();
        out.println("reports (self-contained HTML, one per run; ./runlaw report --run ID writes one from any ClickHouse):");
        pages.forEach(p -> out.println("  " + p.toAbsolutePath()));
        return pages;
    }

    /** Two records the producer library would refuse, written raw, to show the dead-letter path. */
    private static long sendBadRecords(LocalStack stack) throws Exception {
        StepMetrics nanLoss = StepMetrics.newBuilder().setRunId("demo-bad").setStep(1)
                .setWallTimeMs(System.currentTimeMillis()).setLr(1e-4).setLoss(Double.NaN).build();
        byte[] nanBytes = new TelemetryCodec().encode(nanLoss);
        byte[] garbage = "this is not avro".getBytes(StandardCharsets.UTF_8);
        Map<String, Object> props = Map.of("bootstrap.servers", stack.kafka().bootstrapServers(),
                "key.serializer", ByteArraySerializer.class, "value.serializer", ByteArraySerializer.class);
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(props)) {
            byte[] key = "demo-bad".getBytes(StandardCharsets.UTF_8);
            p.send(new ProducerRecord<>(RecordKind.STEP_METRICS.topic(), key, nanBytes)).get();
            p.send(new ProducerRecord<>(RecordKind.STEP_METRICS.topic(), key, garbage)).get();
        }
        return 2;
    }

    static void awaitRows(LocalStack stack, Expected expected, JobClient job, Duration timeout) throws Exception {
        JobWait.until(job, timeout, "every row in ClickHouse", () -> {
            boolean done = stack.countFinal("dead_letters") >= expected.deadLetters;
            for (String table : TABLES.keySet()) {
                done &= stack.countFinal(table) >= expected.total(table);
            }
            return done;
        });
    }

    static void report(LocalStack stack, Expected expected, PrintStream out) {
        Map<String, Map<String, Long>> landed = new TreeMap<>();
        for (Map.Entry<String, String> t : TABLES.entrySet()) {
            for (List<String> row : stack.http().query("SELECT " + t.getValue() + ", count() FROM " + t.getKey()
                    + " FINAL GROUP BY " + t.getValue() + " ORDER BY " + t.getValue())) {
                landed.computeIfAbsent(row.get(0), k -> new TreeMap<>()).put(t.getKey(), Long.parseLong(row.get(1)));
            }
        }
        out.println();
        out.println("rows in ClickHouse per table and run (read with FINAL):");
        StringBuilder header = new StringBuilder(String.format("  %-28s", "run / source"));
        TABLES.keySet().forEach(t -> header.append(String.format(" %13s", t)));
        out.println(header);
        for (String run : new TreeSet<>(landed.keySet())) {
            StringBuilder line = new StringBuilder(String.format("  %-28s", run));
            for (String t : TABLES.keySet()) {
                line.append(String.format(" %13d", landed.get(run).getOrDefault(t, 0L)));
            }
            out.println(line);
        }
        List<List<String>> dl = stack.http().query(
                "SELECT reason_code, count() FROM dead_letters FINAL GROUP BY reason_code ORDER BY reason_code");
        out.print("dead letters:");
        dl.forEach(r -> out.print("  " + r.get(0) + "=" + r.get(1)));
        out.println(dl.isEmpty() ? "  none" : "");
        long missing = 0;
        for (String table : TABLES.keySet()) {
            missing += Math.max(0, expected.total(table) - stack.countFinal(table));
        }
        out.println(missing == 0 ? "every record sent is in ClickHouse" : missing + " rows missing");
        String url = stack.clickHouse().endpoint().url();
        out.println();
        out.println("query it while the stack runs (./runlaw demo --keep), e.g.:");
        out.printf("  curl '%s/?database=%s' --data-binary 'SELECT run_id, count(), min(loss), argMax(loss, step) FROM step_metrics FINAL GROUP BY run_id'%n",
                url, LocalStack.DATABASE);
        stack.clickHouse().tcpPort().ifPresent(port -> out.printf(
                "  clickhouse-client --port %d --database %s -q 'SELECT layer, avg(max_over_mean) FROM expert_load FINAL GROUP BY layer ORDER BY layer'%n",
                port, LocalStack.DATABASE));
    }
}
