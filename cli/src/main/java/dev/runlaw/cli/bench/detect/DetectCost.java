package dev.runlaw.cli.bench.detect;

import dev.runlaw.bench.detect.DetectorStepBenchmark;
import java.io.PrintStream;
import java.util.Collection;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/** {@code bench detect --jmh}: {@link DetectorStepBenchmark} in one JMH run, and the ratio of its two scores. */
final class DetectCost {
    private DetectCost() {
    }

    static void run(PrintStream out) {
        Collection<RunResult> results;
        try {
            results = new Runner(new OptionsBuilder()
                    .include("^" + DetectorStepBenchmark.class.getName().replace(".", "\\.") + "\\.")
                    .warmupIterations(3).measurementIterations(5)
                    .warmupTime(TimeValue.seconds(1)).measurementTime(TimeValue.seconds(2))
                    .forks(1).shouldFailOnError(true).jvmArgsAppend("-Xmx1g").build(),
                    OutputFormatFactory.createFormatInstance(out, VerboseMode.NORMAL)).run();
        } catch (RunnerException e) {
            throw new IllegalStateException("JMH failed: " + e.getMessage(), e);
        }
        Map<String, double[]> score = new HashMap<>();
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark();
            score.put(name.substring(name.lastIndexOf('.') + 1), new double[] {r.getPrimaryResult().getScore(),
                    r.getPrimaryResult().getScoreError()});
        }
        double[] all = score.get("runlawAllDetectors");
        double[] olmo = score.get("olmoRule");
        out.printf(Locale.ROOT, "%nall run-level detectors: %.1f ± %.1f ns/step; OLMo-core rule: %.1f ± %.1f ns/step;"
                + " ratio %.1f%n", all[0], all[1], olmo[0], olmo[1], all[0] / olmo[0]);
    }
}
