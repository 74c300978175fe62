package dev.runlaw.math.cbs;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Not a test: the experiment behind the default half-life (docs/batch-size.md). Replays seeded synthetic runs
 * ({@link SyntheticGradients}) through one estimator per half-life and prints the median and 90th-percentile
 * relative error of B_simple and the coverage of the 90 % interval at checkpoints every 50 steps after step 300.
 *
 * <p>Run after {@code mvn -o -q -B -pl jobs/math test-compile}: {@code java -cp
 * jobs/math/target/classes:jobs/math/target/test-classes:HIPPARCHUS_JARS dev.runlaw.math.cbs.NoiseScaleExperiment
 * RUNS DIM START_B RISE SPECTRUM}
 */
public final class NoiseScaleExperiment {
    private static final NoiseScaleSettings[] CONFIGS = {
        NoiseScaleSettings.defaults().withRungs(1).withHalfLifeSteps(50),
        NoiseScaleSettings.defaults().withRungs(3).withHalfLifeSteps(100),
        NoiseScaleSettings.defaults().withRungs(4).withHalfLifeSteps(100),
        NoiseScaleSettings.defaults().withRungs(4).withHalfLifeSteps(200),
        NoiseScaleSettings.defaults().withRungs(5).withHalfLifeSteps(200),
    };

    private NoiseScaleExperiment() {
    }

    public static void main(String[] args) {
        int runs = Integer.parseInt(args[0]);
        int dim = Integer.parseInt(args[1]);
        double startB = Double.parseDouble(args[2]);
        double rise = Double.parseDouble(args[3]);
        double spectrum = Double.parseDouble(args[4]);
        long steps = 3000;
        int m = CONFIGS.length;
        List<List<Double>> errors = new ArrayList<>();
        int[] covered = new int[m];
        int total = 0;
        for (int i = 0; i < m; i++) {
            errors.add(new ArrayList<>());
        }
        for (int seed = 1; seed <= runs; seed++) {
            SyntheticGradients.Trajectory truth = new SyntheticGradients.Trajectory(seed, startB, rise, steps, 400, 40);
            SyntheticGradients gen = new SyntheticGradients(seed, dim, 4, 8, truth, spectrum);
            NoiseScaleEstimator[] est = new NoiseScaleEstimator[m];
            for (int i = 0; i < m; i++) {
                est[i] = new NoiseScaleEstimator(CONFIGS[i]);
            }
            for (long t = 1; t <= steps; t++) {
                SyntheticGradients.Step s = gen.next();
                for (NoiseScaleEstimator e : est) {
                    e.add(s.step(), s.gradSqSmall(), s.batchSmall(), s.gradSqBig(), s.batchBig(), 0);
                }
                if (t >= 300 && t % 50 == 0) {
                    total++;
                    double b = s.trueBSimple();
                    for (int i = 0; i < m; i++) {
                        NoiseScaleEstimate e = est[i].estimate();
                        errors.get(i).add(Double.isNaN(e.bSimple()) ? 1 : Math.abs(e.bSimple() - b) / b);
                        if (e.lo90() <= b && b <= e.hi90()) {
                            covered[i]++;
                        }
                    }
                }
            }
        }
        for (int i = 0; i < m; i++) {
            double[] sorted = errors.get(i).stream().mapToDouble(Double::doubleValue).sorted().toArray();
            System.out.println(String.format(Locale.ROOT,
                    "half-life %6.1f x%d  median rel err %.3f  p90 %.3f  coverage %.3f  n %d", CONFIGS[i].halfLifeSteps(), CONFIGS[i].rungs(),
                    sorted[sorted.length / 2], sorted[(int) (0.9 * sorted.length)], covered[i] / (double) total,
                    total));
        }
    }
}
