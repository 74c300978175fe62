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
 * <p>Computation: going back from t, the LD sum groups the drop steps k into blocks of at most
 * {@code max(1, r * (t - k))} steps ({@link #BLOCK_RATIO} r = 0.2: single steps for the 5 most recent, then
 * geometrically longer), each represented by one node: its total LR drop at its drop-weighted mean LR (log-mean for increases) and mean
 * {@code S_k(t)} (decreases and increases apart). The kernel G is smooth in {@code ln S_k(t)}, so this midpoint rule
 * errs by O(r^2): against the direct O(t) sum the loss differs by < 3e-5 relative on the reference schedules (about
 * 1/20 of the fits' RMS residual). A block's sums are differences of prefix sums over the schedule, so preparing n
 * query steps costs O(T + n log T) for a T-step schedule, and a law evaluation O(n log T).
 */
public final class MultiPowerLaw implements LossLaw {
    private static final List<String> NAMES = List.of("L0", "A", "alpha", "B", "C", "beta", "gamma");
    /** Longest block of the loss-drop sum, as a fraction of its distance to the query step. */
    static final double BLOCK_RATIO = 0.2;
    private static final List<double[]> GRID;

    static {
        List<double[]> g = new ArrayList<>();
        // Alpha innermost: consecutive projections then share C, beta and gamma, so the curve's loss-drop sums are
        // computed once per kernel (18 times, not 54; see KernelSums).
        for (double c : new double[] {0.3, 2, 10}) {
            for (double beta : new double[] {0.3, 0.6, 1.0}) {
                for (double gamma : new double[] {0.3, 0.6}) {
                    for (double alpha : new double[] {0.3, 0.5, 0.8}) {
                        g.add(new double[] {alpha, c, beta, gamma});
                    }
                }
            }
        }
        GRID = List.copyOf(g);
    }

    private static final MultiPowerLaw PAPER = new MultiPowerLaw(false, false);
    private static final MultiPowerLaw WITH_WARMUP = new MultiPowerLaw(true, false);
    private static final MultiPowerLaw SCALED = new MultiPowerLaw(false, true);

    private final boolean warmupInLd;
    private final boolean scaledLd;

    private MultiPowerLaw(boolean warmupInLd, boolean scaledLd) {
        this.warmupInLd = warmupInLd;
        this.scaledLd = scaledLd;
    }

    /**
     * The variant whose loss drop scales with the power-law term: {@code L = L0 + (S1 + S_W)^(-alpha) * (A - B *
     * sum ...)}, i.e. an LR drop removes a fixed fraction of the reducible loss {@code A (S1 + S_W)^(-alpha)} rather
     * than a fixed amount. Same parameters, still linear in L0, A, B.
     */
    public static MultiPowerLaw withScaledLossDrop() {
        return SCALED;
    }

    /** Whether the loss drop scales with the power-law term ({@link #withScaledLossDrop()}). */
    public boolean scaledLossDrop() {
        return scaledLd;
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
        return warmupInLd ? "ld-over-warmup" : scaledLd ? "ld-scaled" : "";
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
        // A piecewise schedule's drop sums come in closed form per segment (KnotDropPrefix, O(log knots) a query):
        // materialising it step by step made every prepare O(steps), e.g. each what-if of a 10^6-step run. The
        // results equal those on the same per-step LR up to rounding.
        boolean knots = given.isPiecewise();
        LrSchedule schedule = knots ? given : given.perStep();
        int n = steps.length;
        long first = schedule.firstStep();
        long w = Math.max(first, warmupInLd ? first : schedule.peakStep());
        long maxStep = w;
        for (long t : steps) {
            if (!schedule.contains(t)) {
                throw new IndexOutOfBoundsException("step " + t + " outside " + schedule);
            }
            maxStep = Math.max(maxStep, t);
        }
        DropPrefix sums = knots ? new KnotDropPrefix(schedule, w) : new DropSums(schedule, w, maxStep);
        double[] area = new double[n];
        int[] start = new int[n + 1];
        Blocks blocks = new Blocks(64 * Math.max(1, n));
        double[] block = new double[6];
        for (int i = 0; i < n; i++) {
            long t = steps[i];
            area[i] = schedule.area(t);
            start[i] = blocks.size;
            double at = area[i];
            // Blocks (lo, hi] of drop steps going back from t, each at most BLOCK_RATIO of its distance to t long.
            long hi = t;
            while (hi > w && sums.rank(hi) > 0) {
                long len = Math.max(1, (long) ((t - hi) * BLOCK_RATIO));
                long lo = Math.max(w, hi - len);
                if (!sums.between(lo, hi, block)) {
                    hi = lo;
                    continue;
                }
                for (int o = 0; o < 6; o += 3) {
                    double wt = block[o];
                    if (wt > 0) {
                        // One node per block and sign: total drop at the drop-weighted mean LR and mean S_k(t).
                        double lnEta = o == 0 ? Math.log(Math.max(block[o + 1] / wt, 1e-30)) : block[o + 1] / wt;
                        blocks.add(o == 0 ? wt : -wt, lnEta, at - block[o + 2] / wt);
                    }
                }
                hi = lo;
            }
        }
        start[n] = blocks.size;
        return new Prepared(scaledLd, steps.clone(), area, start, Arrays.copyOf(blocks.w, blocks.size),
                Arrays.copyOf(blocks.lnEta, blocks.size), Arrays.copyOf(blocks.s, blocks.size), new KernelMemo());
    }

    /**
     * Prefix sums over the drop steps {@code j in (w, maxStep]} (those where the LR changes) of a per-step schedule,
     * decreases and increases apart: total drop {@code |eta_{j-1} - eta_j|}, drop-weighted LR {@code eta_j} and
     * drop-weighted area {@code S(j - 1)}; with {@code rank[k]}, the number of drop steps in {@code (w, w + k]}, any
     * block's sums are two look-ups.
     */
    private static final class DropSums implements DropPrefix {
        private final long w;
        private final int[] rank;
        private final double[][] prefix;

        DropSums(LrSchedule schedule, long w, long maxStep) {
            this.w = w;
            int len = (int) (maxStep - w);
            rank = new int[len + 1];
            int m = 0;
            double prevLr = schedule.lrAt(w);
            for (int k = 1; k <= len; k++) {
                double eta = schedule.lrAt(w + k);
                if (eta != prevLr) {
                    m++;
                }
                rank[k] = m;
                prevLr = eta;
            }
            prefix = new double[6][m + 1];
            int r = 0;
            prevLr = schedule.lrAt(w);
            for (int k = 1; k <= len && r < m; k++) {
                long j = w + k;
                double eta = schedule.lrAt(j);
                double drop = prevLr - eta;
                if (drop != 0) {
                    r++;
                    for (int q = 0; q < 6; q++) {
                        prefix[q][r] = prefix[q][r - 1];
                    }
                    int o = drop > 0 ? 0 : 3;
                    double d = Math.abs(drop);
                    prefix[o][r] += d;
                    // Increases (warmup, re-warmup) span LRs from near 0 within one block: their log-mean
                    // represents eta^-gamma far better there; a decay's LR varies little within a block.
                    prefix[o + 1][r] += d * (o == 0 ? eta : Math.log(eta));
                    prefix[o + 2][r] += d * schedule.area(j - 1);
                }
                prevLr = eta;
            }
        }

        @Override
        public long rank(long step) {
            return rank[(int) (step - w)];
        }

        @Override
        public boolean between(long lo, long hi, double[] out) {
            int a = rank[(int) (lo - w)];
            int b = rank[(int) (hi - w)];
            if (a == b) {
                return false;
            }
            for (int q = 0; q < 6; q++) {
                out[q] = prefix[q][b] - prefix[q][a];
            }
            return true;
        }
    }

    @Override
    public String toString() {
        return scaledLd ? "MultiPowerLaw[ld-scaled]" : "MultiPowerLaw";
    }

    private static final class Blocks {
        double[] w;
        double[] lnEta;
        double[] s;
        int size;

        Blocks(int capacity) {
            w = new double[capacity];
            lnEta = new double[capacity];
            s = new double[capacity];
        }

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

    /**
     * The loss-drop sums of the last evaluation, per point, with the kernel parameters they were computed at: an
     * evaluation at the same C, beta and gamma (e.g. the start grid's projections at several alpha, which fitters
     * scan with alpha innermost) reuses them instead of the per-block exponentials and logarithms, with the very
     * same numbers. Immutable, so a snapshot read by another thread is either complete or absent.
     */
    private record KernelSums(double c, double beta, double gamma, double[] sumG, double[] dC, double[] dBeta,
                              double[] dGamma) {
        boolean serves(double c2, double beta2, double gamma2, boolean withJacobian) {
            return Double.compare(c, c2) == 0 && Double.compare(beta, beta2) == 0
                    && Double.compare(gamma, gamma2) == 0 && (dC != null || !withJacobian);
        }
    }

    /** Holder of a curve's last {@link KernelSums} (a cache: its races only cost a recomputation). */
    private static final class KernelMemo {
        KernelSums last;
    }

    private record Prepared(boolean scaled, long[] steps, double[] area, int[] start, double[] w, double[] lnEta,
                            double[] s, KernelMemo memo) implements PreparedCurve {
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
            KernelSums k = memo.last;
            if (k == null || !k.serves(c, beta, gamma, jac != null)) {
                k = kernel(c, beta, gamma, jac != null);
                memo.last = k;
            }
            for (int i = 0; i < steps.length; i++) {
                double x0 = area[i] > 0 ? area[i] : Double.MIN_NORMAL;
                double lnS = Math.log(x0);
                double pw = Math.exp(-alpha * lnS);
                double sumG = k.sumG[i];
                // Scaled variant: the loss drop is multiplied by the power-law factor pw.
                double f = scaled ? pw : 1;
                values[offset + i] = l0 + a * pw - b * f * sumG;
                if (jac != null) {
                    double[] row = jac[offset + i];
                    row[0] = 1;
                    row[1] = pw;
                    row[2] = -(a - (scaled ? b * sumG : 0)) * pw * lnS;
                    row[3] = -f * sumG;
                    row[4] = -b * f * k.dC[i];
                    row[5] = -b * f * k.dBeta[i];
                    row[6] = -b * f * k.dGamma[i];
                }
            }
        }

        /** The per-point loss-drop sums (and their derivatives in C, beta, gamma when asked) at the kernel given. */
        private KernelSums kernel(double c, double beta, double gamma, boolean withJacobian) {
            int n = steps.length;
            double[] sums = new double[n];
            double[] dCs = withJacobian ? new double[n] : null;
            double[] dBetas = withJacobian ? new double[n] : null;
            double[] dGammas = withJacobian ? new double[n] : null;
            for (int i = 0; i < n; i++) {
                double sumG = 0, dC = 0, dBeta = 0, dGamma = 0;
                for (int j = start[i]; j < start[i + 1]; j++) {
                    double x = Math.exp(-gamma * lnEta[j]) * s[j];
                    double u = c * x + 1;
                    double lnU = Math.log(u);
                    double uPow = Math.exp(-beta * lnU);
                    double wj = w[j];
                    sumG += wj * (1 - uPow);
                    if (withJacobian) {
                        double common = wj * beta * uPow / u;
                        dC += common * x;
                        dBeta += wj * uPow * lnU;
                        dGamma -= common * c * lnEta[j] * x;
                    }
                }
                sums[i] = sumG;
                if (withJacobian) {
                    dCs[i] = dC;
                    dBetas[i] = dBeta;
                    dGammas[i] = dGamma;
                }
            }
            return new KernelSums(c, beta, gamma, sums, dCs, dBetas, dGammas);
        }
    }
}
