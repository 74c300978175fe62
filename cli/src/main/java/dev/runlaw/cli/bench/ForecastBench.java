package dev.runlaw.cli.bench;

import dev.runlaw.cli.LocalStack;
import dev.runlaw.math.live.RunTracker;
import dev.runlaw.math.live.ScheduleSpec;
import dev.runlaw.producers.command.Commands;
import dev.runlaw.producers.command.HelpOption;
import dev.runlaw.schema.DecayKind;
import dev.runlaw.schema.LrScheduleSpec;
import dev.runlaw.schema.ModelFacts;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.RunStarted;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.codec.TelemetryCodec;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./runlaw bench forecast}: N concurrent simulated runs, each sending steps (LR and a loss from the
 * momentum law plus noise, every step) at a fixed rate through Kafka into the forecast job on the embedded stack;
 * measures, over a window after a warm-up:
 * <ul>
 *   <li>step events/s produced, and the share that got a forecast row visible in ClickHouse;</li>
 *   <li>refits/s (forecast rows made visible per second);</li>
 *   <li>latency from a step's production to the first forecast row covering it ({@code step >= s}) being visible
 *       in ClickHouse (polled every 100 ms, so figures carry up to 100 ms of polling), p50 and p99;</li>
 *   <li>the job's share of it: from the newest step's production to the job emitting the forecast
 *       ({@code emitted_at_ms - step_wall_time_ms}), p50 and p99;</li>
 *   <li>state bytes per run: a {@link RunTracker} fed the same run for the window's steps and for 10^6 steps
 *       (serialized, as in Flink state), plus the pending buffer's bound.</li>
 * </ul>
 * Steps produced in the last {@code 2 * refit interval} of the window are not scored (their forecast may not be due
 * yet).
 */
@Command(name = "forecast", sortOptions = false,
        description = "N simulated runs through the forecast job: steps/s, refits/s, step-to-forecast-row latency, "
                + "state bytes per run.")
public final class ForecastBench implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    HelpOption help;
    @Option(names = "--runs", paramLabel = "N[,N...]", split = ",",
            description = "Concurrent runs, one measurement per value (default 100,1000,10000).")
    int[] runs = {100, 1000, 10000};
    @Option(names = "--steps-per-second", paramLabel = "R", description = "Steps per run per second (default ${DEFAULT-VALUE}).")
    double stepsPerSecond = 10;
    @Option(names = "--seconds", paramLabel = "S", description = "Length of each measurement (default ${DEFAULT-VALUE}).")
    int seconds = 60;
    @Option(names = "--warmup-seconds", paramLabel = "S", description = "Warm-up not measured (default ${DEFAULT-VALUE}).")
    int warmupSeconds = 15;
    @Option(names = "--law", paramLabel = "momentum|multipower|auto", description = "Forecast law (default ${DEFAULT-VALUE}).")
    String law = "momentum";
    @Option(names = "--refit-points", paramLabel = "N", description = "Refit every N points (default ${DEFAULT-VALUE}).")
    int refitPoints = 10;
    @Option(names = "--refit-interval-ms", paramLabel = "MS", description = "... or at least every MS ms (default ${DEFAULT-VALUE}).")
    long refitIntervalMs = 1000;
    @Option(names = "--state-backend", paramLabel = "hashmap|rocksdb", description = "Flink state backend (default ${DEFAULT-VALUE}).")
    String stateBackend = "hashmap";
    @Option(names = "--repeat", paramLabel = "N", description = "Consecutive measurements per run count, each on a "
            + "fresh stack; prints every one and how many met the p99 goal (default ${DEFAULT-VALUE}).")
    int repeat = 1;
    @Option(names = "--goal-p99-ms", paramLabel = "MS", description = "The p99 goal counted by --repeat "
            + "(default ${DEFAULT-VALUE}).")
    long goalP99Ms = 2000;
    @Option(names = "--tracker-cache-runs", paramLabel = "N", description = "The job's forecast.tracker-cache-runs "
            + "(decoded trackers kept per task; 0 = off; default: the job's default).")
    Integer trackerCacheRuns;
    @Option(names = "--what-if-every", paramLabel = "K", description = "The job's forecast.what-if-every (what-ifs "
            + "every K-th refit of a run; default ${DEFAULT-VALUE}).")
    int whatIfEvery = 1;
    @Option(names = "--catch-up-lag-ms", paramLabel = "MS", description = "The job's forecast.catch-up-lag-ms (steps "
            + "read later than MS after they entered Kafka refit by the interval timer only; 0 = off; default: the "
            + "job's default).")
    Long catchUpLagMs;

    private final PrintStream out;

    public ForecastBench() {
        this(System.out);
    }

    ForecastBench(PrintStream out) {
        this.out = out;
    }

    record Options(int[] runs, double stepsPerSecond, int seconds, int warmupSeconds, String law, int refitPoints,
                   long refitIntervalMs, String stateBackend, int repeat, long goalP99Ms, Integer trackerCacheRuns,
                   int whatIfEvery, Long catchUpLagMs) {
    }

    /** The options as one record; a usage error when they do not go together. */
    Options options() {
        if (seconds <= warmupSeconds + 5) {
            throw Commands.usage(spec, "--seconds must exceed --warmup-seconds by more than 5");
        }
        if (repeat < 1) {
            throw Commands.usage(spec, "--repeat must be at least 1");
        }
        if (whatIfEvery < 1) {
            throw Commands.usage(spec, "--what-if-every must be at least 1");
        }
        if (trackerCacheRuns != null && trackerCacheRuns < 0) {
            throw Commands.usage(spec, "--tracker-cache-runs must be >= 0");
        }
        if (catchUpLagMs != null && catchUpLagMs < 0) {
            throw Commands.usage(spec, "--catch-up-lag-ms must be >= 0");
        }
        return new Options(runs, stepsPerSecond, seconds, warmupSeconds, law, refitPoints, refitIntervalMs,
                stateBackend, repeat, goalP99Ms, trackerCacheRuns, whatIfEvery, catchUpLagMs);
    }

    /** Warmup and planned length of every simulated run (a cosine schedule, as the trainers declare it). */
    static final long WARMUP = 50;
    static final long PLANNED = 200_000;
    static final double PEAK = 3e-4;

    @Override
    public Integer call() throws Exception {
        Options o = options();
        out.printf(Locale.ROOT, "forecast benchmark: %s runs x %.1f steps/s, %d s (first %d s warm-up), law %s,"
                        + " refit every %d points or %d ms, what-ifs every %d refits, state %s, tracker cache %s,"
                        + " catch-up lag %s, %d cores%n",
                Arrays.toString(o.runs()), o.stepsPerSecond(), o.seconds(), o.warmupSeconds(), o.law(),
                o.refitPoints(), o.refitIntervalMs(), o.whatIfEvery(), o.stateBackend(),
                o.trackerCacheRuns() == null ? "default" : o.trackerCacheRuns() + " runs",
                o.catchUpLagMs() == null ? "default" : o.catchUpLagMs() == 0 ? "off" : o.catchUpLagMs() + " ms",
                Runtime.getRuntime().availableProcessors());
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int n : o.runs()) {
            for (int i = 1; i <= o.repeat(); i++) {
                Map<String, Object> r = one(n, o, out);
                r.put("rep", i);
                rows.add(r);
            }
        }
        out.println();
        out.printf("%8s %4s %12s %12s %10s %9s %9s %9s %11s %11s %12s %12s %8s %8s%n", "runs", "#", "produced/s",
                "forecast/s", "refits/s", "covered", "p50 ms", "p99 ms", "job p50 ms", "job p99 ms", "state B/run",
                "1M-step B", "ld start", "ld end");
        for (Map<String, Object> r : rows) {
            out.printf(Locale.ROOT, "%8d %4d %12.0f %12.0f %10.1f %8.1f%% %9d %9d %11d %11d %12d %12d %8.1f %8.1f%n",
                    r.get("runs"), r.get("rep"), r.get("produced"), r.get("forecast"), r.get("refits"),
                    100 * (double) r.get("covered"), r.get("p50"), r.get("p99"), r.get("jobP50"), r.get("jobP99"),
                    r.get("state"), r.get("state1m"), r.get("loadBefore"), r.get("loadAfter"));
        }
        if (o.repeat() > 1) {
            for (int n : o.runs()) {
                List<Map<String, Object>> mine = rows.stream().filter(r -> (int) r.get("runs") == n).toList();
                // A measurement meets the goal when every scored step got its forecast and the p99 is within it.
                long met = mine.stream().filter(r -> meets(r, o.goalP99Ms())).count();
                out.printf(Locale.ROOT, "%d runs: p99 <= %d ms (all scored steps covered) in %d of %d measurements;"
                                + " p99s %s ms%n", n, o.goalP99Ms(), met, mine.size(),
                        mine.stream().map(r -> r.get("p99").toString()).toList());
            }
        }
        return 0;
    }

    static boolean meets(Map<String, Object> r, long goalMs) {
        long p99 = (long) r.get("p99");
        return p99 >= 0 && p99 <= goalMs && (double) r.get("covered") >= 0.999;
    }

    /** The 1-minute load average (Linux), NaN when unknown: printed beside every figure. */
    static double loadAverage() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static Map<String, Object> one(int n, Options o, PrintStream out) throws Exception {
        out.printf(Locale.ROOT, "%n-- %d runs (load average %.1f) --%n", n, loadAverage());
        try (LocalStack stack = LocalStack.start()) {
            Map<String, String> conf = new HashMap<>();
            conf.put("forecast.law", o.law());
            conf.put("forecast.refit-points", Integer.toString(o.refitPoints()));
            conf.put("forecast.refit-interval-ms", Long.toString(o.refitIntervalMs()));
            conf.put("forecast.what-if-fractions", "0.5,0.7,0.9");
            conf.put("forecast.what-if-every", Integer.toString(o.whatIfEvery()));
            conf.put("state.backend", o.stateBackend());
            conf.put("checkpoint.interval-ms", "10000");
            conf.put("sink.flush-interval-ms", "200");
            if (o.catchUpLagMs() != null) {
                conf.put("forecast.catch-up-lag-ms", Long.toString(o.catchUpLagMs()));
            }
            if (o.trackerCacheRuns() != null) {
                conf.put("forecast.tracker-cache-runs", Integer.toString(o.trackerCacheRuns()));
            }
            JobClient job = stack.startForecast(stack.forecastConfig(conf));
            Producer p = new Producer(stack.kafka().bootstrapServers(), n, o.stepsPerSecond());
            Thread producer = new Thread(p, "bench-producer");
            Poller poll = new Poller(stack);
            Thread poller = new Thread(poll, "bench-poller");
            producer.start();
            poller.start();
            long t0 = System.currentTimeMillis();
            double loadBefore = Double.NaN;
            long windowStart = t0 + o.warmupSeconds() * 1000L;
            long windowEnd = t0 + o.seconds() * 1000L;
            while (System.currentTimeMillis() < windowEnd) {
                if (Double.isNaN(loadBefore) && System.currentTimeMillis() >= windowStart) {
                    loadBefore = loadAverage();
                }
                // The measurement window: letting wall-clock time pass is the point; the job is checked each second.
                Thread.sleep(1000);
                if (job.getJobExecutionResult().isDone()) {
                    job.getJobExecutionResult().get();
                    throw new IllegalStateException("forecast job stopped");
                }
            }
            p.stop = true;
            producer.join();
            // Let the forecasts of the window's last scored steps arrive: a grace period, not a wait for a count,
            // because a forecast that never comes must show as missing latency, not block the benchmark.
            Thread.sleep(2 * o.refitIntervalMs() + 3000);
            poll.stop = true;
            poller.join();
            long scoredEnd = windowEnd - 2 * o.refitIntervalMs();
            long[] lat = p.latencies(poll, windowStart, scoredEnd);
            long produced = p.producedBetween(windowStart, windowEnd);
            double windowS = (windowEnd - windowStart) / 1000.0;
            long covered = Arrays.stream(lat).filter(x -> x >= 0).count();
            long[] ok = Arrays.stream(lat).filter(x -> x >= 0).sorted().toArray();
            long scored = p.producedBetween(windowStart, scoredEnd);
            long refits = poll.visibleBetween(windowStart, windowEnd);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("runs", n);
            r.put("loadBefore", loadBefore);
            r.put("loadAfter", loadAverage());
            r.put("produced", produced / windowS);
            r.put("forecast", covered / ((scoredEnd - windowStart) / 1000.0));
            r.put("refits", refits / windowS);
            r.put("covered", scored == 0 ? 0.0 : (double) covered / scored);
            r.put("p50", ok.length == 0 ? -1L : ok[(int) (0.50 * (ok.length - 1))]);
            r.put("p99", ok.length == 0 ? -1L : ok[(int) (0.99 * (ok.length - 1))]);
            // Where the time goes: from the newest step's production to the job emitting its forecast.
            List<List<String>> jobLat = stack.http().query("SELECT quantileExact(0.5)(emitted_at_ms - step_wall_time_ms),"
                    + " quantileExact(0.99)(emitted_at_ms - step_wall_time_ms) FROM forecasts WHERE step_wall_time_ms >= "
                    + windowStart + " AND step_wall_time_ms < " + scoredEnd);
            r.put("jobP50", jobLat.isEmpty() || jobLat.get(0).get(0) == null ? -1L : (long) Double.parseDouble(jobLat.get(0).get(0)));
            r.put("jobP99", jobLat.isEmpty() || jobLat.get(0).get(1) == null ? -1L : (long) Double.parseDouble(jobLat.get(0).get(1)));
            long steps = p.maxStep();
            r.put("state", stateBytes(steps));
            r.put("state1m", stateBytes(1_000_000));
            out.printf(Locale.ROOT, "  produced %d steps in the window, %d scored, %d covered; %d forecast rows; state"
                    + " after %d steps %d B%n", produced, scored, covered, refits, steps, (long) r.get("state"));
            job.cancel().get(1, TimeUnit.MINUTES);
            return r;
        }
    }

    /** Serialized tracker bytes of a simulated run after {@code steps} steps (loss at every step). */
    static long stateBytes(long steps) {
        RunTracker t = RunTracker.create("bench", "bench");
        t.plan(new ScheduleSpec("COSINE", WARMUP, 0, PEAK, PEAK / 10, WARMUP, Math.max(PLANNED, steps + 1), new long[0],
                0.1, 0), null, Math.max(PLANNED, steps + 1));
        SplittableRandom rnd = new SplittableRandom(7);
        double[] lr = lrs(Math.max(PLANNED, steps + 1));
        double s1 = 0;
        for (long s = 0; s <= steps; s++) {
            double eta = lr[(int) s];
            s1 += s < WARMUP ? PEAK : eta;
            t.observe(s, eta, loss(s1, rnd), 0);
        }
        return t.serializedBytes();
    }

    static double[] lrs(long n) {
        double[] lr = new double[(int) n];
        for (int s = 0; s < n; s++) {
            lr[s] = s < WARMUP ? PEAK * s / (WARMUP - 1)
                    : PEAK / 10 + 0.5 * (PEAK - PEAK / 10) * (1 + Math.cos(Math.PI * (s - WARMUP) / (n - WARMUP)));
        }
        return lr;
    }

    static double loss(double s1, SplittableRandom rnd) {
        return 2.0 + 0.8 * Math.pow(Math.max(s1, 1e-9), -0.4) * 3.0 * (1 + 0.003 * rnd.nextGaussian());
    }

    /** Sends every run's steps at the fixed rate, in rounds; records each step's production time. */
    static final class Producer implements Runnable {
        final String bootstrap;
        final int runs;
        final double rate;
        volatile boolean stop;
        /** Per run: production time (ms) of each step, index = step. */
        final long[][] producedAt;
        final int[] next;
        private final double[] lr;

        Producer(String bootstrap, int runs, double rate) {
            this.bootstrap = bootstrap;
            this.runs = runs;
            this.rate = rate;
            this.producedAt = new long[runs][];
            this.next = new int[runs];
            this.lr = lrs(PLANNED);
        }

        @Override
        public void run() {
            TelemetryCodec codec = new TelemetryCodec();
            Map<String, Object> props = new HashMap<>();
            props.put("bootstrap.servers", bootstrap);
            props.put("key.serializer", ByteArraySerializer.class);
            props.put("value.serializer", ByteArraySerializer.class);
            props.put("linger.ms", 5);
            props.put("compression.type", "lz4");
            try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(props)) {
                SplittableRandom rnd = new SplittableRandom(42);
                double[] s1 = new double[runs];
                for (int r = 0; r < runs; r++) {
                    producedAt[r] = new long[1024];
                    RunStarted rs = RunStarted.newBuilder().setRunId(id(r)).setFamilyId("bench-" + (r % 10))
                            .setStartedAtMs(System.currentTimeMillis()).setModel(ModelFacts.newBuilder().build())
                            .setPlannedTotalSteps(PLANNED - 1)
                            .setSchedule(LrScheduleSpec.newBuilder().setKind(DecayKind.COSINE).setWarmupSteps(WARMUP)
                                    .setPeakLr(PEAK).setMinLr(PEAK / 10).setDecayStartStep(WARMUP)
                                    .setTotalSteps(PLANNED).build()).build();
                    p.send(new ProducerRecord<>(RecordKind.RUN_STARTED.topic(), key(r), codec.encode(rs)));
                }
                long periodNs = (long) (1e9 / rate);
                long t0 = System.nanoTime();
                for (long round = 0; !stop; round++) {
                    long due = t0 + round * periodNs;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    // One step of every run per round, spread over the round by the producer's batching.
                    for (int r = 0; r < runs && !stop; r++) {
                        int s = next[r]++;
                        double eta = lr[Math.min(s, lr.length - 1)];
                        s1[r] += s < WARMUP ? PEAK : eta;
                        long now = System.currentTimeMillis();
                        if (s >= producedAt[r].length) {
                            producedAt[r] = Arrays.copyOf(producedAt[r], producedAt[r].length * 2);
                        }
                        producedAt[r][s] = now;
                        StepMetrics m = StepMetrics.newBuilder().setRunId(id(r)).setStep(s).setWallTimeMs(now)
                                .setLr(eta).setLoss(loss(s1[r], rnd)).build();
                        p.send(new ProducerRecord<>(RecordKind.STEP_METRICS.topic(), key(r), codec.encode(m)));
                    }
                }
            }
        }

        static String id(int r) {
            return String.format(Locale.ROOT, "bench-%05d", r);
        }

        static byte[] key(int r) {
            return id(r).getBytes(StandardCharsets.UTF_8);
        }

        long producedBetween(long from, long to) {
            long c = 0;
            for (int r = 0; r < runs; r++) {
                for (int s = 0; s < next[r]; s++) {
                    long t = producedAt[r][s];
                    if (t >= from && t < to) {
                        c++;
                    }
                }
            }
            return c;
        }

        long maxStep() {
            return Arrays.stream(next).max().orElse(0);
        }

        /** Latency of every step produced in [from, to): -1 when no forecast covered it. */
        long[] latencies(Poller poll, long from, long to) {
            List<Long> out = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                TreeMap<Long, Long> seen = poll.visible.getOrDefault(id(r), new TreeMap<>());
                for (int s = 0; s < next[r]; s++) {
                    long t = producedAt[r][s];
                    if (t < from || t >= to) {
                        continue;
                    }
                    // The first forecast covering step s: the earliest visible among forecasts at steps >= s.
                    long best = Long.MAX_VALUE;
                    for (long v : seen.tailMap((long) s, true).values()) {
                        best = Math.min(best, v);
                        if (v <= t) {
                            break;
                        }
                    }
                    out.add(best == Long.MAX_VALUE ? -1 : Math.max(0, best - t));
                }
            }
            return out.stream().mapToLong(Long::longValue).toArray();
        }
    }

    /** Polls ClickHouse for new forecast rows; records when each (run, step) first became visible. */
    static final class Poller implements Runnable {
        final LocalStack stack;
        volatile boolean stop;
        final Map<String, TreeMap<Long, Long>> visible = new HashMap<>();
        final List<Long> times = new ArrayList<>();

        Poller(LocalStack stack) {
            this.stack = stack;
        }

        @Override
        public void run() {
            long cursor = 0;
            while (!stop) {
                try {
                    List<List<String>> rows = stack.http().query("SELECT run_id, step, ingested_at_ms FROM forecasts"
                            + " WHERE ingested_at_ms > " + Math.max(0, cursor - 5000));
                    long now = System.currentTimeMillis();
                    synchronized (this) {
                        for (List<String> row : rows) {
                            TreeMap<Long, Long> m = visible.computeIfAbsent(row.get(0), k -> new TreeMap<>());
                            if (m.putIfAbsent(Long.parseLong(row.get(1)), now) == null) {
                                times.add(now);
                            }
                            cursor = Math.max(cursor, Long.parseLong(row.get(2)));
                        }
                    }
                    // The sampling period: forecast visibility is timed to within this much.
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    // keep polling
                }
            }
        }

        synchronized long visibleBetween(long from, long to) {
            return times.stream().filter(t -> t >= from && t < to).count();
        }
    }
}
