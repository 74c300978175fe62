package dev.runlaw.cli.bench;

import dev.runlaw.cli.LocalStack;
import dev.runlaw.jobs.batch.BatchConfig;
import dev.runlaw.jobs.batch.RunNoise;
import dev.runlaw.math.cbs.NoiseScaleSettings;
import dev.runlaw.producers.command.HelpOption;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.Topics;
import dev.runlaw.schema.codec.TelemetryCodec;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./runlaw bench batch}: the batch-size job's live operator (gradient noise scale per run) against the ingest
 * job alone, on one embedded stack, measured in turn under the {@link Repeats} protocol. For each window the
 * step-metric records (with the two squared gradient norms and a loss; whole passes of a {@link RecordPool}, each
 * pass a set of new runs) are put on fresh topics first ({@code topic.prefix} per window), then the job starts
 * on them with a fresh consumer group and is timed from its start until its rows are visible in ClickHouse (ingest:
 * one {@code step_metrics} row per record; batch: the {@code gradient_noise} rows, one per
 * {@code batch.emit-every-steps} steps of each run). Also prints the state bytes of one run (estimator, facts and
 * loss curve) after a short and a long run.
 */
@Command(name = "batch", sortOptions = false,
        description = "Events/s of the batch-size job's noise-scale operator vs. the ingest job alone, and state bytes"
                + " per run.")
final class BatchBench implements Callable<Integer> {
    @Mixin
    HelpOption help;
    @Mixin
    RepeatOptions repeat;
    @Option(names = "--records", paramLabel = "N",
            description = "Step-metric records per pass of the pool; windows use whole passes (default ${DEFAULT-VALUE}).")
    int records = 100_000;
    @Option(names = "--runs", paramLabel = "N", description = "Runs a pass is spread over (default ${DEFAULT-VALUE}).")
    int runs = 100;
    @Option(names = "--parallelism", paramLabel = "P", description = "Job parallelism (default ${DEFAULT-VALUE}).")
    String parallelism = "1";

    private final PrintStream out;

    BatchBench(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws Exception {
        repeat.check();
        if (runs < 1 || records < runs || records % runs != 0) {
            throw new IllegalArgumentException("--records must be a positive multiple of --runs");
        }
        int every = BatchConfig.Policy.defaults().emitEverySteps();
        out.printf("runlaw bench batch: passes of %d step-metric records (with squared gradient norms) over %d runs;"
                + " job parallelism %s; a noise row every %d steps; %d cores%n", records, runs, parallelism, every,
                Runtime.getRuntime().availableProcessors());
        TelemetryCodec codec = new TelemetryCodec();
        RecordPool pool = RecordPool.of("bench-batch", prefix -> {
            List<byte[]> keys = new ArrayList<>(records);
            List<byte[]> values = new ArrayList<>(records);
            for (StepMetrics m : steps(prefix, records, runs)) {
                keys.add(m.getRunId().getBytes(StandardCharsets.UTF_8));
                values.add(codec.encode(m));
            }
            return new BenchTraffic.Encoded(keys, values);
        });
        long perRun = records / runs;
        long noiseRowsPerPass = (long) runs * ((perRun - 1) / every + 1);
        Map<String, Object> producerProps = BenchTraffic.producerProps();

        try (LocalStack stack = LocalStack.start()) {
            int[] window = {0};
            Repeats.Arm ingest = new Repeats.Arm("ingest job alone", passes -> drainWindow(stack,
                    "bench-bi" + window[0]++ + ".", producerProps, pool, passes, "step_metrics",
                    passes * records, conf -> stack.startIngest(stack.ingestConfig(conf))));
            Repeats.Arm batch = new Repeats.Arm("batch-size job (noise scale)", passes -> drainWindow(stack,
                    "bench-bb" + window[0]++ + ".", producerProps, pool, passes, "gradient_noise",
                    passes * noiseRowsPerPass, conf -> stack.startBatch(stack.batchConfig(conf))));
            Repeats.run(out, repeat, List.of(ingest, batch), List.of(new Repeats.Ratio("ratio batch / ingest", 1, 0)));
        }
        long[] small = stateBytes(perRun);
        out.printf("state per run after %,d steps  %,12d bytes (estimator and facts %d, loss curve %d)%n", perRun,
                small[0] + small[1], small[0], small[1]);
        long[] big = stateBytes(200_000);
        out.printf("state per run after 200,000 steps %,8d bytes (estimator and facts %d, loss curve %d; bounded)%n",
                big[0] + big[1], big[0], big[1]);
        return 0;
    }

    /** Starts a job with these settings. */
    private interface JobStarter {
        JobClient start(Map<String, String> conf) throws Exception;
    }

    /**
     * One window: {@code passes} passes on fresh topics under {@code prefix} and an empty {@code table} first, then
     * the job on them with a consumer group that never committed, timed from its start until {@code table} holds
     * {@code rows} rows; every record of the window counts.
     */
    private Repeats.Window drainWindow(LocalStack stack, String prefix, Map<String, Object> producerProps,
                                       RecordPool pool, long passes, String table, long rows, JobStarter job)
            throws Exception {
        freshTopics(stack, prefix, producerProps, pool, passes);
        stack.http().execute("TRUNCATE TABLE " + table);
        long start = System.nanoTime();
        JobClient client = job.start(Map.of("parallelism", parallelism, "topic.prefix", prefix,
                "group.id", prefix + "group"));
        BenchTraffic.awaitCount(stack, "SELECT count() FROM " + table, rows);
        long nanos = System.nanoTime() - start;
        client.cancel().get(30, TimeUnit.SECONDS);
        deleteTopics(stack, prefix);
        return new Repeats.Window(passes * pool.size(), nanos);
    }

    /** Creates every topic under {@code prefix} and puts {@code passes} passes of the pool on its step metrics. */
    private static void freshTopics(LocalStack stack, String prefix, Map<String, Object> producerProps,
                                    RecordPool pool, long passes) {
        stack.kafka().createTopics(LocalStack.PARTITIONS, topics(prefix).toArray(String[]::new));
        BenchTraffic.produce(stack.kafka().bootstrapServers(), producerProps,
                prefix + RecordKind.STEP_METRICS.topic(), pool, passes);
    }

    private static void deleteTopics(LocalStack stack, String prefix) throws Exception {
        stack.kafka().admin().deleteTopics(topics(prefix)).all().get(1, TimeUnit.MINUTES);
    }

    private static List<String> topics(String prefix) {
        List<String> topics = new ArrayList<>();
        for (RecordKind k : RecordKind.values()) {
            topics.add(prefix + k.topic());
        }
        for (String t : Topics.outputs()) {
            topics.add(prefix + t);
        }
        return topics;
    }

    /** Steps of {@code runs} runs, interleaved, with a loss and the two squared gradient norms (B_simple ~ 400). */
    static List<StepMetrics> steps(String runPrefix, int records, int runs) {
        SplittableRandom rnd = new SplittableRandom(7);
        long t0 = 1_760_000_000_000L;
        List<StepMetrics> out = new ArrayList<>(records);
        for (int i = 0; i < records; i++) {
            String run = String.format("%s-%04d", runPrefix, i % runs);
            int step = i / runs + 1;
            double loss = 2.0 + 3.0 / (1 + step / 100.0);
            double g2 = 0.5 * (loss - 2.0);
            double tr = 400 * g2;
            out.add(StepMetrics.newBuilder().setRunId(run).setStep(step).setWallTimeMs(t0 + step * 1000L)
                    .setTokensSeen(step * 262_144L).setLr(3e-4).setLoss(loss * (1 + 0.01 * rnd.nextGaussian()))
                    .setGradSqNormSmall((g2 + tr / 32) * (1 + 0.05 * rnd.nextGaussian())).setBatchSmall(32L)
                    .setGradSqNormBig((g2 + tr / 512) * (1 + 0.02 * rnd.nextGaussian())).setBatchBig(512L)
                    .build());
        }
        return out;
    }

    /** {estimator and facts, loss curve} bytes of one run after {@code n} steps, as the job stores them. */
    static long[] stateBytes(long n) {
        RunNoise r = RunNoise.create(BatchConfig.Policy.defaults(), NoiseScaleSettings.defaults());
        for (StepMetrics m : steps("bench-batch", (int) n, 1)) {
            r.onStep(m);
        }
        return new long[] {r.stateBytes().length, r.curveBytes().length};
    }
}
