package dev.runlaw.cli.bench.detect;

import dev.runlaw.bench.detect.DetectorStepBenchmark;
import dev.runlaw.cli.bench.JmhScores;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/** {@code bench detect --jmh}: {@link DetectorStepBenchmark} in one JMH run, and the ratio of its two scores. */
final class DetectCost {
    private DetectCost() {
    }

    static void run(PrintStream out) {
        Map<String, double[]> score = JmhScores.run(out, DetectorStepBenchmark.class);
        double[] all = score.get("runlawAllDetectors");
        double[] olmo = score.get("olmoRule");
        out.printf(Locale.ROOT, "%nall run-level detectors: %.1f ± %.1f ns/step; OLMo-core rule: %.1f ± %.1f ns/step;"
                + " ratio %.1f%n", all[0], all[1], olmo[0], olmo[1], all[0] / olmo[0]);
    }
}
