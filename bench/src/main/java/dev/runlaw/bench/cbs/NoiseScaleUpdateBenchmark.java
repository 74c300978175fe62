package dev.runlaw.bench.cbs;

import dev.runlaw.math.cbs.NoiseScaleEstimator;
import dev.runlaw.math.cbs.NoiseScaleSettings;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Cost per step of the gradient-noise-scale estimator's update ({@link NoiseScaleEstimator#add} with the default
 * ladder of 5 half-lives; and with one) against the naive baseline measured in the same JMH run: an exponential
 * mean of the per-step ratio tr(Σ)_t/|G|²_t (what a trainer-side script does; biased, but the cheapest possible
 * update). Also the cost of one {@link NoiseScaleEstimator#estimate()} (the live job calls it every N steps).
 * {@value #STEPS} seeded steps (B_simple ≈ 100 at batches 8 and 32, 30 % noise on the squared norms).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class NoiseScaleUpdateBenchmark {
    /** Steps per invocation. */
    public static final int STEPS = 100_000;

    /** The synthetic norms, built once. */
    @State(Scope.Benchmark)
    public static class Norms {
        double[] small = new double[STEPS];
        double[] big = new double[STEPS];
        NoiseScaleEstimator warm;

        @Setup(Level.Trial)
        public void build() {
            SplittableRandom rnd = new SplittableRandom(42);
            for (int i = 0; i < STEPS; i++) {
                small[i] = 1 + 100.0 / 8 * (1 + 0.3 * gaussian(rnd));
                big[i] = 1 + 100.0 / 32 * (1 + 0.3 * gaussian(rnd));
            }
            warm = new NoiseScaleEstimator(NoiseScaleSettings.defaults());
            for (int i = 0; i < 1000; i++) {
                warm.add(i + 1, small[i], 8, big[i], 32, 0);
            }
        }

        private static double gaussian(SplittableRandom r) {
            return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
        }
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public NoiseScaleEstimator runlawUpdate(Norms n) {
        NoiseScaleEstimator e = new NoiseScaleEstimator(NoiseScaleSettings.defaults());
        for (int i = 0; i < STEPS; i++) {
            e.add(i + 1, n.small[i], 8, n.big[i], 32, 0);
        }
        return e;
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public NoiseScaleEstimator runlawUpdateOneHalfLife(Norms n) {
        NoiseScaleEstimator e = new NoiseScaleEstimator(NoiseScaleSettings.defaults().withRungs(1));
        for (int i = 0; i < STEPS; i++) {
            e.add(i + 1, n.small[i], 8, n.big[i], 32, 0);
        }
        return e;
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public double naiveRatioMean(Norms n) {
        double decay = Math.pow(0.5, 1 / NoiseScaleSettings.DEFAULT_HALF_LIFE_STEPS);
        double weight = 0;
        double mean = 0;
        for (int i = 0; i < STEPS; i++) {
            double g = (32 * n.big[i] - 8 * n.small[i]) / 24;
            double s = (n.small[i] - n.big[i]) / (1.0 / 8 - 1.0 / 32);
            weight = decay * weight + 1;
            mean += (s / g - mean) / weight;
        }
        return mean;
    }

    @Benchmark
    public double runlawEstimate(Norms n) {
        return n.warm.estimate().bSimple();
    }
}
