package dev.runlaw.bench.routing;

import dev.runlaw.math.routing.RoutingAnalysis;
import dev.runlaw.math.routing.RoutingCounts;
import dev.runlaw.math.routing.RoutingReport;
import dev.runlaw.math.routing.RoutingSettings;
import dev.runlaw.math.routing.TokenRoute;
import java.util.ArrayList;
import java.util.List;
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

/**
 * Cost of the pure routing analysis on one thread ({@code dev.runlaw.math.routing}): {@link #count} adds
 * {@value #SEQUENCES} sequences of {@value #POSITIONS} tokens × {@value #LAYERS} layers to fresh
 * {@link RoutingCounts} (one operation = one token-layer route; routes/s = 10⁹ / the ns per operation), and
 * {@link #analyze} turns those counts into the report with all three placements for 8 devices (one operation = one
 * report). Routes are seeded, skewed (expert ⌊E·u²⌋, u uniform) and built beforehand, so only the math is timed.
 * Shapes "E x k": 8 x 2 (tiny-moe), 64 x 2, 128 x 1 (top-1), 256 x 8 (DeepSeek-V3-like).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class RoutingCountsBenchmark {
    /** Sequences per invocation. */
    public static final int SEQUENCES = 8;
    /** Tokens per sequence. */
    public static final int POSITIONS = 1024;
    /** MoE layers per token. */
    public static final int LAYERS = 16;
    /** Devices of the placements. */
    public static final int DEVICES = 8;

    /** Experts x top-k. */
    @Param({"8x2", "64x2", "128x1", "256x8"})
    public String shape;

    private List<List<TokenRoute>> sequences;
    private RoutingCounts counts;
    private RoutingSettings settings;

    @Setup(Level.Trial)
    public void setUp() {
        String[] p = shape.split("x");
        int experts = Integer.parseInt(p[0]);
        int k = Integer.parseInt(p[1]);
        Random rnd = new Random(3);
        sequences = new ArrayList<>();
        for (int s = 0; s < SEQUENCES; s++) {
            List<TokenRoute> seq = new ArrayList<>(POSITIONS * LAYERS);
            for (int l = 0; l < LAYERS; l++) {
                for (int pos = 0; pos < POSITIONS; pos++) {
                    int[] ids = new int[k];
                    for (int i = 0; i < k; i++) {
                        double u = rnd.nextDouble();
                        ids[i] = (int) (experts * u * u);
                    }
                    seq.add(new TokenRoute("bench", 1, "seq" + s, pos, l, ids));
                }
            }
            sequences.add(seq);
        }
        settings = RoutingSettings.defaults(Math.min(DEVICES, experts)).withExperts(experts);
        counts = count();
    }

    @Benchmark
    @OperationsPerInvocation(SEQUENCES * POSITIONS * LAYERS)
    public RoutingCounts count() {
        RoutingCounts c = RoutingCounts.forSettings(settings);
        for (List<TokenRoute> s : sequences) {
            c.addSequence(s);
        }
        return c;
    }

    @Benchmark
    public RoutingReport analyze() {
        return RoutingAnalysis.analyze(counts, settings);
    }
}
