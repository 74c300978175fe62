package dev.runlaw.math.anomaly;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.List;
import java.util.Locale;

/**
 * PLATEAU (WARNING): the loss stopped improving while the run's own earlier progress says it should still fall.
 * O(1) state; no look-ahead; works with or without a law.
 *
 * <p>Losses are averaged in consecutive blocks of {@code W = plateauWindow} <em>steps</em> (so runs logged every
 * step and curves logged every 128 steps are judged over the same span): per block the mean {@code m} of
 * {@code ln loss}, the mean {@code u} of {@code ln step} and the count {@code n}. A power law {@code L ~ A t^-a}
 * falls by a constant amount per unit of {@code ln t}, so the run's trend is a weighted least-squares line of
 * {@code m} on {@code u} over the closed blocks (weights {@code n}, each older block's weight multiplied by
 * {@code plateauForget} per block), <em>frozen one block before the block judged</em>: when block {@code k} closes
 * (the first loss at or after its end arrives) the line holds blocks up to {@code k-2} (at least three of them; the
 * run's first block never: its steep start would tilt the line). With its slope {@code b}
 * (negative while the loss falls), prediction {@code p(u)} and the noise {@code s} of one log loss:
 * <pre>
 *   expected drop over the last f blocks   e_f = -b (u[k] - u[k-f])        observed  d_f = m[k-f] - m[k]
 *   deficit  D = m[k] - p(u[k]),   sd(D) = s sqrt(1/n[k] + 1/sum(w) + (u[k] - mean u)^2 / Suu)
 * </pre>
 * Raised when {@code e_1 > 0}, {@code e_f >= plateauMinDrop} (a loss at its floor has no progress left to miss),
 * {@code d_f < plateauProgress * e_f} with {@code f = plateauFlatBlocks} (the loss flat
 * over the last one or two blocks) and {@code D > plateauZ * sd(D)} (the block sits above the run's trend beyond the
 * noise of the block mean and of the extrapolated line). A loss approaching its floor falls less per {@code ln t}
 * than before, so the line errs towards expecting more progress; flatness over two blocks, the small fraction and
 * the noise test keep that from raising alerts on the calibration runs (docs/benchmarks.md). {@code s} comes from
 * second differences of consecutive log losses ({@link #noise()}), which a smooth trend does not inflate. First
 * step: the start of block {@code k-1}. Resolves at the first block whose drop reaches half the one-block expectation
 * frozen when it was raised.
 *
 * <p>The learning rate matters: right after a sharp LR drop the loss falls fast (annealing) and then slowly (a small
 * LR makes small steps), so extrapolating across the drop would expect too much. While the mean LRs of the blocks
 * {@code k-4..k} differ by more than the factor {@code plateauLrRatio} no block is judged and the trend starts
 * again; a cosine or linear decay changes the LR slowly and makes progress faster than extrapolated, which cannot
 * raise an alert. Steps without an LR count as unchanged.
 */
final class PlateauRule {
    /** Blocks kept before the one being closed: k-1 .. k-4. */
    private static final int HISTORY = 4;
    private static final double SQRT_HALF_PI = Math.sqrt(Math.PI / 2);

    // The open block.
    private long start = -1;
    private long n;
    private double sumY;
    private double sumU;
    private double sumLr;
    private long nLr;
    // Closed blocks, newest first.
    private final double[] m = new double[HISTORY];
    private final double[] u = new double[HISTORY];
    private final double[] lr = new double[HISTORY];
    private final long[] cnt = new long[HISTORY];
    private final long[] starts = new long[HISTORY];
    private int have;
    private double openExpected = Double.NaN;
    // Exponentially weighted least squares of block mean ln loss on block mean ln step (weights = losses per block).
    private double sw;
    private double su;
    private double sm;
    private double suu;
    private double sum;
    private long regBlocks;
    private long blocksClosed;
    // Noise of one log loss from second differences (a smooth trend cancels): the last two log losses and the EWMA
    // of |y[t] - 2 y[t-1] + y[t-2]|, clipped at 3 of its scales.
    private double y1 = Double.NaN;
    private double y2 = Double.NaN;
    private double meanAbs2;
    private long n2;

    /** Folds one finite positive loss in. */
    void onLoss(long step, double loss, double stepLr, boolean warm, AnomalySettings s, AlertLifecycle life,
                List<Alert> out) {
        double y = Math.log(loss);
        if (start >= 0 && step >= start + s.plateauWindow()) {
            close(step, noise(), warm, s, life, out);
        }
        learnNoise(y, s);
        if (n == 0) {
            start = step;
        }
        n++;
        sumY += y;
        sumU += Math.log(Math.max(1, step));
        if (stepLr > 0 && Double.isFinite(stepLr)) {
            sumLr += stepLr;
            nLr++;
        }
    }

    private void close(long step, double scale, boolean warm, AnomalySettings s, AlertLifecycle life,
                       List<Alert> out) {
        double mk = sumY / n;
        double uk = sumU / n;
        double lrk = nLr == 0 ? Double.NaN : sumLr / nLr;
        long nk = n;
        if (!lrSteady(lrk, s.plateauLrRatio())) {
            // Progress before a sharp LR change does not predict progress after it: start the trend again.
            sw = 0;
            su = 0;
            sm = 0;
            suu = 0;
            sum = 0;
            regBlocks = 0;
        } else if (have >= 1 && warm && scale > 0) {
            judge(step, mk, uk, lrk, nk, scale, s, life, out);
        }
        if (have >= 1 && blocksClosed > 1) {
            // Block k-1 joins the trend only now: the trend judging a block is frozen one block before it. The run's
            // first block never does: its steepest, most curved stretch would tilt the line for several blocks.
            double g = s.plateauForget();
            double w = cnt[0];
            sw = g * sw + w;
            su = g * su + w * u[0];
            sm = g * sm + w * m[0];
            suu = g * suu + w * u[0] * u[0];
            sum = g * sum + w * u[0] * m[0];
            regBlocks++;
        }
        for (int i = HISTORY - 1; i > 0; i--) {
            m[i] = m[i - 1];
            u[i] = u[i - 1];
            lr[i] = lr[i - 1];
            cnt[i] = cnt[i - 1];
            starts[i] = starts[i - 1];
        }
        m[0] = mk;
        u[0] = uk;
        lr[0] = lrk;
        cnt[0] = nk;
        starts[0] = start;
        have = Math.min(HISTORY, have + 1);
        blocksClosed++;
        n = 0;
        sumY = 0;
        sumU = 0;
        sumLr = 0;
        nLr = 0;
    }

    private void judge(long step, double mk, double uk, double lrk, long nk, double scale, AnomalySettings s,
                       AlertLifecycle life, List<Alert> out) {
        double d = m[0] - mk;
        if (life.isOpen(AlertKind.PLATEAU, Alert.NO_LAYER)) {
            if (d >= openExpected / 2) {
                life.resolve(AlertKind.PLATEAU, Alert.NO_LAYER, start - 1).ifPresent(out::add);
            }
            return;
        }
        double ubar = su / sw;
        double suuc = suu - su * su / sw;
        if (regBlocks < 2 || !(suuc > 0)) {
            return;
        }
        double b = (sum - su * sm / sw) / suuc;
        double e = -b * (uk - u[0]);
        // Flat: the drop over the last block (or the last two, k-2 to k: real runs have slow stretches of one
        // block) below plateauProgress of what the trend expects over the same span.
        int back = s.plateauFlatBlocks() - 1;
        if (have <= back) {
            return;
        }
        double expectedFlat = -b * (uk - u[back]);
        // A loss at its floor has nothing left to show: below plateauMinDrop the trend's expectation is no evidence.
        boolean flat = expectedFlat >= s.plateauMinDrop() && m[back] - mk < s.plateauProgress() * expectedFlat;
        double deficit = mk - (sm / sw + b * (uk - ubar));
        double sd = scale * Math.sqrt(1.0 / nk + 1.0 / sw + (uk - ubar) * (uk - ubar) / suuc);
        if (e > 0 && flat && deficit > s.plateauZ() * sd) {
            life.open(AlertKind.PLATEAU, Severity.WARNING, Alert.NO_LAYER, starts[0], step, Math.exp(mk),
                    Math.exp(mk - deficit), deficit / sd, String.format(Locale.ROOT,
                            "loss fell %.4f (log) over steps %d-%d, the run's earlier progress gave %.4f; %.4f above"
                                    + " its trend (%.1f sd)", d, starts[0], step, e, deficit, deficit / sd))
                    .ifPresent(a -> {
                        openExpected = e;
                        out.add(a);
                    });
        }
    }

    /**
     * Robust sd of one log loss about a locally linear trend: {@code sqrt(pi/2) E|D2| / sqrt(6)} for the second
     * difference {@code D2} of white noise (variance {@code 6 sd^2}). The loss rules' own scale (residuals against a
     * one-step prediction) also holds the prediction's lag, which on smooth curves logged every 128 steps is larger
     * than their noise.
     */
    private double noise() {
        return n2 < 2 ? 0 : SQRT_HALF_PI * meanAbs2 / Math.sqrt(6);
    }

    private void learnNoise(double y, AnomalySettings s) {
        if (!Double.isNaN(y2)) {
            double d2 = Math.abs(y - 2 * y1 + y2);
            n2++;
            double bound = n2 > 8 ? s.clipZ() * meanAbs2 * SQRT_HALF_PI : Double.POSITIVE_INFINITY;
            meanAbs2 += Math.max(s.scaleAlpha(), 1.0 / n2) * (Math.min(d2, bound) - meanAbs2);
        }
        y2 = y1;
        y1 = y;
    }

    /** True when the mean LRs of the blocks judged and extrapolated from differ by at most {@code ratio}. */
    private boolean lrSteady(double lrk, double ratio) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = 0;
        for (int i = -1; i < have; i++) {
            double x = i < 0 ? lrk : lr[i];
            if (x > 0) {
                lo = Math.min(lo, x);
                hi = Math.max(hi, x);
            }
        }
        return hi == 0 || hi <= ratio * lo;
    }

    void write(DataOutput out) throws IOException {
        out.writeLong(start);
        out.writeLong(n);
        out.writeDouble(sumY);
        out.writeDouble(sumU);
        out.writeDouble(sumLr);
        out.writeLong(nLr);
        out.writeInt(have);
        for (int i = 0; i < HISTORY; i++) {
            out.writeDouble(m[i]);
            out.writeDouble(u[i]);
            out.writeDouble(lr[i]);
            out.writeLong(cnt[i]);
            out.writeLong(starts[i]);
        }
        out.writeDouble(openExpected);
        for (double x : new double[] {sw, su, sm, suu, sum}) {
            out.writeDouble(x);
        }
        out.writeLong(regBlocks);
        out.writeLong(blocksClosed);
        out.writeDouble(y1);
        out.writeDouble(y2);
        out.writeDouble(meanAbs2);
        out.writeLong(n2);
    }

    static PlateauRule read(DataInput in) throws IOException {
        PlateauRule p = new PlateauRule();
        p.start = in.readLong();
        p.n = in.readLong();
        p.sumY = in.readDouble();
        p.sumU = in.readDouble();
        p.sumLr = in.readDouble();
        p.nLr = in.readLong();
        p.have = in.readInt();
        if (p.have < 0 || p.have > HISTORY) {
            throw new IOException("bad plateau history " + p.have);
        }
        for (int i = 0; i < HISTORY; i++) {
            p.m[i] = in.readDouble();
            p.u[i] = in.readDouble();
            p.lr[i] = in.readDouble();
            p.cnt[i] = in.readLong();
            p.starts[i] = in.readLong();
        }
        p.openExpected = in.readDouble();
        p.sw = in.readDouble();
        p.su = in.readDouble();
        p.sm = in.readDouble();
        p.suu = in.readDouble();
        p.sum = in.readDouble();
        p.regBlocks = in.readLong();
        p.blocksClosed = in.readLong();
        p.y1 = in.readDouble();
        p.y2 = in.readDouble();
        p.meanAbs2 = in.readDouble();
        p.n2 = in.readLong();
        return p;
    }
}
