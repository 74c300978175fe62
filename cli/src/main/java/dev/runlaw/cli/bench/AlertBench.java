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
 * alone, on the same embedded stack, both jobs running throughout and measured in turn under the {@link Repeats}
 * protocol (each idles while the other is timed). The ingest job is timed as {@code bench ingest} times it (first
 * send until every row is visible in ClickHouse); the alert job writes no row per record, so each run ends with one
 * step whose loss is NaN and the alert job is timed from the first send until every run's NON_FINITE alert is
 * visible in the {@code alerts} table (a run's records stay in order in one partition, so its alert means every
 * earlier step of the run was judged). The alert job reads its own topics ({@code topic.prefix}), so it sees only
 * what is timed; every pass of the {@link RecordPool} is a set of new runs, with fresh per-run state.
 */
@Command(name = "alerts", sortOptions = false,
        description = "Events/s through the live alert job vs. the ingest job alone, same records, interleaved repeats.")
final class AlertBench implements Callable<Integer> {
    private static final String ALERT_PREFIX = "bench-alerts.";

    @Mixin
    HelpOption help;
    @Mixin
    RepeatOptions repeat;
    @Option(names = "--records", paramLabel = "N",
            description = "Step-metric records per pass of the pool; windows send whole passes (default ${DEFAULT-VALUE}).")
    int records = 200_000;
    @Option(names = "--runs", paramLabel = "N", description = "Runs a pass is spread over (default ${DEFAULT-VALUE}).")
    int runs = 100;
    @Option(names = "--parallelism", paramLabel = "P", description = "Both jobs' parallelism (default ${DEFAULT-VALUE}).")
    String parallelism = "1";

    private final PrintStream out;

    AlertBench(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws Exception {
        repeat.check();
        if (records < runs || runs < 1 || records > 50_000_000) {
            throw new IllegalArgumentException("need 1 <= --runs <= --records <= 50,000,000");
        }
        TelemetryCodec codec = new TelemetryCodec();
        out.printf("runlaw bench alerts: passes of %d step-metric records over %d runs; job parallelism %s; %d cores%n",
                records, runs, parallelism, Runtime.getRuntime().availableProcessors());
        RecordPool steps = RecordPool.of("bench-run",
                prefix -> BenchTraffic.stepMetrics(codec, prefix, records, runs, new SplittableRandom(7)));
        RecordPool marked = RecordPool.of("bench-alrt", prefix -> withEndMarkers(codec,
                BenchTraffic.stepMetrics(codec, prefix, records, runs, new SplittableRandom(7)), prefix, records));
        Map<String, Object> producerProps = BenchTraffic.producerProps();

        try (LocalStack stack = LocalStack.start()) {
            String bs = stack.kafka().bootstrapServers();
            List<String> topics = new ArrayList<>();
            for (RecordKind k : RecordKind.values()) {
                topics.add(ALERT_PREFIX + k.topic());
            }
            for (String t : List.of(Topics.FORECASTS, Topics.ALERTS, Topics.DEAD_LETTERS)) {
                topics.add(ALERT_PREFIX + t);
            }
            stack.kafka().createTopics(LocalStack.PARTITIONS, topics.toArray(String[]::new));
            JobClient ingest = stack.startIngest(stack.ingestConfig(Map.of("parallelism", parallelism)));
            JobClient alerts = stack.startAlerts(stack.alertConfig(Map.of("parallelism", parallelism,
                    "topic.prefix", ALERT_PREFIX)));
            String stepTopic = ALERT_PREFIX + RecordKind.STEP_METRICS.topic();

            Repeats.Arm ingestArm = new Repeats.Arm("ingest job alone", passes -> {
                stack.http().execute("TRUNCATE TABLE step_metrics");
                long start = System.nanoTime();
                long n = BenchTraffic.produce(bs, producerProps, RecordKind.STEP_METRICS.topic(), steps, passes);
                BenchTraffic.awaitCount(stack, "SELECT count() FROM step_metrics", n);
                return new Repeats.Window(n, System.nanoTime() - start);
            });
            Repeats.Arm alertArm = new Repeats.Arm("alert job alone", passes -> {
                stack.http().execute("TRUNCATE TABLE alerts");
                long start = System.nanoTime();
                long n = BenchTraffic.produce(bs, producerProps, stepTopic, marked, passes);
                BenchTraffic.awaitCount(stack, endAlerts(marked.runPrefix()), passes * runs);
                return new Repeats.Window(n, System.nanoTime() - start);
            });
            Repeats.run(out, repeat, List.of(ingestArm, alertArm),
                    List.of(new Repeats.Ratio("ratio alert job / ingest job", 1, 0)));
            long other = Long.parseLong(stack.http().queryValue("SELECT count() FROM alerts WHERE run_id LIKE '"
                    + marked.runPrefix() + "-%' AND kind != 'NON_FINITE'").trim());
            out.printf("other alert events on the last window's clean runs: %d%n", other);
            alerts.cancel().get(30, TimeUnit.SECONDS);
            ingest.cancel().get(30, TimeUnit.SECONDS);
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
