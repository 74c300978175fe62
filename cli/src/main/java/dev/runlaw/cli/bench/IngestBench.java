package dev.runlaw.cli.bench;

import dev.runlaw.cli.LocalStack;
import dev.runlaw.local.Await;
import dev.runlaw.producers.TelemetryProducer;
import dev.runlaw.producers.command.HelpOption;
import dev.runlaw.schema.ExpertLoad;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.codec.TelemetryCodec;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./runlaw bench ingest}: events per second of step-metric records through raw Kafka (produce + consume,
 * the baseline) and through the whole pipeline (produce → Kafka → Flink decode/validate → ClickHouse, until the
 * rows are visible to a query), their ratio, and expert-load cells (layer × expert values) per second through the
 * pipeline. Both paths produce the same pre-encoded bytes with the producer library's Kafka settings.
 */
@Command(name = "ingest", sortOptions = false,
        description = "Events/s through raw Kafka vs. Kafka -> Flink -> ClickHouse, and expert-load cells/s.")
final class IngestBench implements Callable<Integer> {
    @Mixin
    HelpOption help;
    @Option(names = "--records", paramLabel = "N", description = "Step-metric records (default ${DEFAULT-VALUE}).")
    int records = 1_000_000;
    @Option(names = "--runs", paramLabel = "N", description = "Runs they are spread over (default ${DEFAULT-VALUE}).")
    int runs = 100;
    @Option(names = "--expert-records", paramLabel = "M",
            description = "Expert-load records (default ${DEFAULT-VALUE}).")
    int expertRecords = 40_000;
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
        int records = this.records;
        int runs = this.runs;
        int expertRecords = this.expertRecords;
        int experts = this.experts;
        TelemetryCodec codec = new TelemetryCodec();
        long t0 = 1_760_000_000_000L;
        out.printf("runlaw bench ingest: %d step-metric records over %d runs; %d expert-load records x %d experts;"
                + " job parallelism %s; sink.batch-rows %s%n", records, runs, expertRecords, experts, parallelism,
                batchRows == null ? "default" : batchRows);

        List<byte[]> stepKeys = new ArrayList<>(records);
        List<byte[]> stepValues = new ArrayList<>(records);
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < records; i++) {
            String run = String.format("bench-run-%04d", i % runs);
            int step = i / runs;
            StepMetrics m = StepMetrics.newBuilder().setRunId(run).setStep(step).setWallTimeMs(t0 + step * 1000L)
                    .setTokensSeen(step * 1_048_576L).setLr(3e-4).setLoss(2.0 + 3.0 / (1 + step) + 0.01 * rnd.nextDouble())
                    .setGradNorm(0.5 + rnd.nextDouble()).setThroughputTokensPerS(1.2e6).build();
            stepKeys.add(run.getBytes(StandardCharsets.UTF_8));
            stepValues.add(codec.encode(m));
        }
        List<byte[]> loadKeys = new ArrayList<>(expertRecords);
        List<byte[]> loadValues = new ArrayList<>(expertRecords);
        int layers = 32;
        for (int i = 0; i < expertRecords; i++) {
            List<Long> tokens = new ArrayList<>(experts);
            for (int e = 0; e < experts; e++) {
                tokens.add((long) rnd.nextInt(4096));
            }
            String run = String.format("bench-moe-%02d", i % 8);
            ExpertLoad l = ExpertLoad.newBuilder().setRunId(run).setStep(i / (8 * layers)).setLayer((i / 8) % layers)
                    .setWallTimeMs(t0 + i).setTokensPerExpert(tokens).setDroppedTokens(rnd.nextInt(10)).build();
            loadKeys.add(run.getBytes(StandardCharsets.UTF_8));
            loadValues.add(codec.encode(l));
        }
        Map<String, Object> producerProps = new HashMap<>(TelemetryProducer.builder("unused").kafkaProperties());
        producerProps.remove("bootstrap.servers");
        producerProps.remove("client.id");
        // The library never blocks a trainer (it drops instead); a benchmark must deliver every record, so wait.
        producerProps.put("max.block.ms", 120_000);

        try (LocalStack stack = LocalStack.start()) {
            String bs = stack.kafka().bootstrapServers();
            stack.kafka().createTopics(LocalStack.PARTITIONS, "bench.raw-step-metrics");
            Map<String, String> overrides = new HashMap<>(Map.of("parallelism", parallelism));
            if (batchRows != null) {
                overrides.put("sink.batch-rows", batchRows);
            }
            JobClient job = stack.startIngest(stack.ingestConfig(overrides));

            // Warm-up: JIT, Kafka connections, the ClickHouse client and the first parts of each table.
            produce(bs, producerProps, RecordKind.STEP_METRICS.topic(), stepKeys.subList(0, 20_000),
                    stepValues.subList(0, 20_000));
            awaitCount(stack, "step_metrics", 20_000);
            RawKafkaThroughput.measure(bs, "bench.raw-step-metrics", LocalStack.PARTITIONS, producerProps,
                    stepKeys.subList(0, 20_000), stepValues.subList(0, 20_000));
            stack.http().execute("TRUNCATE TABLE step_metrics");
            stack.kafka().createTopics(LocalStack.PARTITIONS, "bench.raw-step-metrics-2");

            long rawNs = RawKafkaThroughput.measure(bs, "bench.raw-step-metrics-2", LocalStack.PARTITIONS,
                    producerProps, stepKeys, stepValues);
            double rawEps = records / (rawNs / 1e9);
            out.printf("raw Kafka produce+consume     %,12.0f step records/s  (%.2f s)%n", rawEps, rawNs / 1e9);

            long start = System.nanoTime();
            produce(bs, producerProps, RecordKind.STEP_METRICS.topic(), stepKeys, stepValues);
            awaitCount(stack, "step_metrics", records);
            long pipeNs = System.nanoTime() - start;
            double pipeEps = records / (pipeNs / 1e9);
            out.printf("Kafka -> Flink -> ClickHouse  %,12.0f step records/s  (%.2f s, rows visible)%n", pipeEps,
                    pipeNs / 1e9);
            out.printf("ratio pipeline / raw Kafka    %12.2f   (goal >= 0.5)%n", pipeEps / rawEps);

            start = System.nanoTime();
            produce(bs, producerProps, RecordKind.EXPERT_LOAD.topic(), loadKeys, loadValues);
            awaitCount(stack, "expert_load", expertRecords);
            long loadNs = System.nanoTime() - start;
            double cells = (double) expertRecords * experts / (loadNs / 1e9);
            out.printf("expert-load cells             %,12.0f cells/s (%,d records x %d experts in %.2f s; goal >= 2,000,000)%n",
                    cells, expertRecords, experts, loadNs / 1e9);
            long dead = stack.countFinal("dead_letters");
            if (dead != 0) {
                out.printf("WARNING: %d dead letters during the benchmark%n", dead);
            }
            job.cancel().get(30, TimeUnit.SECONDS);
        }
        return 0;
    }

    static void produce(String bs, Map<String, Object> props, String topic, List<byte[]> keys,
                                List<byte[]> values) {
        Map<String, Object> pp = new HashMap<>(props);
        pp.put("bootstrap.servers", bs);
        pp.put("key.serializer", ByteArraySerializer.class);
        pp.put("value.serializer", ByteArraySerializer.class);
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(pp)) {
            for (int i = 0; i < values.size(); i++) {
                p.send(new ProducerRecord<>(topic, keys.get(i), values.get(i)));
            }
            p.flush();
        }
    }

    static void awaitCount(LocalStack stack, String table, long n) throws InterruptedException {
        Await.until(Duration.ofMinutes(10), n + " rows in " + table,
                () -> Long.parseLong(stack.http().queryValue("SELECT count() FROM " + table).trim()) >= n);
    }
}
