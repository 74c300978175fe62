package dev.runlaw.math.anomaly;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * A multi-scale window test for a sustained upward drift of the loss scores, the fast path of DIVERGENCE next to the
 * CUSUM in {@link LossRules}. Over the last {@code w} scores {@code z} (each clipped to {@code clipZ}, as for the
 * CUSUM), for {@code w} in {@link #WINDOWS}: {@code T_w = sum z / sqrt(w)}, which is standard normal while the
 * scores are (divided by the standard deviation {@code T_w} has shown on this run when that is above 1: scores of
 * smooth curves are correlated); the drift is raised when some {@code T_w > driftZ}. Why windows as well as the
 * CUSUM: a loss that doubles within {@code D} steps rises by {@code ln 2 / D} a step in log, so after {@code d} steps
 * its scores sum to about {@code d^2 ln 2 / (2 D s)} (s: noise of one log loss); a window sum of that size is
 * significant several steps before a CUSUM with drift allowance {@code k = 1} gets through the first {@code D s / ln 2} steps, during
 * which each score stays below k and adds nothing (Lai 1995, "Sequential changepoint detection in quality control
 * and dynamical systems", JRSS B 57(4): window-limited GLR tests; here with a fixed set of windows). The shortest
 * window is 8 losses, so a spike of up to three losses, clipped to {@code 3 clipZ}, stays below
 * {@code driftZ sqrt(8)} with the defaults unless the steps around it are high too.
 *
 * <p>State: a ring of the last {@code max(WINDOWS)} clipped scores and their steps (constant size).
 */
final class DriftWindows {
    /** Window lengths, in losses. */
    static final int[] WINDOWS = {8, 16, 32};
    private static final int RING = 32;

    private final double[] z = new double[RING];
    private final long[] steps = new long[RING];
    private final double[] sums = new double[WINDOWS.length];
    /** Per window, EWMA of T_w^2 (clipped): the variance of T_w as this run's scores make it, at least 1. */
    private final double[] var = {1, 1, 1};
    private int next;
    private long count;

    /**
     * Weight of the newest step in each window's variance of {@code T_w}: successive scores are correlated on smooth
     * curves (the baseline's one-step prediction lags a curve logged every 128 steps), which makes window sums vary
     * more than {@code sqrt(w)}; dividing by the variance seen keeps the test calibrated there, and for independent
     * scores it stays 1.
     */
    private static final double VAR_ALPHA = 0.01;
    /** {@code T_w} is clipped to this before it updates the variance, so a divergence barely raises it. */
    private static final double VAR_CLIP = 3;

    /** Folds one clipped score in. */
    void add(long step, double clipped) {
        for (int i = 0; i < WINDOWS.length; i++) {
            int w = WINDOWS[i];
            sums[i] += clipped;
            if (count >= w) {
                sums[i] -= z[Math.floorMod(next - w, RING)];
            }
        }
        for (int i = 0; i < WINDOWS.length; i++) {
            if (count + 1 >= WINDOWS[i]) {
                double t = Math.max(-VAR_CLIP, Math.min(VAR_CLIP, sums[i] / Math.sqrt(WINDOWS[i])));
                var[i] += VAR_ALPHA * (t * t - var[i]);
            }
        }
        z[next] = clipped;
        steps[next] = step;
        next = (next + 1) % RING;
        count++;
        if (next == 0) {
            // Recomputed once a lap, so rounding in the running sums cannot build up over a long run.
            for (int i = 0; i < WINDOWS.length; i++) {
                double sum = 0;
                for (int k = 1; k <= Math.min(WINDOWS[i], count); k++) {
                    sum += z[Math.floorMod(-k, RING)];
                }
                sums[i] = sum;
            }
        }
    }

    /** Forgets every score (after an alert closes, or when the scores restart). */
    void reset() {
        java.util.Arrays.fill(sums, 0);
        count = 0;
    }

    /**
     * The index in {@link #WINDOWS} of the window with the largest {@code T_w} above {@code limit}, else -1; always
     * -1 before {@code 1 / VAR_ALPHA} scores (the variances have not been learnt: the first scores of a run, while
     * the baseline still settles on a steep start, are the most correlated).
     */
    int firing(double limit) {
        if (count < 1 / VAR_ALPHA) {
            return -1;
        }
        int best = -1;
        double top = limit;
        for (int i = 0; i < WINDOWS.length; i++) {
            if (count >= WINDOWS[i]) {
                double t = statistic(i);
                if (t > top) {
                    top = t;
                    best = i;
                }
            }
        }
        return best;
    }

    /** {@code T_w} of window index {@code i}, in units of its own standard deviation (at least 1). */
    double statistic(int i) {
        return sums[i] / Math.sqrt(WINDOWS[i] * Math.max(1, var[i]));
    }

    /** The first step of window index {@code i}. */
    long windowStart(int i) {
        return steps[Math.floorMod(next - WINDOWS[i], RING)];
    }

    void write(DataOutput out) throws IOException {
        for (int i = 0; i < RING; i++) {
            out.writeDouble(z[i]);
            out.writeLong(steps[i]);
        }
        for (int i = 0; i < WINDOWS.length; i++) {
            out.writeDouble(sums[i]);
            out.writeDouble(var[i]);
        }
        out.writeInt(next);
        out.writeLong(count);
    }

    static DriftWindows read(DataInput in) throws IOException {
        DriftWindows d = new DriftWindows();
        for (int i = 0; i < RING; i++) {
            d.z[i] = in.readDouble();
            d.steps[i] = in.readLong();
        }
        for (int i = 0; i < d.sums.length; i++) {
            d.sums[i] = in.readDouble();
            d.var[i] = in.readDouble();
        }
        d.next = in.readInt();
        d.count = in.readLong();
        if (d.next < 0 || d.next >= RING || d.count < 0) {
            throw new IOException("bad drift window state " + d.next + ", " + d.count);
        }
        return d;
    }
}
