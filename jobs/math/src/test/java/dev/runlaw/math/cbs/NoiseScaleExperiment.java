package dev.runlaw.math.cbs;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Not a test: the experiment behind the estimator's defaults (docs/batch-size.md). Replays seeded synthetic runs
 * ({@link SyntheticGradients}: dimension 1000, 4 micro-batches of 8, B_simple rising 4× over 3000 steps with 2–4×
 * jumps every 400–800 steps) through single exponential means of several half-lives and the default ladder, in
 * four noise regimes, and prints markdown rows: median and 90th-percentile relative error of B_simple and the
 * coverage of the 90 % band at checkpoints every 50 steps from step 300.
 *
 * <p>Run after {@code mvn -o -q -B -pl jobs/math test-compile}: {@code java -cp
 * jobs/math/target/classes:jobs/math/target/test-classes:HIPPARCHUS_CORE_JAR
 * dev.runlaw.math.cbs.NoiseScaleExperiment [SEEDS]}
 */
public final class NoiseScaleExperiment {
    private static final NoiseScaleSettings[] CONFIGS = {
        NoiseScaleSettings.defaults().withRungs(1).withHalfLifeSteps(25),
        NoiseScaleSettings.defaults().withRungs(1).withHalfLifeSteps(50),
        NoiseScaleSettings.defaults().withRungs(1).withHalfLifeSteps(100),
        NoiseScaleSettings.defaults().withRungs(1).withHalfLifeSteps(200),
        NoiseScaleSettings.defaults(),
    };
    /** {spectrum exponent, B_simple at step 0}: from quiet (large effective dimension, small B) to noisy. */
    private static final double[][] REGIMES = {{0.5, 10}, {1.0, 30}, {1.0, 200}, {1.5, 200}};

    private NoiseScaleExperiment() {
    }

    public static void main(String[] args) {
        int seeds = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        long steps = 3000;
        System.out.println("| regime (σ² ∝ j^-a, B_simple at step 0) | estimator | median rel. error | p90 rel. error"
                + " | 90 % band coverage | checkpoints |");
        System.out.println("|---|---|---:|---:|---:|---:|");
        for (double[] regime : REGIMES) {
            int m = CONFIGS.length;
            List<List<Double>> errors = new ArrayList<>();
            int[] covered = new int[m];
            int total = 0;
            for (int i = 0; i < m; i++) {
                errors.add(new ArrayList<>());
            }
            for (int seed = 1; seed <= seeds; seed++) {
                SyntheticGradients gen = new SyntheticGradients(seed, 1000, 4, 8,
                        new SyntheticGradients.Trajectory(seed, regime[1], 4, steps, 400, 40), regime[0]);
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
                            // An undefined B_simple (smoothed |G|² ≤ 0) counts as 100 % error.
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
                String name = CONFIGS[i].rungs() == 1
                        ? String.format(Locale.ROOT, "one mean, half-life %.0f", CONFIGS[i].halfLifeSteps())
                        : String.format(Locale.ROOT, "**default: ladder %.0f…%.1f**", CONFIGS[i].halfLifeSteps(),
                                CONFIGS[i].halfLifeSteps() / Math.pow(2, CONFIGS[i].rungs() - 1));
                System.out.println(String.format(Locale.ROOT, "| a = %.1f, B = %.0f | %s | %.3f | %.3f | %.3f | %d |",
                        regime[0], regime[1], name, sorted[sorted.length / 2], sorted[(int) (0.9 * sorted.length)],
                        covered[i] / (double) total, total));
            }
        }
    }
}
