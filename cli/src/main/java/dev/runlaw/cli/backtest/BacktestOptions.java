package dev.runlaw.cli.backtest;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Parsed arguments of {@code runlaw backtest}.
 *
 * @param fit             runs fitted jointly on all their points
 * @param reference       finished runs of the same family, fitted jointly too (they supply the annealing terms)
 * @param predict         runs forecast under their own LR column and scored on their measured points
 * @param observeFraction fraction of each predicted run's steps that is observed (fitted) before forecasting
 * @param law             {@code momentum}, {@code multipower} or {@code auto}
 * @param report          where to write the JSON report, or null
 */
public record BacktestOptions(List<Path> fit, List<Path> reference, List<Path> predict, double observeFraction,
                              String law, Path report) {

    public static final String USAGE = "usage: runlaw backtest [--fit FILE...] [--reference FILE...] "
            + "[--predict FILE...] [--observe-fraction F] [--law momentum|multipower|auto] [--report OUT.json]";

    /** Parses the arguments after the word {@code backtest}; throws {@link IllegalArgumentException} on misuse. */
    public static BacktestOptions parse(String[] args) {
        List<Path> fit = new ArrayList<>();
        List<Path> ref = new ArrayList<>();
        List<Path> pred = new ArrayList<>();
        double fraction = 0;
        String law = "auto";
        Path report = null;
        List<Path> target = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--fit" -> target = fit;
                case "--reference" -> target = ref;
                case "--predict" -> target = pred;
                case "--observe-fraction" -> {
                    String v = value(args, ++i, a);
                    try {
                        fraction = Double.parseDouble(v);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--observe-fraction: not a number: '" + v + "'");
                    }
                    if (!(fraction >= 0 && fraction < 1)) {
                        throw new IllegalArgumentException("--observe-fraction must be in [0, 1), got " + v);
                    }
                    target = null;
                }
                case "--law" -> {
                    law = value(args, ++i, a);
                    if (!law.equals("momentum") && !law.equals("multipower") && !law.equals("auto")) {
                        throw new IllegalArgumentException("--law must be momentum, multipower or auto, got " + law);
                    }
                    target = null;
                }
                case "--report" -> {
                    report = Path.of(value(args, ++i, a));
                    target = null;
                }
                default -> {
                    if (a.startsWith("--")) {
                        throw new IllegalArgumentException("unknown option " + a);
                    }
                    if (target == null) {
                        throw new IllegalArgumentException("unexpected argument '" + a + "'");
                    }
                    target.add(Path.of(a));
                }
            }
        }
        if (pred.isEmpty()) {
            throw new IllegalArgumentException("nothing to predict: give --predict FILE...");
        }
        if (fit.isEmpty() && ref.isEmpty() && fraction == 0) {
            throw new IllegalArgumentException("nothing to fit: give --fit/--reference files or --observe-fraction");
        }
        return new BacktestOptions(List.copyOf(fit), List.copyOf(ref), List.copyOf(pred), fraction, law, report);
    }

    private static String value(String[] args, int i, String opt) {
        if (i >= args.length || args[i].startsWith("--")) {
            throw new IllegalArgumentException(opt + " needs a value");
        }
        return args[i];
    }
}
