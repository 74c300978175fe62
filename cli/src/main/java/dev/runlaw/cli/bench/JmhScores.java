package dev.runlaw.cli.bench;

import java.io.PrintStream;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs every benchmark method of one JMH class with the settings the cost benches share (1 fork, 3 × 1 s warm-up,
 * 5 × 2 s measurement, 1 GiB heap), printing JMH's own progress to {@code out}, and returns each method's score and
 * error by simple method name. One fork keeps a bench within a few minutes on two cores; the printed error says how
 * much that costs in precision.
 */
public final class JmhScores {
    private JmhScores() {
    }

    /** Score and 99.9 % error ({@code {score, error}}) per benchmark method of {@code benchmark}. */
    public static Map<String, double[]> run(PrintStream out, Class<?> benchmark) {
        Collection<RunResult> results;
        try {
            results = new Runner(new OptionsBuilder()
                    .include("^" + benchmark.getName().replace(".", "\\.") + "\\.")
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
        return score;
    }
}
