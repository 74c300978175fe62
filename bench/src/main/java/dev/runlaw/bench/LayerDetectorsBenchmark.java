package dev.runlaw.bench;

import dev.runlaw.math.anomaly.AnomalySettings;
import dev.runlaw.math.anomaly.LayerDetectors;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Per-step cost of the MoE detectors of one layer ({@link LayerDetectors} with default settings: IMBALANCE,
 * DEAD_EXPERT, ROUTER_COLLAPSE, DROP_RATE), for a layer of 8 and of 256 experts. The loads are seeded multinomial
 * top-2 routings of 2,048 tokens per step with a mild skew (one expert at twice the mean share), precomputed
 * (1,024 distinct steps, cycled) so that only the detectors are timed; a dropped-token count is given so the
 * DROP_RATE rule runs too. The detector runs on across invocations (steady state, no alert raised).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class LayerDetectorsBenchmark {
    /** Steps fed per invocation (one operation each). */
    public static final int STEPS = 1024;

    /** Experts in the layer. */
    @Param({"8", "256"})
    public int experts;

    private long[][] loads;
    private LayerDetectors detectors;
    private long step;

    @Setup(Level.Trial)
    public void setUp() {
        Random rnd = new Random(17);
        double[] cdf = new double[experts];
        double acc = 0;
        for (int e = 0; e < experts; e++) {
            acc += e == 0 ? 2.0 : 1.0;
            cdf[e] = acc;
        }
        loads = new long[STEPS][experts];
        for (int s = 0; s < STEPS; s++) {
            for (int slot = 0; slot < 2 * 2048; slot++) {
                int e = java.util.Arrays.binarySearch(cdf, rnd.nextDouble() * acc);
                loads[s][Math.min(e >= 0 ? e : -e - 1, experts - 1)]++;
            }
        }
        detectors = new LayerDetectors(0, AnomalySettings.defaults());
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public void onExpertLoad(Blackhole bh) {
        for (long[] load : loads) {
            bh.consume(detectors.onExpertLoad(step++, load, 20));
        }
    }
}
