package dev.runlaw.cli.backtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runlaw.math.law.MomentumLaw;
import dev.runlaw.math.schedule.Decay;
import dev.runlaw.math.schedule.LrSchedule;
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

class BacktestCommandTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return BacktestCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private Path write(String name, List<String> lines) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, lines);
        return p;
    }

    private Path synthetic(String name, LrSchedule s, long seed) throws IOException {
        double[] truth = {3.0, 0.5, 0.5, 0.4};
        MomentumLaw law = MomentumLaw.withLambda(0.999);
        Random rnd = new Random(seed);
        List<String> lines = new ArrayList<>();
        lines.add("step,lr,loss");
        for (long t = 0; t <= s.lastStep(); t++) {
            String loss = t > s.peakStep() && t % 100 == 0
                    ? String.format(Locale.ROOT, "%.6f", law.predict(truth, s, t) * Math.exp(5e-4 * rnd.nextGaussian()))
                    : "";
            lines.add(t + "," + s.lrAt(t) + "," + loss);
        }
        return write(name + ".csv", lines);
    }

    @Test
    void namesFileAndLineOfNonMonotonicSteps() throws IOException {
        Path bad = write("bad.csv", List.of("step,lr,loss", "0,0.0,", "1,1e-4,3.0", "3,1e-4,2.9"));
        assertThat(run("--fit", bad.toString(), "--predict", bad.toString())).isNotZero();
        assertThat(stderr()).contains(bad + ":4:").contains("increase by 1");
    }

    @Test
    void rejectsMissingColumnsNonFiniteValuesAndEmptyLoss() throws IOException {
        Path noLr = write("nolr.csv", List.of("step,loss", "0,3.0"));
        assertThat(run("--fit", noLr.toString(), "--predict", noLr.toString())).isEqualTo(2);
        assertThat(stderr()).contains(noLr + ":1:");
        Path inf = write("inf.csv", List.of("step,lr,loss", "0,0.0,", "1,Infinity,3.0"));
        assertThat(run("--fit", inf.toString(), "--predict", inf.toString())).isEqualTo(2);
        assertThat(stderr()).contains(inf + ":3:").contains("not finite");
        Path empty = write("empty.csv", List.of("step,lr,loss", "0,0.0,", "1,1e-4,"));
        assertThat(run("--fit", empty.toString(), "--predict", empty.toString())).isEqualTo(2);
        assertThat(stderr()).contains("empty.csv").contains("no loss values");
    }

    @Test
    void rejectsMisuse() {
        assertThat(run("--fit", "a.csv")).isEqualTo(2);
        assertThat(stderr()).contains("--predict");
        assertThat(run("--predict", "a.csv", "--observe-fraction", "1.5")).isEqualTo(2);
        assertThat(run("--predict", "a.csv", "--law", "magic", "--fit", "b.csv")).isEqualTo(2);
        assertThat(run("--predict", "missing.csv", "--fit", "missing.csv")).isEqualTo(2);
        assertThat(stderr()).contains("missing.csv");
    }

    @Test
    void scoresPredictedRunsAndWritesTheReport() throws IOException {
        Path cos = synthetic("cosine", LrSchedule.cosine(6000, 300, 3e-4, 3e-5), 1);
        Path con = synthetic("constant", LrSchedule.constant(6000, 300, 3e-4), 2);
        Path wsd = synthetic("wsd", LrSchedule.wsd(9000, 300, 7000, 3e-4, 3e-5, Decay.LINEAR), 3);
        Path report = dir.resolve("r.json");
        int code = run("--fit", cos.toString(), con.toString(), "--predict", wsd.toString(), "--law", "momentum",
                "--report", report.toString());
        assertThat(code).as(stderr()).isZero();
        JsonNode j = BacktestCommand.mapper().readTree(report.toFile());
        JsonNode r = j.get("runs").get(0);
        assertThat(r.get("name").asText()).isEqualTo("wsd");
        assertThat(r.get("pred_e").asDouble()).isLessThan(0.002);
        assertThat(r.get("final_err").asDouble()).isLessThan(0.005);
        for (String f : List.of("final_pred", "final_true", "lo90", "hi90", "covered")) {
            assertThat(r.has(f)).as(f).isTrue();
        }
        for (String f : List.of("mean_pred_e", "mean_final_err", "max_final_err", "coverage90", "fit_ms")) {
            assertThat(j.has(f)).as(f).isTrue();
        }
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("mean_pred_e");
    }

    @Test
    void observeFractionScoresOnlyAfterTheCut() throws IOException {
        Path cos = synthetic("cosine", LrSchedule.cosine(6000, 300, 3e-4, 3e-5), 1);
        Path wsd = synthetic("wsd", LrSchedule.wsd(9000, 300, 7000, 3e-4, 3e-5, Decay.LINEAR), 3);
        Path report = dir.resolve("r.json");
        assertThat(run("--reference", cos.toString(), "--predict", wsd.toString(), "--observe-fraction", "0.4",
                "--law", "auto", "--report", report.toString())).as(stderr()).isZero();
        JsonNode r = BacktestCommand.mapper().readTree(report.toFile()).get("runs").get(0);
        // 9000 steps, cut after step 3599: points 3600..8900 every 100.
        assertThat(r.get("scored_points").asInt()).isEqualTo(54);
        assertThat(r.get("final_err").asDouble()).isLessThan(0.005);
    }
}
