package dev.runlaw.cli.cbs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runlaw.cli.Main;
import dev.runlaw.local.ProjectRoot;
import dev.runlaw.producers.command.Commands;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CbsCommandTest {
    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        int code = Commands.execute(Main.commandLine(o, e), args, o, e);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Path zhang() throws IOException {
        return ProjectRoot.find().resolve("jobs/math/src/test/resources/critical-batch/zhang2024-sweep.csv");
    }

    @Test
    void sweepReproducesZhangAndPredictsAtNewDataSize() throws IOException {
        Path report = dir.resolve("sweep.json");
        Run r = run("cbs", "sweep", "--seq-len", "512", "--predict-tokens", "2e10", "--report", report.toString(),
                zhang().toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        double[][] published = {{2190.6, 745.3}, {3239.8, 955.2}, {5432.6, 1393.7}, {7906.6, 1888.5}};
        String[] names = {"85M", "151M-ablation", "302M", "604M"};
        assertThat(json.get("groups")).hasSize(4);
        double previousTokens = 0;
        for (int i = 0; i < 4; i++) {
            JsonNode g = json.get("groups").get(i);
            assertThat(g.get("group").asText()).isEqualTo(names[i]);
            assertThat(g.get("b_noise").asDouble()).isCloseTo(published[i][0], within(0.01 * published[i][0]));
            assertThat(g.get("cbs").asDouble()).isCloseTo(published[i][1], within(0.01 * published[i][1]));
            assertThat(g.get("b_noise_lo90").asDouble()).isLessThan(g.get("b_noise").asDouble());
            assertThat(g.get("b_noise_hi90").asDouble()).isGreaterThan(g.get("b_noise").asDouble());
            double tokens = g.get("tokens_to_target").asDouble();
            double sAt256 = g.get("s_min").asDouble() * (1 + g.get("b_noise").asDouble() / 256);
            assertThat(tokens).isCloseTo(sAt256 * 256 * 512, within(1.0)).isGreaterThan(previousTokens);
            previousTokens = tokens;
            assertThat(g.get("r2").asDouble()).isGreaterThan(0.99);
        }
        JsonNode scaling = json.get("scaling");
        assertThat(scaling.get("beta").asDouble()).isBetween(scaling.get("beta_lo90").asDouble(),
                scaling.get("beta_hi90").asDouble()).isBetween(0.3, 1.0);
        JsonNode p = json.get("predictions").get(0);
        assertThat(p.get("tokens").asDouble()).isEqualTo(2e10);
        double bNoise = p.get("b_noise").asDouble();
        assertThat(bNoise).isCloseTo(scaling.get("k").asDouble() * Math.pow(2e10, scaling.get("beta").asDouble()),
                within(1e-6 * bNoise)).isGreaterThan(7906.6);
        assertThat(p.get("cbs").asDouble()).isCloseTo(1.2 * 256 + 0.2 * bNoise, within(1e-6 * bNoise));
        assertThat(p.get("lo90").asDouble()).isLessThan(p.get("cbs").asDouble());
        assertThat(p.get("hi90").asDouble()).isGreaterThan(p.get("cbs").asDouble());
    }

    @Test
    void sweepWithoutSeqLenHasNoTokensNoScaling() throws IOException {
        Path report = dir.resolve("plain.json");
        Run r = run("cbs", "sweep", "--base-batch", "128", "--overhead", "0.1", "--report", report.toString(),
                zhang().toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        JsonNode g = json.get("groups").get(0);
        assertThat(g.has("tokens_to_target")).isFalse();
        assertThat(g.get("cbs").asDouble()).isCloseTo(1.1 * 128 + 0.1 * g.get("b_noise").asDouble(), within(1e-6));
        assertThat(json.get("scaling").isNull()).isTrue();
        assertThat(json.get("predictions")).isEmpty();
        Run predict = run("cbs", "sweep", "--predict-tokens", "1e10", zhang().toString());
        assertThat(predict.code()).isEqualTo(Commands.USAGE);
        assertThat(predict.err()).contains("--seq-len");
    }

    @Test
    void sweepRefusesBadFilesWithFileAndLine() throws IOException {
        String header = "group,target_loss,batch_size,steps\n";
        assertBad(header + "a,3,64,100\na,3,128,abc\na,3,256,20\n", ":3: steps must be a number");
        assertBad(header + "a,3,64,100\na,3,64,90\na,3,256,20\n", ":3: group a already has a row for batch_size 64");
        assertBad(header + "a,3,64,100\na,3,128,60\na,3.1,256,20\n", ":4: group a has target_loss 3.0");
        assertBad(header + "a,3,64,100\na,3,128,60\nb,3,64,10\nb,3,128,8\nb,3,256,7\n",
                ":2: group a has 2 batch size(s)");
        assertBad(header + "a,3,-64,100\n", ":2: batch_size must be finite and > 0");
        assertBad("group,batch_size,steps\na,64,100\n", ":1: header must name columns group,target_loss,batch_size,"
                + "steps");
        assertBad(header + "a,3,64\n", ":2: expected 4 columns, got 3");
    }

    private void assertBad(String csv, String message) throws IOException {
        Path f = Files.writeString(dir.resolve("bad.csv"), csv);
        Run r = run("cbs", "sweep", f.toString());
        assertThat(r.code()).as(csv).isEqualTo(Commands.USAGE);
        assertThat(r.err()).startsWith("runlaw cbs sweep: " + f + message.substring(0, message.indexOf(':', 1)))
                .contains(f + message);
        assertThat(r.out()).isEmpty();
    }

    /** A run whose true B_simple is 100 (|G|² = 1, tr(Σ) = 100), noisy norms measured at batches 8 and 32. */
    private Path gnsRun(String name, int steps, double gradSq, long seed) throws IOException {
        Random random = new Random(seed);
        List<String> lines = new ArrayList<>();
        lines.add("step,loss,grad_sq_norm_small,batch_small,grad_sq_norm_big,batch_big");
        for (int s = 1; s <= steps; s++) {
            double small = gradSq + 100.0 / 8 * (1 + 0.05 * random.nextGaussian());
            double big = gradSq + 100.0 / 32 * (1 + 0.05 * random.nextGaussian());
            lines.add(String.format(Locale.ROOT, "%d,3.0,%.6f,8,%.6f,32", s, small, big));
            if (s == 40) {
                lines.add("41,2.9,,8,,32"); // not measured at this step: skipped
                s++;
            }
        }
        return Files.write(dir.resolve(name + ".csv"), lines);
    }

    @Test
    void gnsReportsAPointEveryKStepsAndAtTheLast() throws IOException {
        Path a = gnsRun("run-a", 120, 1.0, 1);
        Path zero = gnsRun("flat", 60, 0.0, 2);
        Path report = dir.resolve("gns.json");
        Run r = run("cbs", "gns", "--every", "25", "--report", report.toString(), a.toString(), zero.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("run-a: 119 steps").contains("flat: 59 steps");
        JsonNode runs = new ObjectMapper().readTree(report.toFile()).get("runs");
        assertThat(runs).hasSize(2);
        assertThat(runs.get(0).get("name").asText()).isEqualTo("run-a");
        JsonNode points = runs.get(0).get("points");
        List<Long> steps = new ArrayList<>();
        points.forEach(p -> steps.add(p.get("step").asLong()));
        assertThat(steps).containsExactly(25L, 50L, 75L, 100L, 120L);
        JsonNode last = points.get(4);
        assertThat(last.get("status").asText()).isEqualTo("OK");
        assertThat(last.get("b_simple").asDouble()).isCloseTo(100, within(15.0));
        assertThat(last.get("lo90").asDouble()).isLessThan(last.get("b_simple").asDouble());
        assertThat(last.get("hi90").asDouble()).isGreaterThan(last.get("b_simple").asDouble());
        assertThat(points.get(0).get("status").asText()).isEqualTo("WARMING_UP");
        // |G|² = 0: B_simple is unbounded, reported as a lower bound with hi90 null.
        JsonNode flat = runs.get(1).get("points");
        JsonNode end = flat.get(flat.size() - 1);
        assertThat(end.get("step").asLong()).isEqualTo(60);
        assertThat(end.get("status").asText()).isEqualTo("LOWER_BOUND_ONLY");
        assertThat(end.get("hi90").isNull()).isTrue();
    }

    @Test
    void gnsRefusesBadRowsWithFileAndLine() throws IOException {
        String header = "step,grad_sq_norm_small,batch_small,grad_sq_norm_big,batch_big\n";
        assertGnsBad(header + "1,5,8,2,32\n2,-5,8,2,32\n", ":3: squared gradient norm is negative");
        assertGnsBad(header + "1,5,8,2,32\n2,NaN,8,2,32\n", ":3: squared gradient norm is NaN or infinite");
        assertGnsBad(header + "1,5,32,2,32\n", ":2: batch_small must be >= 1 and below batch_big, got 32 and 32");
        assertGnsBad(header + "2,5,8,2,32\n2,5,8,2,32\n", ":3: step 2 is not after the previous row's step");
        assertGnsBad(header + "1,5,8,x,32\n", ":2: grad_sq_norm_big must be a number, got 'x'");
        assertGnsBad(header + "1,5,8.5,2,32\n", ":2: batch_small must be an integer, got '8.5'");
        assertGnsBad("step,grad_sq_norm_small,batch_small\n1,5,8\n", ":1: header must name columns");
        assertGnsBad(header, ":1: no row with squared gradient norms");
        Run every = run("cbs", "gns", "--every", "0", "x.csv");
        assertThat(every.code()).isEqualTo(Commands.USAGE);
        assertThat(every.err()).contains("--every must be >= 1");
    }

    private void assertGnsBad(String csv, String message) throws IOException {
        Path f = Files.writeString(dir.resolve("bad-gns.csv"), csv);
        Run r = run("cbs", "gns", f.toString());
        assertThat(r.code()).as(csv).isEqualTo(Commands.USAGE);
        assertThat(r.err()).startsWith("runlaw cbs gns: ").contains(f + message);
    }
}
