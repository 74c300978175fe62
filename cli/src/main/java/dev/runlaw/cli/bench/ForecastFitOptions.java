package dev.runlaw.cli.bench;

import dev.runlaw.bench.ReferenceRuns;
import dev.runlaw.producers.command.Commands;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * Options of {@code runlaw bench forecast-fit} (flags in {@link Flags}).
 *
 * @param warmup        JMH warmup iterations per benchmark
 * @param iterations    JMH measurement iterations per benchmark
 * @param iterationMs   length of one JMH iteration, milliseconds
 * @param forks         JMH forks per benchmark
 * @param scipyRepeats  times the SciPy 81-start fit is timed per model
 * @param scipy         whether to run the SciPy baseline
 * @param python        the Python interpreter
 * @param models        the models fitted
 */
public record ForecastFitOptions(int warmup, int iterations, int iterationMs, int forks, int scipyRepeats,
                                 boolean scipy, String python, List<String> models) {
    /** The defaults. */
    public static ForecastFitOptions defaults() {
        return new ForecastFitOptions(3, 5, 1000, 1, 3, true, ScipyBaseline.findPython().orElse("python3"),
                ReferenceRuns.MODELS);
    }

    /** Parses the arguments after {@code forecast-fit} as the command does; throws its usage error's exception. */
    public static ForecastFitOptions parse(String[] args) {
        CommandLine cl = Commands.allowRepeats(new CommandLine(new ForecastFitBench()));
        cl.parseArgs(args);
        return cl.<ForecastFitBench>getCommand().flags.options(cl.getCommandSpec());
    }

    /** The command-line flags (a picocli mixin of {@link ForecastFitBench}). */
    static final class Flags {
        private static final ForecastFitOptions D = defaults();

        @Option(names = "--warmup", paramLabel = "N", order = 1,
                description = "JMH warmup iterations per benchmark (default ${DEFAULT-VALUE}).")
        int warmup = D.warmup;
        @Option(names = "--iterations", paramLabel = "N", order = 2,
                description = "JMH measurement iterations per benchmark (default ${DEFAULT-VALUE}).")
        int iterations = D.iterations;
        @Option(names = "--iteration-ms", paramLabel = "MS", order = 3,
                description = "Length of one JMH iteration (default ${DEFAULT-VALUE}).")
        int iterationMs = D.iterationMs;
        @Option(names = "--forks", paramLabel = "N", order = 4,
                description = "JMH forks per benchmark (default ${DEFAULT-VALUE}).")
        int forks = D.forks;
        @Option(names = "--scipy-repeats", paramLabel = "N", order = 5,
                description = "Times the SciPy 81-start fit is timed per model (default ${DEFAULT-VALUE}).")
        int scipyRepeats = D.scipyRepeats;
        @Option(names = "--no-scipy", order = 6, description = "Skip the SciPy baseline.")
        boolean noScipy;
        @Option(names = "--python", paramLabel = "EXE", order = 7,
                description = "The Python interpreter (default ${DEFAULT-VALUE}).")
        String python = D.python;
        @Option(names = "--models", paramLabel = "m1,m2", split = ",", order = 8,
                description = "The models fitted (default ${DEFAULT-VALUE}).")
        List<String> models = new ArrayList<>(D.models);

        /** The options as one record; a usage error on a bad count or an unknown model. */
        ForecastFitOptions options(CommandSpec spec) {
            List<String> m = new ArrayList<>();
            for (String s : models) {
                if (!ReferenceRuns.MODELS.contains(s.trim())) {
                    throw Commands.usage(spec, "unknown model " + s + "; known: "
                            + String.join(",", ReferenceRuns.MODELS));
                }
                m.add(s.trim());
            }
            return new ForecastFitOptions(count(spec, "--warmup", warmup, 0), count(spec, "--iterations", iterations, 1),
                    count(spec, "--iteration-ms", iterationMs, 1), count(spec, "--forks", forks, 0),
                    count(spec, "--scipy-repeats", scipyRepeats, 1), !noScipy, python, List.copyOf(m));
        }

        private static int count(CommandSpec spec, String option, int n, int min) {
            if (n < min) {
                throw Commands.usage(spec, option + " must be >= " + min + ", got " + n);
            }
            return n;
        }
    }
}
