package dev.runlaw.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.math.data.RunCurve;
import dev.runlaw.producers.RunDirectory;
import dev.runlaw.producers.TelemetryProducer;
import dev.runlaw.producers.importer.ImportCommand;
import dev.runlaw.producers.importer.ImportCommandAccess;
import dev.runlaw.producers.importer.ImportFixtures;
import dev.runlaw.producers.importer.ImportFixtures.TbScalar;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code runlaw import} end to end on the real stack (embedded Kafka broker, private ClickHouse server, Flink
 * ingest job on a MiniCluster): every format lands in ClickHouse with exact row counts, and an import killed
 * midway and run again loses nothing and duplicates nothing (read with FINAL).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ImportIT {
    static final Path CURVES = TestCurves.dir("mpl-25m");
    @TempDir
    static Path tmp;
    static LocalStack stack;

    @BeforeAll
    static void start() throws Exception {
        stack = LocalStack.start();
        stack.startIngest(stack.ingestConfig(Map.of()));
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    private static String[] args(String format, Object... rest) {
        List<String> a = new ArrayList<>(List.of(format, "--bootstrap", stack.kafka().bootstrapServers(),
                "--state-dir", tmp.resolve("state").toString(), "--no-progress", "--checkpoint-records", "3000"));
        for (Object o : rest) {
            a.add(o.toString());
        }
        return a.toArray(String[]::new);
    }

    /** Runs the command as the launcher does; returns exit code and output. */
    private static Map.Entry<Integer, String> cli(String... args) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8);
        int code = ImportCommand.run(args, ps, ps);
        return Map.entry(code, buf.toString(StandardCharsets.UTF_8));
    }

    @Test
    @Order(1)
    void realRunCsvsKilledMidwayAndResumedLandExactlyOnce() throws Exception {
        Path runs = Files.createDirectories(tmp.resolve("runs"));
        Files.copy(CURVES.resolve("wsd_20000_24000.csv"), runs.resolve("wsd_20000_24000.csv"));
        Files.copy(CURVES.resolve("cosine_24000.csv"), runs.resolve("cosine_24000.csv"));
        RunCurve cosine = RunDirectory.loadFile(runs.resolve("cosine_24000.csv"));
        RunCurve wsd = RunDirectory.loadFile(runs.resolve("wsd_20000_24000.csv"));

        // First attempt dies after 10,000 lines of the first file (cosine): no final flush, no final checkpoint.
        ByteArrayOutputStream first = new ByteArrayOutputStream();
        try (TelemetryProducer p = TelemetryProducer.builder(stack.kafka().bootstrapServers()).build();
             PrintStream ps = new PrintStream(first, true, StandardCharsets.UTF_8)) {
            ImportCommandAccess.execute(args("csv", "--family", "mpl-25m", "--eval-set", "validation", runs), p, ps,
                    10_000);
        }
        assertThat(first.toString(StandardCharsets.UTF_8)).contains("stopped");

        Map.Entry<Integer, String> second = cli(args("csv", "--family", "mpl-25m", "--eval-set", "validation",
                "--finished", runs));
        assertThat(second.getKey()).as(second.getValue()).isZero();
        assertThat(second.getValue()).contains("resumed at byte").contains("4 run records");

        stack.awaitConsumerCaughtUp("runlaw-ingest", Duration.ofMinutes(4));
        assertThat(countFinal("step_metrics", "run_id = 'cosine_24000'")).isEqualTo(cosine.length());
        assertThat(countFinal("step_metrics", "run_id = 'wsd_20000_24000'")).isEqualTo(wsd.length());
        long measured = java.util.Arrays.stream(cosine.loss()).filter(v -> !Double.isNaN(v)).count();
        assertThat(countFinal("step_metrics", "run_id = 'cosine_24000' AND isNotNull(loss)")).isEqualTo(measured);
        assertThat(countFinal("eval_metrics", "run_id = 'cosine_24000' AND eval_set = 'validation'"))
                .isEqualTo(measured);
        assertThat(stack.http().queryValue("SELECT max(step) FROM step_metrics FINAL WHERE run_id = 'cosine_24000'")
                .trim()).isEqualTo(Long.toString(cosine.lastStep()));
        assertThat(stack.http().query("SELECT planned_total_steps, family_id FROM runs FINAL WHERE run_id = "
                + "'wsd_20000_24000'")).isEqualTo(List.of(List.of(Long.toString(wsd.lastStep()), "mpl-25m")));
        assertThat(countFinal("run_finished", "run_id IN ('cosine_24000', 'wsd_20000_24000')")).isEqualTo(2);

        // Third run: both files are complete and unchanged, nothing is read again.
        Map.Entry<Integer, String> third = cli(args("csv", runs));
        assertThat(third.getKey()).isZero();
        assertThat(third.getValue()).contains("2 skipped as already imported, 0 records sent");
    }

    @Test
    @Order(2)
    void jsonlTensorBoardAndMegatronTracesLandWithExactCountsAndMalformedLinesSkipped() throws Exception {
        // JSONL: two runs, 1,500 steps each, with 12 malformed lines among them.
        Path jsonl = tmp.resolve("metrics.jsonl");
        List<String> lines = new ArrayList<>();
        for (int s = 0; s < 1500; s++) {
            for (String run : List.of("jsonl-a", "jsonl-b")) {
                lines.add("{\"run_id\": \"" + run + "\", \"step\": " + s + ", \"lr\": 0.0003, \"loss\": "
                        + (4.0 - s * 1e-3) + ", \"grad_norm\": 0.5, \"tokens_seen\": " + (s * 4096L) + "}");
            }
            if (s % 125 == 0) {
                lines.add("{\"run_id\": \"jsonl-a\", \"step\": " + s + ", \"lr\": 0.0003, \"loss\": NaN}");
            }
        }
        Files.write(jsonl, lines);
        Map.Entry<Integer, String> j = cli(args("jsonl", jsonl));
        assertThat(j.getKey()).as(j.getValue()).isZero();
        // Lines 1 and 2 are steps 0 of both runs; line 3 is the first NaN loss.
        assertThat(j.getValue()).contains("12 malformed").contains(jsonl + ":3: NON_FINITE_LOSS");

        // TensorBoard: a Megatron-style log dir, the run named after the directory.
        Path tbDir = Files.createDirectories(tmp.resolve("tb/tb-run-7"));
        List<TbScalar> scalars = new ArrayList<>();
        for (int s = 1; s <= 800; s++) {
            double wall = 1.76e9 + s;
            scalars.add(new TbScalar(s, wall, "learning-rate", (float) (3e-4 * Math.min(1, s / 100.0)), false));
            scalars.add(new TbScalar(s, wall, "lm loss", (float) (5.0 / Math.sqrt(s)), s % 2 == 0));
        }
        ImportFixtures.writeEvents(tbDir.resolve("events.out.tfevents.1760000000.node0.1.0"), scalars);
        Map.Entry<Integer, String> tb = cli(args("tensorboard", tmp.resolve("tb")));
        assertThat(tb.getKey()).as(tb.getValue()).isZero();

        // Megatron router traces, two ranks; the first import is killed inside rank 0's third step.
        Path traces = Files.createDirectories(tmp.resolve("traces"));
        long routes = ImportFixtures.writeMegatronTrace(traces.resolve("router_trace_rank0.jsonl"), 0, 5, 2, 4, 64,
                2, 16)
                + ImportFixtures.writeMegatronTrace(traces.resolve("router_trace_rank1.jsonl"), 1, 5, 2, 4, 64, 2, 16);
        try (TelemetryProducer p = TelemetryProducer.builder(stack.kafka().bootstrapServers()).build();
             PrintStream ps = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)) {
            ImportCommandAccess.execute(args("megatron-routing", "--run-id", "moe-trace", "--batch-tokens", "200",
                    "--checkpoint-records", "5", traces), p, ps, 2 * 2 * 4 + 3);
        }
        Map.Entry<Integer, String> mg = cli(args("megatron-routing", "--run-id", "moe-trace", "--batch-tokens", "200",
                "--checkpoint-records", "5", traces));
        assertThat(mg.getKey()).as(mg.getValue()).isZero();
        assertThat(mg.getValue()).contains("resumed at byte");

        stack.awaitConsumerCaughtUp("runlaw-ingest", Duration.ofMinutes(4));
        assertThat(countFinal("step_metrics", "run_id = 'jsonl-a'")).isEqualTo(1500);
        assertThat(countFinal("step_metrics", "run_id = 'jsonl-b' AND grad_norm = 0.5")).isEqualTo(1500);
        assertThat(countFinal("step_metrics", "run_id = 'tb-run-7'")).isEqualTo(800);
        assertThat(countFinal("step_metrics", "run_id = 'tb-run-7' AND lr > 0 AND isNotNull(loss)")).isEqualTo(800);
        assertThat(countFinal("runs", "run_id IN ('jsonl-a', 'jsonl-b', 'tb-run-7')")).isEqualTo(3);
        assertThat(routes).isEqualTo(2 * 5 * 2 * 4 * 64);
        assertThat(countFinal("routing_trace", "source = 'moe-trace'")).isEqualTo(routes);
        assertThat(countFinal("routing_trace", "source = 'moe-trace' AND sequence_id = 'rank1' AND step = 4 "
                + "AND layer = 3")).isEqualTo(2 * 64);
        assertThat(stack.countFinal("dead_letters")).isZero();
    }

    private static long countFinal(String table, String where) {
        return Long.parseLong(stack.http().queryValue("SELECT count() FROM " + table + " FINAL WHERE " + where)
                .trim());
    }

}
