package dev.runlaw.cli.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The measurement protocol of the pipeline benchmarks: each arm (a baseline, the pipeline, ...) is timed over
 * windows of at least {@code --window-seconds}, {@code --repeats} times, the arms interleaved (order reversed every
 * other repeat so drift in the machine's load and the JIT's warm-up does not favour one arm); the figures printed are
 * the median with the min–max of each arm's rate and of each ratio, paired repeat by repeat.
 *
 * <p>Sizing: an arm's work comes in units ("passes" of a pre-encoded pool, records on a topic, ...) that the arm
 * interprets. A first, unreported window of one unit warms up the arm and estimates its time per unit; the measured
 * windows then get enough units to last 1.25 × the minimum. A window that still ends short (the warm-up
 * overestimated the cost) is measured again with proportionally more units, at most three times, so every reported
 * window lasts the minimum unless an arm cannot grow (then it is marked {@code short}).
 */
final class Repeats {
    private static final double MARGIN = 1.25;
    private static final int MAX_RETRIES = 3;

    private Repeats() {
    }

    /** One window of an arm. */
    interface Measure {
        /**
         * Runs one window of {@code units} units of work (at least 1) and returns what it did; everything the
         * window must not include (resetting tables, topping up topics) happens before the clock starts.
         */
        Window measure(long units) throws Exception;
    }

    /** One side of a comparison: a short label printed in the table, and how to measure a window. */
    record Arm(String name, Measure window) {
    }

    /**
     * One measured window.
     *
     * @param records work done (records end to end)
     * @param nanos   wall time of the window
     */
    record Window(long records, long nanos) {
        double seconds() {
            return nanos / 1e9;
        }

        double perSecond() {
            return records / seconds();
        }
    }

    /** A ratio to report: rate of arm {@code numerator} / rate of arm {@code denominator}, per repeat. */
    record Ratio(String label, int numerator, int denominator) {
    }

    /** Every window of every arm, in repeat order. */
    record Result(List<String> arms, List<List<Window>> windows) {
        /** Rates of arm {@code i}, one per repeat. */
        double[] rates(int i) {
            return windows.get(i).stream().mapToDouble(Window::perSecond).toArray();
        }

        /** {@code r}'s value per repeat. */
        double[] ratios(Ratio r) {
            double[] num = rates(r.numerator());
            double[] den = rates(r.denominator());
            double[] out = new double[num.length];
            for (int k = 0; k < out.length; k++) {
                out[k] = num[k] / den[k];
            }
            return out;
        }
    }

    /** Median, min and max of a sample. */
    record Spread(double median, double min, double max) {
        static Spread of(double[] xs) {
            double[] s = xs.clone();
            Arrays.sort(s);
            int n = s.length;
            double median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
            return new Spread(median, s[0], s[n - 1]);
        }
    }

    /** Runs the protocol, printing each window as it ends and the summary at the end. */
    static Result run(PrintStream out, RepeatOptions o, List<Arm> arms, List<Ratio> ratios) throws Exception {
        o.check();
        long minNanos = o.windowSeconds * 1_000_000_000L;
        long[] units = new long[arms.size()];
        for (int a = 0; a < arms.size(); a++) {
            Window w = arms.get(a).window().measure(1);
            units[a] = unitsFor(1, w.nanos(), (long) (minNanos * MARGIN));
            out.printf(Locale.ROOT, "  warm-up %-24s %,12d records %8.1f s %,12.0f /s -> %d units per window%n",
                    arms.get(a).name(), w.records(), w.seconds(), w.perSecond(), units[a]);
        }
        List<List<Window>> windows = new ArrayList<>();
        for (int a = 0; a < arms.size(); a++) {
            windows.add(new ArrayList<>());
        }
        for (int r = 0; r < o.repeats; r++) {
            for (int k = 0; k < arms.size(); k++) {
                int a = r % 2 == 0 ? k : arms.size() - 1 - k;
                Window w = arms.get(a).window().measure(units[a]);
                int retries = 0;
                while (w.nanos() < minNanos && retries++ < MAX_RETRIES) {
                    long more = unitsFor(units[a], w.nanos(), (long) (minNanos * MARGIN));
                    out.printf(Locale.ROOT, "  repeat %d/%d %-24s %8.1f s is short of %d s: again with %d units%n",
                            r + 1, o.repeats, arms.get(a).name(), w.seconds(), o.windowSeconds, more);
                    units[a] = more;
                    w = arms.get(a).window().measure(units[a]);
                }
                windows.get(a).add(w);
                out.printf(Locale.ROOT, "  repeat %d/%d %-24s %,12d records %8.1f s %,12.0f /s%s%n", r + 1, o.repeats,
                        arms.get(a).name(), w.records(), w.seconds(), w.perSecond(),
                        w.nanos() < minNanos ? "  short" : "");
            }
        }
        Result result = new Result(arms.stream().map(Arm::name).toList(), windows);
        out.printf(Locale.ROOT, "summary: %d interleaved repeats, windows >= %d s; median (min-max)%n", o.repeats,
                o.windowSeconds);
        for (int a = 0; a < arms.size(); a++) {
            Spread s = Spread.of(result.rates(a));
            out.printf(Locale.ROOT, "  %-30s %,12.0f /s  (%,.0f-%,.0f)%n", arms.get(a).name(), s.median(), s.min(),
                    s.max());
        }
        for (Ratio ratio : ratios) {
            Spread s = Spread.of(result.ratios(ratio));
            out.printf(Locale.ROOT, "  %-30s %12.2f     (%.2f-%.2f)%n", ratio.label(), s.median(), s.min(), s.max());
        }
        return result;
    }

    /** Units that would take about {@code targetNanos}, given that {@code done} units took {@code tookNanos}. */
    static long unitsFor(long done, long tookNanos, long targetNanos) {
        double perUnit = Math.max(1, tookNanos) / (double) done;
        return Math.max(done, (long) Math.ceil(targetNanos / perUnit));
    }
}
