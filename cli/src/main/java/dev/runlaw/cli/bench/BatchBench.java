package dev.runlaw.cli.bench;

import dev.runlaw.cli.LocalStack;
import dev.runlaw.jobs.batch.BatchConfig;
import dev.runlaw.jobs.batch.RunNoise;
import dev.runlaw.math.cbs.NoiseScaleSettings;
import dev.runlaw.producers.command.HelpOption;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.StepMetrics;
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
 * job alone, in one run of the embedded stack: the same step-metric records (with the two squared gradient norms and
 * a loss) are put on Kafka first, then each job reads all of them from a fresh consumer group, timed from its start
 * until its rows are visible in ClickHouse (ingest: one {@code step_metrics} row per record; batch: the
 * {@code gradient_noise} rows, one per {@code batch.emit-every-steps} steps of each run). Also prints the state
 * bytes of one run (estimator, facts and loss curve) after a short and a long run.
 */
@Command(name = "batch", sortOptions = false,
        description = "Events/s of the batch-size job's noise-scale operator vs. the ingest job alone, and state bytes"
                + " per run.")
final class BatchBench implements Callable<Integer> {
    @Mixin
    HelpOption help;
    @Option(names = "--records", paramLabel = "N", description = "Step-metric records (default ${DEFAULT-VALUE}).")
    int records = 200_000;
    @Option(names = "--runs", paramLabel = "N", description = "Runs they are spread over (default ${DEFAULT-VALUE}).")
    int runs = 100;
    @Option(names = "--parallelism", paramLabel = "P", description = "Job parallelism (default ${DEFAULT-VALUE}).")
    String parallelism = "1";

    private final PrintStream out;

    BatchBench(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws Exception {
        int every = BatchConfig.Policy.defaults().emitEverySteps();
        out.printf("runlaw bench batch: %d step-metric records (with squared gradient norms) over %d runs;"
                + " job parallelism %s; a noise row every %d steps%n", records, runs, parallelism, every);
        List<StepMetrics> steps = steps(records, runs);
        TelemetryCodec codec = new TelemetryCodec();
        List<byte[]> keys = new ArrayList<>(records);
        List<byte[]> values = new ArrayList<>(records);
        for (StepMetrics m : steps) {
            keys.add(m.getRunId().getBytes(StandardCharsets.UTF_8));
            values.add(codec.encode(m));
        }
        long perRun = records / runs;
        long noiseRows = (long) runs * ((perRun - 1) / every + 1);
        Map<String, Object> producerProps = BenchTraffic.producerProps();

        try (LocalStack stack = LocalStack.start()) {
            BenchTraffic.produce(stack.kafka().bootstrapServers(), producerProps, RecordKind.STEP_METRICS.topic(),
                    new BenchTraffic.Encoded(keys, values));
            Map<String, String> conf = Map.of("parallelism", parallelism);

            long start = System.nanoTime();
            JobClient ingest = stack.startIngest(stack.ingestConfig(conf));
            BenchTraffic.awaitCount(stack, "SELECT count() FROM step_metrics", records);
            double ingestS = (System.nanoTime() - start) / 1e9;
            ingest.cancel().get(30, TimeUnit.SECONDS);
            out.printf("ingest job alone              %,12.0f step records/s  (%.2f s from job start, rows visible)%n",
                    records / ingestS, ingestS);

            start = System.nanoTime();
            JobClient batch = stack.startBatch(stack.batchConfig(conf));
            BenchTraffic.awaitCount(stack, "SELECT count() FROM gradient_noise", noiseRows);
            double batchS = (System.nanoTime() - start) / 1e9;
            batch.cancel().get(30, TimeUnit.SECONDS);
            out.printf("batch-size job (noise scale)  %,12.0f step records/s  (%.2f s from job start, %,d noise rows"
                    + " visible)%n", records / batchS, batchS, noiseRows);
            out.printf("ratio batch / ingest          %12.2f%n", ingestS / batchS);
        }
        out.printf("state per run after %,d steps  %,12d bytes (estimator and facts %d, loss curve %d)%n", perRun,
                stateBytes(perRun)[0] + stateBytes(perRun)[1], stateBytes(perRun)[0], stateBytes(perRun)[1]);
        long[] big = stateBytes(200_000);
        out.printf("state per run after 200,000 steps %,8d bytes (estimator and facts %d, loss curve %d; bounded)%n",
                big[0] + big[1], big[0], big[1]);
        return 0;
    }

    /** Steps of {@code runs} runs, interleaved, with a loss and the two squared gradient norms (B_simple ~ 400). */
    static List<StepMetrics> steps(int records, int runs) {
        SplittableRandom rnd = new SplittableRandom(7);
        long t0 = 1_760_000_000_000L;
        List<StepMetrics> out = new ArrayList<>(records);
        for (int i = 0; i < records; i++) {
            String run = String.format("bench-batch-%04d", i % runs);
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
        for (StepMetrics m : steps((int) n, 1)) {
            r.onStep(m);
        }
        return new long[] {r.stateBytes().length, r.curveBytes().length};
    }
}
