package dev.runlaw.cli.bench;

import dev.runlaw.bench.ReferenceRuns;
import java.util.ArrayList;
import java.util.List;

/**
 * Options of {@code runlaw bench forecast-fit}; see {@link #USAGE}.
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
    public static final String USAGE = """
            usage: runlaw bench forecast-fit [--warmup N] [--iterations N] [--iteration-ms MS] [--forks N]
                                             [--scipy-repeats N] [--no-scipy] [--python EXE] [--models m1,m2]
              Benchmarks the forecast engine: the joint 3-curve fit (JMH), the online update and its memory, against
              SciPy's L-BFGS-B with 81 starting points (bench/scipy_momentum_fit.py).
              Defaults: 3 warmup + 5 measurement iterations of 1000 ms, 1 fork, 3 SciPy repeats, python3,
              models mpl-25m,mpl-100m.""";

    /** The defaults. */
    public static ForecastFitOptions defaults() {
        return new ForecastFitOptions(3, 5, 1000, 1, 3, true, ScipyBaseline.findPython().orElse("python3"),
                ReferenceRuns.MODELS);
    }

    /** Parses the arguments after {@code forecast-fit}. */
    public static ForecastFitOptions parse(String[] args) {
        ForecastFitOptions d = defaults();
        int warmup = d.warmup;
        int iterations = d.iterations;
        int iterationMs = d.iterationMs;
        int forks = d.forks;
        int repeats = d.scipyRepeats;
        boolean scipy = d.scipy;
        String python = d.python;
        List<String> models = d.models;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--warmup" -> warmup = count(a, value(args, ++i, a), 0);
                case "--iterations" -> iterations = count(a, value(args, ++i, a), 1);
                case "--iteration-ms" -> iterationMs = count(a, value(args, ++i, a), 1);
                case "--forks" -> forks = count(a, value(args, ++i, a), 0);
                case "--scipy-repeats" -> repeats = count(a, value(args, ++i, a), 1);
                case "--no-scipy" -> scipy = false;
                case "--python" -> python = value(args, ++i, a);
                case "--models" -> {
                    List<String> m = new ArrayList<>();
                    for (String s : value(args, ++i, a).split(",")) {
                        if (!ReferenceRuns.MODELS.contains(s.trim())) {
                            throw new IllegalArgumentException("unknown model " + s + "; known: "
                                    + String.join(",", ReferenceRuns.MODELS));
                        }
                        m.add(s.trim());
                    }
                    models = List.copyOf(m);
                }
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        return new ForecastFitOptions(warmup, iterations, iterationMs, forks, repeats, scipy, python, models);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static int count(String option, String v, int min) {
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs an integer, got " + v);
        }
        if (n < min) {
            throw new IllegalArgumentException(option + " must be >= " + min + ", got " + n);
        }
        return n;
    }
}
