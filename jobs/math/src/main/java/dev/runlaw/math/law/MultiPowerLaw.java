package dev.runlaw.math.law;

import dev.runlaw.math.schedule.LrSchedule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The multi-power law of Luo et al., "A Multi-Power Law for Loss Curve Prediction Across Learning Rate Schedules",
 * ICLR 2025, arXiv 2503.12811 (eq. 1 / Thm. 1):
 *
 * <pre>
 *   L(t)   = L0 + A * (S1(t) + S_W)^(-alpha) - LD(t)
 *   LD(t)  = B * sum_{k=W+1..t} (eta_{k-1} - eta_k) * G(eta_k^(-gamma) * S_k(t))
 *   G(x)   = 1 - (C * x + 1)^(-beta)
 *   S_k(t) = sum_{tau=k..t} eta_tau
 * </pre>
 *
 * {@code S1(t) + S_W} is the whole LR area up to t (warmup area S_W included, with the actual warmup LRs), W the
 * warmup's last step ({@link LrSchedule#peakStep()}): as in the paper, the loss-drop sum runs over post-warmup
 * steps only. Parameters {@code [L0, A, alpha, B, C, beta, gamma]}; LR in its own units (the kernel's C and gamma
 * absorb the scale). The law is linear in L0, A and B given the others.
 *
 * <p>Bounds: {@code 0 <= L0 <= min observed loss}, {@code A, B, C >= 0}, {@code 0.01 <= alpha <= 3},
 * {@code 0.2 <= beta <= 5}, {@code 0 <= gamma <= 2}. The floor on beta excludes the degenerate limit
 * {@code beta -> 0, B -> infinity} (kernel {@code ~ beta B ln(1 + Cx)}, unbounded) into which fits on the
 * reference curves otherwise drift with no better in-sample fit.
 *
 * <p>Computation: the LD sum at step t is exact for the 64 most recent steps with an LR change and, further back,
 * groups consecutive steps into blocks whose length is at most 4 % of their distance to t, each block represented
 * by its total LR drop at its drop-weighted mean log-LR and mean S_k(t) (increases and decreases apart). The
 * kernel G is smooth on that scale, so the relative error of LD is far below 1e-4, while a step costs O(log t)
 * instead of O(t).
 */
public final class MultiPowerLaw implements LossLaw {
    private static final List<String> NAMES = List.of("L0", "A", "alpha", "B", "C", "beta", "gamma");
    private static final int EXACT = 64;
    private static final double BLOCK_RATIO = 0.04;
    private static final List<double[]> GRID;

    static {
        List<double[]> g = new ArrayList<>();
        for (double alpha : new double[] {0.3, 0.5, 0.8}) {
            for (double c : new double[] {0.3, 2, 10}) {
                for (double beta : new double[] {0.3, 0.6, 1.0}) {
                    for (double gamma : new double[] {0.3, 0.6}) {
                        g.add(new double[] {alpha, c, beta, gamma});
                    }
                }
            }
        }
        GRID = List.copyOf(g);
    }

    private static final MultiPowerLaw PAPER = new MultiPowerLaw(false);
    private static final MultiPowerLaw WITH_WARMUP = new MultiPowerLaw(true);

    private final boolean warmupInLd;

    private MultiPowerLaw(boolean warmupInLd) {
        this.warmupInLd = warmupInLd;
    }

    /** The law with the loss-drop sum over post-warmup steps, as written in the paper. */
    public static MultiPowerLaw create() {
        return PAPER;
    }

    /**
     * The variant whose loss-drop sum also runs over the warmup's LR increases (negative drops), the convention
     * behind the authors' published parameters; it adds a slowly saturating term {@code +B * sum |d eta| G(...)}.
     */
    public static MultiPowerLaw withWarmupInLossDrop() {
        return WITH_WARMUP;
    }

    /** Whether the loss-drop sum includes the warmup steps. */
    public boolean warmupInLossDrop() {
        return warmupInLd;
    }

    @Override
    public String hyperParameters() {
        return warmupInLd ? "ld-over-warmup" : "";
    }

    @Override
    public String name() {
        return "multipower";
    }

    @Override
    public List<String> parameterNames() {
        return NAMES;
    }

    @Override
    public double[] lowerBounds(double minObservedLoss) {
        return new double[] {0, 0, 0.01, 0, 0, 0.2, 0};
    }

    @Override
    public double[] upperBounds(double minObservedLoss) {
        double inf = Double.POSITIVE_INFINITY;
        return new double[] {minObservedLoss, inf, 3, inf, inf, 5, 2};
    }

    @Override
    public int[] linearParameters() {
        return new int[] {0, 1, 3};
    }

    @Override
    public List<double[]> nonlinearGrid() {
        return GRID;
    }

    @Override
    public int[] annealingParameters() {
        return new int[] {3, 4, 5, 6};
    }

    @Override
    public PreparedCurve prepare(LrSchedule given, long[] steps) {
        // The kernel walks the LR step by step: a piecewise schedule is materialised (once, cached), so results
        // equal those on the same per-step LR.
        LrSchedule schedule = given.perStep();
        int n = steps.length;
        double[] area = new double[n];
        int[] start = new int[n + 1];
        Blocks blocks = new Blocks();
        long first = schedule.firstStep();
        long w = warmupInLd ? first : schedule.peakStep();
        for (int i = 0; i < n; i++) {
            long t = steps[i];
            if (!schedule.contains(t)) {
                throw new IndexOutOfBoundsException("step " + t + " outside " + schedule);
            }
            area[i] = schedule.area(t);
            start[i] = blocks.size;
            double at = area[i];
            long k = t;
            int changes = 0;
            while (k > w && k > first) {
                long d = t - k;
                int len = changes < EXACT ? 1 : (int) Math.max(1, Math.min(k - w, (long) (d * BLOCK_RATIO)));
                // block covers k-len+1 .. k
                double wp = 0, lp = 0, sp = 0, wn = 0, ln = 0, sn = 0;
                for (long j = k; j > k - len; j--) {
                    double eta = schedule.lrAt(j);
                    double drop = schedule.lrAt(j - 1) - eta;
                    if (drop == 0) {
                        continue;
                    }
                    double lnEta = Math.log(Math.max(eta, 1e-30));
                    double s = at - schedule.area(j - 1);
                    if (drop > 0) {
                        wp += drop;
                        lp += drop * lnEta;
                        sp += drop * s;
                    } else {
                        wn -= drop;
                        ln -= drop * lnEta;
                        sn -= drop * s;
                    }
                }
                if (wp > 0) {
                    blocks.add(wp, lp / wp, sp / wp);
                    changes++;
                }
                if (wn > 0) {
                    blocks.add(-wn, ln / wn, sn / wn);
                    changes++;
                }
                k -= len;
            }
        }
        start[n] = blocks.size;
        return new Prepared(steps.clone(), area, start, Arrays.copyOf(blocks.w, blocks.size),
                Arrays.copyOf(blocks.lnEta, blocks.size), Arrays.copyOf(blocks.s, blocks.size));
    }

    @Override
    public String toString() {
        return "MultiPowerLaw";
    }

    private static final class Blocks {
        double[] w = new double[256];
        double[] lnEta = new double[256];
        double[] s = new double[256];
        int size;

        void add(double wv, double lv, double sv) {
            if (size == w.length) {
                w = Arrays.copyOf(w, size * 2);
                lnEta = Arrays.copyOf(lnEta, size * 2);
                s = Arrays.copyOf(s, size * 2);
            }
            w[size] = wv;
            lnEta[size] = lv;
            s[size] = sv;
            size++;
        }
    }

    private record Prepared(long[] steps, double[] area, int[] start, double[] w, double[] lnEta, double[] s)
            implements PreparedCurve {
        @Override
        public int size() {
            return steps.length;
        }

        @Override
        public long step(int i) {
            return steps[i];
        }

        @Override
        public void evaluate(double[] p, double[] values, int offset, double[][] jac) {
            double l0 = p[0];
            double a = p[1];
            double alpha = p[2];
            double b = p[3];
            double c = p[4];
            double beta = p[5];
            double gamma = p[6];
            for (int i = 0; i < steps.length; i++) {
                double x0 = area[i] > 0 ? area[i] : Double.MIN_NORMAL;
                double lnS = Math.log(x0);
                double pw = Math.exp(-alpha * lnS);
                double sumG = 0, dC = 0, dBeta = 0, dGamma = 0;
                for (int j = start[i]; j < start[i + 1]; j++) {
                    double x = Math.exp(-gamma * lnEta[j]) * s[j];
                    double u = c * x + 1;
                    double lnU = Math.log(u);
                    double uPow = Math.exp(-beta * lnU);
                    double wj = w[j];
                    sumG += wj * (1 - uPow);
                    if (jac != null) {
                        double common = wj * beta * uPow / u;
                        dC += common * x;
                        dBeta += wj * uPow * lnU;
                        dGamma -= common * c * lnEta[j] * x;
                    }
                }
                values[offset + i] = l0 + a * pw - b * sumG;
                if (jac != null) {
                    double[] row = jac[offset + i];
                    row[0] = 1;
                    row[1] = pw;
                    row[2] = -a * pw * lnS;
                    row[3] = -sumG;
                    row[4] = -b * dC;
                    row[5] = -b * dBeta;
                    row[6] = -b * dGamma;
                }
            }
        }
    }
}
