package dev.runlaw.cli.bench;

import dev.runlaw.cli.LocalStack;
import dev.runlaw.producers.command.HelpOption;
import dev.runlaw.schema.ExpertLoad;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.codec.TelemetryCodec;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
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
 * {@code ./runlaw bench ingest}: events per second of step-metric records through raw Kafka (produce + consume,
 * the baseline) and through the whole pipeline (produce → Kafka → Flink decode/validate → ClickHouse, until the
 * rows are visible to a query), their ratio, and expert-load cells (layer × expert values) per second through the
 * pipeline. Both paths produce the same pre-encoded bytes (passes of a {@link RecordPool}) with the producer
 * library's Kafka settings; the three arms are measured under the {@link Repeats} protocol.
 */
@Command(name = "ingest", sortOptions = false,
        description = "Events/s through raw Kafka vs. Kafka -> Flink -> ClickHouse, and expert-load cells/s.")
final class IngestBench implements Callable<Integer> {
    @Mixin
    HelpOption help;
    @Mixin
    RepeatOptions repeat;
    @Option(names = "--records", paramLabel = "N",
            description = "Step-metric records per pass of the pool; windows send whole passes (default ${DEFAULT-VALUE}).")
    int records = 200_000;
    @Option(names = "--runs", paramLabel = "N", description = "Runs a pass is spread over (default ${DEFAULT-VALUE}).")
    int runs = 100;
    @Option(names = "--expert-records", paramLabel = "M",
            description = "Expert-load records per pass (default ${DEFAULT-VALUE}).")
    int expertRecords = 8_000;
    @Option(names = "--experts", paramLabel = "E", description = "Experts per layer (default ${DEFAULT-VALUE}).")
    int experts = 256;
    @Option(names = "--parallelism", paramLabel = "P", description = "Ingest job parallelism (default ${DEFAULT-VALUE}).")
    String parallelism = "1";
    @Option(names = "--batch-rows", paramLabel = "B", description = "The ingest job's sink.batch-rows (default: the job's).")
    String batchRows;

    private final PrintStream out;

    IngestBench(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws Exception {
        repeat.check();
        if (records < runs || runs < 1 || expertRecords < 8) {
            throw new IllegalArgumentException("need 1 <= --runs <= --records and --expert-records >= 8");
        }
        TelemetryCodec codec = new TelemetryCodec();
        out.printf("runlaw bench ingest: passes of %d step-metric records over %d runs; passes of %d expert-load"
                + " records x %d experts; job parallelism %s; sink.batch-rows %s; %d cores%n", records, runs,
                expertRecords, experts, parallelism, batchRows == null ? "default" : batchRows,
                Runtime.getRuntime().availableProcessors());
        RecordPool steps = RecordPool.of("bench-run",
                prefix -> BenchTraffic.stepMetrics(codec, prefix, records, runs, new SplittableRandom(7)));
        RecordPool loads = RecordPool.of("bench-moe", prefix -> expertLoads(codec, prefix, expertRecords, experts));
        Map<String, Object> producerProps = BenchTraffic.producerProps();

        try (LocalStack stack = LocalStack.start()) {
            String bs = stack.kafka().bootstrapServers();
            Map<String, String> overrides = new HashMap<>(Map.of("parallelism", parallelism));
            if (batchRows != null) {
                overrides.put("sink.batch-rows", batchRows);
            }
            JobClient job = stack.startIngest(stack.ingestConfig(overrides));
            int[] rawTopic = {0};
            Repeats.Arm raw = new Repeats.Arm("raw Kafka produce+consume", passes -> {
                String topic = "bench.raw-step-metrics-" + rawTopic[0]++;
                stack.kafka().createTopics(LocalStack.PARTITIONS, topic);
                try {
                    return RawKafkaThroughput.measure(bs, topic, LocalStack.PARTITIONS, producerProps, steps, passes);
                } finally {
                    // Every window leaves GBs on the broker's disk; the next window needs none of it.
                    stack.kafka().admin().deleteTopics(List.of(topic)).all().get(1, TimeUnit.MINUTES);
                }
            });
            Repeats.Arm pipeline = new Repeats.Arm("Kafka -> Flink -> ClickHouse", passes ->
                    pipelineWindow(stack, producerProps, steps, RecordKind.STEP_METRICS, "step_metrics", passes));
            Repeats.Arm cells = new Repeats.Arm("expert-load cells", passes -> {
                Repeats.Window w = pipelineWindow(stack, producerProps, loads, RecordKind.EXPERT_LOAD, "expert_load",
                        passes);
                return new Repeats.Window(w.records() * experts, w.nanos());
            });
            Repeats.run(out, repeat, List.of(raw, pipeline, cells),
                    List.of(new Repeats.Ratio("ratio pipeline / raw Kafka", 1, 0)));
            out.println("  (goals on a quiet machine: ratio >= 0.5, expert-load cells >= 2,000,000 /s)");
            long dead = stack.countFinal("dead_letters");
            if (dead != 0) {
                out.printf("WARNING: %d dead letters during the benchmark%n", dead);
            }
            job.cancel().get(30, TimeUnit.SECONDS);
        }
        return 0;
    }

    /** One window of the pipeline: the table emptied first, then from the first send until every row is visible. */
    private static Repeats.Window pipelineWindow(LocalStack stack, Map<String, Object> producerProps, RecordPool pool,
                                                 RecordKind kind, String table, long passes) throws Exception {
        stack.http().execute("TRUNCATE TABLE " + table);
        long start = System.nanoTime();
        long n = BenchTraffic.produce(stack.kafka().bootstrapServers(), producerProps, kind.topic(), pool, passes);
        BenchTraffic.awaitCount(stack, "SELECT count() FROM " + table, n);
        return new Repeats.Window(n, System.nanoTime() - start);
    }

    /** {@code n} expert-load records of 8 MoE runs named {@code <prefix>-00} ... {@code -07}, 32 layers each. */
    private static BenchTraffic.Encoded expertLoads(TelemetryCodec codec, String prefix, int n, int experts) {
        SplittableRandom rnd = new SplittableRandom(11);
        List<byte[]> keys = new ArrayList<>(n);
        List<byte[]> values = new ArrayList<>(n);
        int layers = 32;
        for (int i = 0; i < n; i++) {
            List<Long> tokens = new ArrayList<>(experts);
            for (int e = 0; e < experts; e++) {
                tokens.add((long) rnd.nextInt(4096));
            }
            String run = String.format("%s-%02d", prefix, i % 8);
            ExpertLoad l = ExpertLoad.newBuilder().setRunId(run).setStep(i / (8 * layers)).setLayer((i / 8) % layers)
                    .setWallTimeMs(BenchTraffic.T0 + i).setTokensPerExpert(tokens).setDroppedTokens(rnd.nextInt(10))
                    .build();
            keys.add(run.getBytes(StandardCharsets.UTF_8));
            values.add(codec.encode(l));
        }
        return new BenchTraffic.Encoded(keys, values);
    }

}
