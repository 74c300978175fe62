package dev.runlaw.cli.bench.detect;

import dev.runlaw.math.anomaly.StepTable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded injection of anomalies into a copy of a real run. Positions are counted in logged losses (rows with a
 * loss), so the same code serves per-step training logs and curves logged every 128 steps. Point anomalies
 * (spikes, NaN, hangs, slowdowns) are spread one per block of {@value #BLOCK} logged losses (1,000 for slowdowns of
 * 300 steps; after the first {@value #SKIP} and at a random offset), far enough apart that the detectors' cool-down never merges two; a
 * divergence or a plateau is one per copy and the copy ends {@value #GRACE} logged losses after it (a run that
 * diverged is stopped; a plateau's end is not the question).
 */
public final class AnomalyInjector {
    /** Logged losses not touched at the start (every detector's warm-up); 80 in curves of fewer than 2,000. */
    public static final int SKIP = 200;
    /** One point anomaly per this many logged losses; 60 in curves of fewer than 2,000. */
    public static final int BLOCK = 400;
    /** Logged losses after an anomaly's end during which a detection still counts. */
    public static final int GRACE = 10;

    /** A run with anomalies written in, and where they are. */
    public record Injected(StepTable table, List<Injection> injections) {
    }

    private AnomalyInjector() {
    }

    /** Writes anomalies of {@code kind} into a copy of {@code clean}; empty injections when the run is too short. */
    public static Injected inject(StepTable clean, InjectedKind kind, SplittableRandom rnd) {
        int[] rows = lossRows(clean);
        long[] steps = clean.steps().clone();
        double[] loss = clean.loss().clone();
        double[] ms = clean.stepMs().clone();
        List<Injection> out = new ArrayList<>();
        int n = rows.length;
        int skip = n < 2_000 ? 80 : SKIP;
        switch (kind) {
            case DIVERGENCE -> {
                if (n < skip + 100) {
                    break;
                }
                int at = rows[skip + rnd.nextInt(n - skip - 50)];
                double doubling = 50 + rnd.nextDouble() * 350;
                long t0 = steps[at];
                int last = at;
                while (last + 1 < steps.length && steps[last + 1] - t0 <= 2 * doubling) {
                    last++;
                }
                int endRow = Math.min(steps.length - 1, rowAfter(rows, last, GRACE));
                for (int i = at; i <= endRow; i++) {
                    loss[i] *= Math.pow(2, (steps[i] - t0) / doubling); // keeps growing through the grace
                }
                out.add(new Injection(kind, doubling, t0, steps[last], steps[endRow]));
                return new Injected(cut(clean, steps, loss, ms, endRow + 1), out);
            }
            case PLATEAU -> {
                long span = steps[steps.length - 1] - steps[rows.length > skip ? rows[skip] : 0];
                if (n < skip + 50 || span < 2_500) {
                    break;
                }
                double length = 2_000 + rnd.nextDouble() * 1_000;
                long lastStart = steps[steps.length - 1] - (long) length;
                long firstStart = steps[rows[skip]];
                if (lastStart <= firstStart) {
                    break;
                }
                long t0 = firstStart + (long) (rnd.nextDouble() * (lastStart - firstStart));
                double[] trend = smoothed(clean, rows);
                int i0 = 0;
                while (steps[i0] < t0 || Double.isNaN(trend[i0])) {
                    i0++;
                }
                int last = i0;
                for (int i = i0; i < steps.length && steps[i] - steps[i0] <= length; i++) {
                    if (!Double.isNaN(loss[i]) && !Double.isNaN(trend[i])) {
                        loss[i] *= trend[i0] / trend[i];
                    }
                    last = i;
                }
                int endRow = Math.min(steps.length - 1, rowAfter(rows, last, GRACE));
                out.add(new Injection(kind, length, steps[i0], steps[last], steps[endRow]));
                return new Injected(cut(clean, steps, loss, ms, endRow + 1), out);
            }
            default -> {
                if (kind.timing() && Double.isNaN(ms[ms.length - 1])) {
                    break; // no step times in this run
                }
                int block = kind == InjectedKind.SLOWDOWN ? 1_000 : n < 2_000 ? 60 : BLOCK;
                for (int b = skip; b + block <= n; b += block) {
                    int at = rows[b + rnd.nextInt(block - (kind == InjectedKind.SLOWDOWN ? 320 : 20))];
                    out.add(point(kind, at, rows, steps, loss, ms, rnd));
                }
            }
        }
        return new Injected(new StepTable(steps, clean.lr().clone(), loss, clean.gradNorm().clone(), ms), out);
    }

    private static Injection point(InjectedKind kind, int at, int[] rows, long[] steps, double[] loss, double[] ms,
                                   SplittableRandom rnd) {
        int pos = Arrays.binarySearch(rows, at);
        switch (kind) {
            case SPIKE_SMALL, SPIKE_LARGE -> {
                double f = kind == InjectedKind.SPIKE_SMALL ? 1.15 + rnd.nextDouble() * 0.15
                        : 1.3 + rnd.nextDouble() * 1.2;
                int len = 1 + rnd.nextInt(3);
                for (int k = 0; k < len; k++) {
                    loss[rows[pos + k]] *= f;
                }
                int last = rows[pos + len - 1];
                return new Injection(kind, f, steps[at], steps[last], steps[rowAfter(rows, last, GRACE)]);
            }
            case NAN -> {
                loss[at] = Double.POSITIVE_INFINITY;
                return new Injection(kind, Double.NaN, steps[at], steps[at], steps[rowAfter(rows, at, GRACE)]);
            }
            case HANG -> {
                double f = 20 + rnd.nextDouble() * 80;
                ms[at] *= f;
                return new Injection(kind, f, steps[at], steps[at], steps[at + GRACE]);
            }
            case SLOWDOWN -> {
                double f = 1.5 + rnd.nextDouble() * 1.5;
                int len = 300;
                for (int i = at; i < at + len; i++) {
                    ms[i] *= f;
                }
                return new Injection(kind, f, steps[at], steps[at + len - 1], steps[at + len - 1]);
            }
            default -> throw new IllegalArgumentException("not a point anomaly: " + kind);
        }
    }

    /** Indices of the rows with a finite positive loss. */
    static int[] lossRows(StepTable t) {
        return java.util.stream.IntStream.range(0, t.size()).filter(i -> t.loss()[i] > 0
                && Double.isFinite(t.loss()[i])).toArray();
    }

    private static int rowAfter(int[] rows, int row, int k) {
        int pos = Arrays.binarySearch(rows, row);
        if (pos < 0) {
            pos = -pos - 1;
        }
        return rows[Math.min(rows.length - 1, pos + k)];
    }

    /** Centered median of ±25 logged losses (the injector may look ahead; the detectors never do). */
    private static double[] smoothed(StepTable t, int[] rows) {
        double[] out = new double[t.size()];
        Arrays.fill(out, Double.NaN);
        for (int p = 0; p < rows.length; p++) {
            int lo = Math.max(0, p - 25);
            int hi = Math.min(rows.length - 1, p + 25);
            double[] w = new double[hi - lo + 1];
            for (int q = lo; q <= hi; q++) {
                w[q - lo] = t.loss()[rows[q]];
            }
            Arrays.sort(w);
            out[rows[p]] = w[w.length / 2];
        }
        return out;
    }

    private static StepTable cut(StepTable clean, long[] steps, double[] loss, double[] ms, int n) {
        return new StepTable(Arrays.copyOf(steps, n), Arrays.copyOf(clean.lr(), n), Arrays.copyOf(loss, n),
                Arrays.copyOf(clean.gradNorm(), n), Arrays.copyOf(ms, n));
    }
}
