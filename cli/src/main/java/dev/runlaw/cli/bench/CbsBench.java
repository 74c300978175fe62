package dev.runlaw.cli.bench;

import dev.runlaw.bench.RetainedSize;
import dev.runlaw.bench.cbs.NoiseScaleUpdateBenchmark;
import dev.runlaw.math.cbs.NoiseScaleEstimator;
import dev.runlaw.math.cbs.NoiseScaleSettings;
import dev.runlaw.producers.command.HelpOption;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code bench cbs}: JMH of the gradient-noise-scale update ({@link NoiseScaleUpdateBenchmark}) against the naive
 * per-step-ratio mean in the same run, the cost of one estimate, and the state bytes per run (serialized and on
 * the heap).
 */
@Command(name = "cbs", description = "JMH: gradient noise scale update per step vs a naive per-step-ratio mean; "
        + "state bytes per run.")
public final class CbsBench implements Callable<Integer> {
    @Mixin
    HelpOption help;

    private final PrintStream out;

    CbsBench(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() {
        Map<String, double[]> score = JmhScores.run(out, NoiseScaleUpdateBenchmark.class);
        double[] ladder = score.get("runlawUpdate");
        double[] one = score.get("runlawUpdateOneHalfLife");
        double[] naive = score.get("naiveRatioMean");
        double[] estimate = score.get("runlawEstimate");
        out.printf(Locale.ROOT, "%nupdate per step: %.1f ± %.1f ns (5 half-lives), %.1f ± %.1f ns (one); naive "
                + "per-step-ratio mean %.1f ± %.1f ns; ratio %.1f; one estimate %.0f ± %.0f ns%n", ladder[0],
                ladder[1], one[0], one[1], naive[0], naive[1], ladder[0] / naive[0], estimate[0], estimate[1]);
        NoiseScaleEstimator e = new NoiseScaleEstimator(NoiseScaleSettings.defaults());
        e.add(1, 20, 8, 5, 32, 0);
        // JOL cannot read field offsets of records (the settings) through Unsafe without this.
        System.setProperty("jol.magicFieldOffset", "true");
        out.printf(Locale.ROOT, "state per run: %d bytes serialized (Flink state), %d bytes on the heap%n",
                e.toBytes().length, RetainedSize.of(e));
        return 0;
    }
}
