package dev.runlaw.math.cbs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StepsBatchFitterTest {

    /** The authors' published b/a and CBS (Zhang et al. 2024, plots/chinchilla.ipynb). */
    private static final Map<String, double[]> PUBLISHED = Map.of(
            "85M", new double[] {2190.6, 745.3},
            "151M-ablation", new double[] {3239.8, 955.2},
            "302M", new double[] {5432.6, 1393.7},
            "604M", new double[] {7906.6, 1888.5});

    static Map<String, double[][]> zhangGroups() throws IOException {
        Map<String, List<double[]>> rows = new LinkedHashMap<>();
        try (InputStream in = StepsBatchFitterTest.class.getResourceAsStream("/critical-batch/zhang2024-sweep.csv")) {
            String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
            for (int i = 1; i < lines.length; i++) {
                String[] f = lines[i].trim().split(",");
                rows.computeIfAbsent(f[0], k -> new ArrayList<>())
                        .add(new double[] {Double.parseDouble(f[2]), Double.parseDouble(f[3])});
            }
        }
        Map<String, double[][]> groups = new LinkedHashMap<>();
        rows.forEach((g, list) -> {
            double[][] xy = new double[2][list.size()];
            for (int i = 0; i < list.size(); i++) {
                xy[0][i] = list.get(i)[0];
                xy[1][i] = list.get(i)[1];
            }
            groups.put(g, xy);
        });
        return groups;
    }

    @Test
    void reproducesZhangCriticalBatchSizesWithinOnePercent() throws IOException {
        Map<String, double[][]> groups = zhangGroups();
        assertThat(groups.keySet()).containsExactly("85M", "151M-ablation", "302M", "604M");
        groups.forEach((name, xy) -> {
            StepsBatchFit fit = StepsBatchFitter.fit(xy[0], xy[1]);
            double[] published = PUBLISHED.get(name);
            assertThat(fit.bNoise()).as(name + " B_noise").isCloseTo(published[0], within(0.01 * published[0]));
            assertThat(fit.cbs(0.2, 256)).as(name + " CBS").isCloseTo(published[1], within(0.01 * published[1]));
            assertThat(fit.bNoiseLo90()).as(name + " lo").isLessThan(fit.bNoise()).isPositive();
            assertThat(fit.bNoiseHi90()).as(name + " hi").isGreaterThan(fit.bNoise()).isFinite();
            assertThat(fit.r2()).as(name + " R²").isGreaterThan(0.98);
            assertThat(fit.points()).isEqualTo(9);
        });
    }

    @Test
    void recoversKnownLawFromNoisySteps() {
        Random random = new Random(11);
        double sMin = 5000;
        double bNoise = 1500;
        double[] batch = {64, 128, 256, 512, 1024, 2048, 4096, 8192};
        int covered = 0;
        int trials = 200;
        for (int trial = 0; trial < trials; trial++) {
            double[] steps = new double[batch.length];
            for (int i = 0; i < batch.length; i++) {
                steps[i] = sMin * (1 + bNoise / batch[i]) * Math.exp(0.03 * random.nextGaussian());
            }
            StepsBatchFit fit = StepsBatchFitter.fit(batch, steps);
            if (trial == 0) {
                assertThat(fit.bNoise()).isCloseTo(bNoise, within(0.15 * bNoise));
                assertThat(fit.sMin()).isCloseTo(sMin, within(0.1 * sMin));
                assertThat(fit.eMin()).isCloseTo(fit.sMin() * fit.bNoise(), within(1e-6 * fit.eMin()));
                assertThat(fit.steps(256)).isCloseTo(sMin * (1 + bNoise / 256), within(0.05 * sMin * 7));
            }
            if (fit.bNoiseLo90() <= bNoise && bNoise <= fit.bNoiseHi90()) {
                covered++;
            }
        }
        // Profile-likelihood 90 % interval with Gaussian log-noise: coverage 0.90 ± 3 binomial SDs (0.064).
        assertThat(covered / (double) trials).isBetween(0.83, 0.97);
    }

    @Test
    void exactLawComesBackExactly() {
        double[] batch = {32, 100, 300, 1000, 3000};
        double[] steps = new double[batch.length];
        for (int i = 0; i < batch.length; i++) {
            steps[i] = 800 * (1 + 420.0 / batch[i]);
        }
        StepsBatchFit fit = StepsBatchFitter.fit(batch, steps);
        assertThat(fit.bNoise()).isCloseTo(420, within(1e-5 * 420));
        assertThat(fit.sMin()).isCloseTo(800, within(1e-5 * 800));
        assertThat(fit.r2()).isCloseTo(1, within(1e-9));
    }

    @Test
    void unboundedDirectionsOfTheIntervalAreSaid() {
        double[] batch = {64, 256, 1024, 4096};
        // Steps independent of the batch: B_noise ≈ 0, its interval reaches 0.
        StepsBatchFit flat = StepsBatchFitter.fit(batch, new double[] {1000, 1010, 995, 1002});
        assertThat(flat.bNoise()).isLessThan(5);
        assertThat(flat.bNoiseLo90()).isZero();
        assertThat(flat.bNoiseHi90()).isFinite();
        // Perfect linear scaling (S ∝ 1/B): every batch is below B_noise, which has no upper bound.
        StepsBatchFit linear = StepsBatchFitter.fit(batch, new double[] {64_000, 16_100, 3_990, 1_001});
        assertThat(linear.bNoise()).isGreaterThan(10 * 4096);
        assertThat(linear.bNoiseHi90()).isInfinite();
        assertThat(linear.bNoiseLo90()).isPositive().isLessThan(linear.bNoise());
    }

    @Test
    void refusesTooFewOrBadPoints() {
        assertThatThrownBy(() -> StepsBatchFitter.fit(new double[] {64, 128}, new double[] {10, 5}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 3");
        assertThatThrownBy(() -> StepsBatchFitter.fit(new double[] {64, 128, 0}, new double[] {10, 5, 3}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batch[2]");
        assertThatThrownBy(() -> StepsBatchFitter.fit(new double[] {64, 128, 256}, new double[] {10, Double.NaN, 3}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("steps[1]");
        assertThatThrownBy(() -> StepsBatchFitter.fit(new double[] {64, 64, 64}, new double[] {10, 9, 11}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("distinct");
        assertThatThrownBy(() -> StepsBatchFitter.fit(new double[] {64, 128, 256}, new double[] {10, 9}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 values but steps has 2");
    }
}
