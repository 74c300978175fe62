package dev.runlaw.cli.bench;

import dev.runlaw.cli.LocalStack;
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
 * {@code ./runlaw bench alerts}: step-metric records per second through the live alert job against the ingest job
 * alone, the same records on the same embedded stack, one after the other in one run. The ingest job is timed as
 * {@code bench ingest} times it (first send until every row is visible in ClickHouse); the alert job writes no row
 * per record, so each run ends with one step whose loss is NaN and the alert job is timed from the first send until
 * every run's NON_FINITE alert is visible in the {@code alerts} table (a run's records stay in order in one
 * partition, so its alert means every earlier step of the run was judged). The alert job reads its own topics
 * ({@code topic.prefix}), so it sees only what is timed, with fresh per-run state.
 */
@Command(name = "alerts", sortOptions = false,
        description = "Events/s through the live alert job vs. the ingest job alone, same records, one run.")
final class AlertBench implements Callable<Integer> {
    private static final int WARMUP = 20_000;
    private static final String ALERT_PREFIX = "bench-alerts.";

    @Mixin
    HelpOption help;
    @Option(names = "--records", paramLabel = "N", description = "Step-metric records (default ${DEFAULT-VALUE}).")
    int records = 1_000_000;
    @Option(names = "--runs", paramLabel = "N", description = "Runs they are spread over (default ${DEFAULT-VALUE}).")
    int runs = 100;
    @Option(names = "--parallelism", paramLabel = "P", description = "Both jobs' parallelism (default ${DEFAULT-VALUE}).")
    String parallelism = "1";

    private final PrintStream out;

    AlertBench(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws Exception {
        if (records < runs || runs < 1 || records > 50_000_000) {
            throw new IllegalArgumentException("need 1 <= --runs <= --records <= 50,000,000");
        }
        TelemetryCodec codec = new TelemetryCodec();
        out.printf("runlaw bench alerts: %d step-metric records over %d runs; job parallelism %s%n", records, runs,
                parallelism);
        BenchTraffic.Encoded steps = BenchTraffic.stepMetrics(codec, "bench-run", records, runs,
                new SplittableRandom(7));
        BenchTraffic.Encoded warm = BenchTraffic.stepMetrics(codec, "warm-run", WARMUP, runs, new SplittableRandom(8));
        Map<String, Object> producerProps = BenchTraffic.producerProps();

        try (LocalStack stack = LocalStack.start()) {
            String bs = stack.kafka().bootstrapServers();
            JobClient ingest = stack.startIngest(stack.ingestConfig(Map.of("parallelism", parallelism)));
            BenchTraffic.produce(bs, producerProps, RecordKind.STEP_METRICS.topic(), warm);
            BenchTraffic.awaitCount(stack, "SELECT count() FROM step_metrics", WARMUP);
            stack.http().execute("TRUNCATE TABLE step_metrics");
            long start = System.nanoTime();
            BenchTraffic.produce(bs, producerProps, RecordKind.STEP_METRICS.topic(), steps);
            BenchTraffic.awaitCount(stack, "SELECT count() FROM step_metrics", records);
            long ingestNs = System.nanoTime() - start;
            ingest.cancel().get(30, TimeUnit.SECONDS);
            double ingestEps = records / (ingestNs / 1e9);
            out.printf("ingest job alone              %,12.0f step records/s  (%.2f s, rows visible)%n", ingestEps,
                    ingestNs / 1e9);

            List<String> topics = new ArrayList<>();
            for (RecordKind k : RecordKind.values()) {
                topics.add(ALERT_PREFIX + k.topic());
            }
            for (String t : List.of(Topics.FORECASTS, Topics.ALERTS, Topics.DEAD_LETTERS)) {
                topics.add(ALERT_PREFIX + t);
            }
            stack.kafka().createTopics(LocalStack.PARTITIONS, topics.toArray(String[]::new));
            JobClient alerts = stack.startAlerts(stack.alertConfig(Map.of("parallelism", parallelism,
                    "topic.prefix", ALERT_PREFIX)));
            String stepTopic = ALERT_PREFIX + RecordKind.STEP_METRICS.topic();
            BenchTraffic.produce(bs, producerProps, stepTopic, withEndMarkers(codec, warm, "warm-run", WARMUP));
            BenchTraffic.awaitCount(stack, endAlerts("warm-run"), runs);
            start = System.nanoTime();
            BenchTraffic.produce(bs, producerProps, stepTopic, withEndMarkers(codec, steps, "bench-run", records));
            BenchTraffic.awaitCount(stack, endAlerts("bench-run"), runs);
            long alertNs = System.nanoTime() - start;
            double alertEps = (records + runs) / (alertNs / 1e9);
            out.printf("alert job alone               %,12.0f step records/s  (%.2f s, every run's last alert visible)%n",
                    alertEps, alertNs / 1e9);
            out.printf("ratio alert job / ingest job  %12.2f%n", alertEps / ingestEps);
            long other = Long.parseLong(stack.http().queryValue("SELECT count() FROM alerts WHERE run_id LIKE"
                    + " 'bench-run-%' AND kind != 'NON_FINITE'").trim());
            out.printf("other alert events on these clean runs: %d%n", other);
            alerts.cancel().get(30, TimeUnit.SECONDS);
        }
        return 0;
    }

    /** {@code steps} followed by one NaN-loss step per run, after its last one. */
    private BenchTraffic.Encoded withEndMarkers(TelemetryCodec codec, BenchTraffic.Encoded steps, String prefix,
                                                int n) {
        List<byte[]> keys = new ArrayList<>(steps.keys());
        List<byte[]> values = new ArrayList<>(steps.values());
        long last = (n - 1) / runs + 1;
        for (int r = 0; r < runs; r++) {
            String run = BenchTraffic.runName(prefix, r);
            keys.add(run.getBytes(StandardCharsets.UTF_8));
            values.add(codec.encode(StepMetrics.newBuilder().setRunId(run).setStep(last)
                    .setWallTimeMs(BenchTraffic.T0 + last * 1000L).setLr(3e-4).setLoss(Double.NaN).build()));
        }
        return new BenchTraffic.Encoded(keys, values);
    }

    private static String endAlerts(String prefix) {
        return "SELECT count() FROM alerts WHERE kind = 'NON_FINITE' AND state = 'OPEN' AND run_id LIKE '" + prefix
                + "-%'";
    }
}
