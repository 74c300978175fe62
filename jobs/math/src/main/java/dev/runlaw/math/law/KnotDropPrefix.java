package dev.runlaw.math.law;

import dev.runlaw.math.schedule.LrSchedule;
import java.util.Arrays;

/**
 * {@link DropPrefix} of a piecewise-linear schedule in O(log knots) per query, without materialising it step by
 * step: on a linear segment every step drops by the same {@code d = -delta}, so the sums over its first {@code m}
 * steps are closed forms (an arithmetic series for the LR, a cubic one for the area). Increasing segments
 * (re-warmups) need the log-LR and are summed step by step. The sums equal {@link MultiPowerLaw}'s per-step prefix
 * sums up to rounding (a decay whose per-step values round to equal neighbours counts them as drops of ~0 here).
 * Why it exists: the live forecast prepares every what-if schedule of a run of 10^6 planned steps at every refit,
 * and walking the steps made that O(planned steps).
 */
final class KnotDropPrefix implements DropPrefix {
    private final long[] ks;
    private final double[] kv;
    /** Sums over the drop steps in {@code (ks[0], ks[j]]}: [j][0..5] as {@link DropPrefix#between}, [j][6] count. */
    private final double[][] cum;
    private final long rankW;
    /** Per rising segment, its prefix sums step by step (built on first use). */
    private final double[][] rising;
    /** {@code S(ks[j])}. */
    private final double[] knotArea;
    private final double[] tmp = new double[7];
    private long stepA = Long.MIN_VALUE;
    private double[] prefixA = new double[7];
    private long stepB = Long.MIN_VALUE;
    private double[] prefixB = new double[7];

    KnotDropPrefix(LrSchedule piecewise, long w) {
        this.ks = piecewise.knotSteps();
        this.kv = piecewise.knotValues();
        cum = new double[ks.length][7];
        rising = new double[ks.length][];
        knotArea = new double[ks.length];
        for (int j = 0; j < ks.length; j++) {
            knotArea[j] = piecewise.area(ks[j]);
        }
        for (int j = 1; j < ks.length; j++) {
            segment(j - 1, ks[j] - ks[j - 1], tmp);
            for (int q = 0; q < 7; q++) {
                cum[j][q] = cum[j - 1][q] + tmp[q];
            }
        }
        double[] atW = new double[7];
        prefix(w, atW);
        rankW = Math.round(atW[6]);
    }

    @Override
    public long rank(long step) {
        return Math.round(cached(step)[6]) - rankW;
    }

    @Override
    public boolean between(long lo, long hi, double[] out) {
        double[] upper = cached(hi);
        double[] lower = cached(lo);
        if (lower[6] == upper[6]) {
            return false;
        }
        for (int q = 0; q < 6; q++) {
            out[q] = upper[q] - lower[q];
        }
        return true;
    }

    /**
     * {@link #prefix} of {@code step}, remembering the last two: MultiPowerLaw asks for {@code rank(hi)}, then
     * {@code between(lo, hi)}, then the next block's {@code hi} is this {@code lo}, so each block costs one lookup.
     */
    private double[] cached(long step) {
        if (step == stepA) {
            return prefixA;
        }
        if (step == stepB) {
            return prefixB;
        }
        // Evict the older slot (B) and make the new entry A.
        double[] t = prefixB;
        prefixB = prefixA;
        stepB = stepA;
        prefixA = t;
        stepA = step;
        prefix(step, prefixA);
        return prefixA;
    }

    private int segmentOf(long step) {
        // The segment j with ks[j] < step <= ks[j + 1]; -1 at or before the first knot.
        int lo = 0;
        int hi = ks.length - 1;
        if (step <= ks[0]) {
            return -1;
        }
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            if (ks[mid] < step) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Sums over the drop steps in {@code (ks[0], step]} into {@code out[0..6]}. */
    private void prefix(long step, double[] out) {
        int j = segmentOf(step);
        if (j < 0) {
            Arrays.fill(out, 0);
            return;
        }
        segment(j, step - ks[j], out);
        for (int q = 0; q < 7; q++) {
            out[q] += cum[j][q];
        }
    }

    /** Sums over steps {@code ks[j] + 1 .. ks[j] + m} of segment {@code j} into {@code out[0..6]} (overwritten). */
    private void segment(int j, long m, double[] out) {
        Arrays.fill(out, 0);
        double v = kv[j];
        double vNext = kv[j + 1];
        if (m <= 0 || v == vNext) {
            return;
        }
        long n = ks[j + 1] - ks[j];
        double delta = (vNext - v) / n;
        double areaAt = knotArea[j];
        double dm = m;
        out[6] = dm;
        if (delta < 0) {
            double d = -delta;
            out[0] = d * dm;
            out[1] = d * (dm * v + delta * dm * (dm + 1) / 2);
            // S(t - 1) for t = ks[j] + i is areaAt + (i - 1) v + delta (i - 1) i / 2; summed over i = 1..m.
            out[2] = d * (dm * areaAt + v * dm * (dm - 1) / 2 + delta * (dm - 1) * dm * (dm + 1) / 6);
            return;
        }
        double[] c = rising[j];
        if (c == null) {
            // Prefix sums over the whole segment, once: queries inside a re-warmup then cost O(1). (A whole
            // segment, e.g. the warmup for the knots' sums, is summed as well: kept only if queried again.)
            c = new double[3 * (int) (n + 1)];
            double prev = v;
            double area = areaAt;
            for (int i = 1; i <= n; i++) {
                // The same expression as PiecewiseLrSchedule's interpolation, so the same per-step LR.
                double eta = i == n ? vNext : v + (vNext - v) * ((double) i / n);
                double d = eta - prev;
                c[3 * i] = c[3 * i - 3] + d;
                c[3 * i + 1] = c[3 * i - 2] + d * Math.log(eta);
                c[3 * i + 2] = c[3 * i - 1] + d * area;
                area += eta;
                prev = eta;
            }
            rising[j] = c;
        }
        int k = 3 * (int) m;
        out[3] = c[k];
        out[4] = c[k + 1];
        out[5] = c[k + 2];
    }
}
