package dev.runlaw.math.cbs;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Online gradient noise scale of one run: B_simple = tr(Σ)/|G|² (McCandlish et al. 2018, "An Empirical Model of
 * Large-Batch Training", arXiv 1812.06162, App. A).
 *
 * <p>Per step, from the squared gradient norm |G_s|² at batch B_s (the mean over replicas or micro-batches of each
 * one's own squared norm) and |G_b|² at batch B_b (the global batch), the unbiased per-step estimates are
 * <pre>
 *   |G|²_t  = (B_b·|G_b|² − B_s·|G_s|²) / (B_b − B_s)
 *   tr(Σ)_t = (|G_s|² − |G_b|²) / (1/B_s − 1/B_b)
 * </pre>
 * Each is smoothed <em>separately</em> by an exponentially weighted mean (half-life in steps or tokens), debiased
 * by dividing by the accumulated weight; B_simple is the ratio of the two means, never a mean of per-step ratios
 * (those are dominated by steps whose |G|²_t is near 0).
 *
 * <p>Interval: Fieller's theorem for the ratio of two correlated means (Fieller 1954): the set of R with
 * (ŝ − R·ĝ)² ≤ t²·Var(ŝ − R·ĝ), whose variances and covariance come from the weighted co-moments of the per-step
 * values divided by the Kish effective sample size (Σw)²/Σw², inflated by (1+ρ)/(1−ρ) for the lag-1
 * autocorrelation ρ of each series (which also absorbs part of the lag when the truth drifts). When ĝ is not
 * significantly above 0 the set is unbounded: {@link NoiseScaleStatus#LOWER_BOUND_ONLY}. Coverage on synthetic
 * per-example gradients with known truth is measured in {@code NoiseScaleCoverageTest} and docs/benchmarks.md.
 *
 * <p>O(1) state: 15 numbers; {@link #toBytes()} is {@value #STATE_BYTES} bytes. Not thread-safe.
 */
public final class NoiseScaleEstimator {
    private static final int VERSION = 1;
    /** Serialized size: version byte, 3 longs, 12 doubles. */
    public static final int STATE_BYTES = 1 + 3 * 8 + 12 * 8;
    private static final double MAX_RHO = 0.95;

    private final NoiseScaleSettings settings;
    private final double stepDecay;
    private final double lnHalfPerToken;

    private long count;
    private long lastStep = Long.MIN_VALUE;
    private long lagCount;
    /** Σw and Σw² of the exponential weights (newest weight 1). */
    private double w;
    private double w2;
    /** Weighted means of |G|²_t and tr(Σ)_t. */
    private double meanG;
    private double meanS;
    /** Weighted centred co-moments Σw(x − x̄)(y − ȳ). */
    private double cGG;
    private double cSS;
    private double cGS;
    /** Weighted lag-1 co-moments Σw(x_t − x̄)(x_{t−1} − x̄) and their weight. */
    private double aGG;
    private double aSS;
    private double wLag;
    private double prevG;
    private double prevS;

    /** An empty estimator. */
    public NoiseScaleEstimator(NoiseScaleSettings settings) {
        if (settings == null) {
            throw new IllegalArgumentException("settings must not be null");
        }
        this.settings = settings;
        this.stepDecay = Math.pow(0.5, 1 / settings.halfLifeSteps());
        this.lnHalfPerToken = settings.decaysInTokens() ? Math.log(0.5) / settings.halfLifeTokens() : 0;
    }

    /** The settings this estimator runs with. */
    public NoiseScaleSettings settings() {
        return settings;
    }

    /**
     * Adds one step's squared gradient norms.
     *
     * @param step        optimizer step; must increase (a gap of k steps decays the weights as k steps)
     * @param gradSqSmall |G_s|²: mean over the small batches of each one's own squared gradient norm
     * @param batchSmall  B_s, sequences in each small batch (≥ 1)
     * @param gradSqBig   |G_b|²: squared norm of the global (big-batch) gradient
     * @param batchBig    B_b, sequences in the global batch (&gt; B_s)
     * @param tokens      tokens in this step, 0 when unknown; used only when decaying in tokens
     * @return {@link SampleStatus#ACCEPTED}, or why the sample was ignored (the state is then unchanged)
     */
    public SampleStatus add(long step, double gradSqSmall, long batchSmall, double gradSqBig, long batchBig,
                            long tokens) {
        if (!Double.isFinite(gradSqSmall) || !Double.isFinite(gradSqBig)) {
            return SampleStatus.NON_FINITE;
        }
        if (gradSqSmall < 0 || gradSqBig < 0 || tokens < 0) {
            return SampleStatus.NEGATIVE;
        }
        if (batchSmall < 1 || batchSmall >= batchBig) {
            return SampleStatus.BAD_BATCH;
        }
        if (count > 0 && step <= lastStep) {
            return SampleStatus.OUT_OF_ORDER;
        }
        double bs = batchSmall;
        double bb = batchBig;
        double g = (bb * gradSqBig - bs * gradSqSmall) / (bb - bs);
        double s = (gradSqSmall - gradSqBig) / (1 / bs - 1 / bb);
        double d = count == 0 ? 0 : decay(step - lastStep, tokens);
        update(g, s, d);
        lastStep = step;
        return SampleStatus.ACCEPTED;
    }

    private double decay(long steps, long tokens) {
        if (lnHalfPerToken != 0 && tokens > 0) {
            return Math.exp(lnHalfPerToken * tokens);
        }
        return steps == 1 ? stepDecay : Math.pow(stepDecay, steps);
    }

    /** West's (1979) weighted update with forgetting factor d: exact for exponential weights, no cancellation. */
    private void update(double g, double s, double d) {
        w = d * w + 1;
        w2 = d * d * w2 + 1;
        double dG = g - meanG;
        double dS = s - meanS;
        meanG += dG / w;
        meanS += dS / w;
        cGG = d * cGG + dG * (g - meanG);
        cSS = d * cSS + dS * (s - meanS);
        cGS = d * cGS + dG * (s - meanS);
        if (count > 0) {
            wLag = d * wLag + 1;
            aGG = d * aGG + (g - meanG) * (prevG - meanG);
            aSS = d * aSS + (s - meanS) * (prevS - meanS);
            lagCount++;
        }
        prevG = g;
        prevS = s;
        count++;
    }

    /** The current estimate; cheap enough to call every step but meant for every N steps. */
    public NoiseScaleEstimate estimate() {
        if (count == 0) {
            return NoiseScaleEstimate.noData();
        }
        double g = meanG;
        double s = meanS;
        double point = g > 0 ? Math.max(0, s) / g : Double.NaN;
        double kish = w * w / w2;
        double dof = w - w2 / w;
        if (count < 2 || !(dof > 0)) {
            return new NoiseScaleEstimate(lastStep, point, 0, Double.POSITIVE_INFINITY, g, s, kish,
                    NoiseScaleStatus.WARMING_UP);
        }
        double fG = inflation(aGG, cGG);
        double fS = inflation(aSS, cSS);
        double vGG = cGG / dof / kish * fG;
        double vSS = cSS / dof / kish * fS;
        double vGS = cGS / dof / kish * Math.sqrt(fG * fS);
        double effective = kish / Math.max(fG, fS);
        double t = Quantiles.twoSidedT(settings.level(), effective - 1);
        double[] band = fieller(s, g, vSS, vGG, vGS, t);
        NoiseScaleStatus status;
        if (count < settings.minSamples()) {
            status = NoiseScaleStatus.WARMING_UP;
        } else if (Double.isInfinite(band[1])) {
            status = NoiseScaleStatus.LOWER_BOUND_ONLY;
        } else {
            status = NoiseScaleStatus.OK;
        }
        return new NoiseScaleEstimate(lastStep, point, band[0], band[1], g, s, effective, status);
    }

    /** (1+ρ)/(1−ρ) for the lag-1 autocorrelation ρ ∈ [0, 0.95]; 1 before there are lags. */
    private double inflation(double lagMoment, double moment) {
        if (lagCount < 2 || !(moment > 0)) {
            return 1;
        }
        double rho = (lagMoment / wLag) / (moment / w);
        rho = Math.max(0, Math.min(MAX_RHO, rho));
        return (1 + rho) / (1 - rho);
    }

    /**
     * Fieller's interval for R = s/g: {R ≥ 0 : (g² − t²vGG)R² − 2(sg − t²vGS)R + (s² − t²vSS) ≤ 0}. Bounded when
     * g is significant (g² &gt; t²vGG); otherwise [lower root, +∞) (or [0, +∞) when the whole line qualifies).
     */
    static double[] fieller(double s, double g, double vSS, double vGG, double vGS, double t) {
        double t2 = t * t;
        double a = g * g - t2 * vGG;
        double b = s * g - t2 * vGS;
        double c = s * s - t2 * vSS;
        double disc = b * b - a * c;
        if (a > 0 && g > 0) {
            double root = Math.sqrt(Math.max(0, disc));
            double lo = (b - root) / a;
            double hi = (b + root) / a;
            return new double[] {Math.max(0, lo), Math.max(0, hi)};
        }
        if (disc <= 0 || a == 0) {
            return new double[] {0, Double.POSITIVE_INFINITY};
        }
        // a < 0: the set is (−∞, r1] ∪ [r2, ∞); the branch towards +∞ (g → 0⁺) starts at the larger root.
        double root = Math.sqrt(disc);
        double r2 = Math.max((b - root) / a, (b + root) / a);
        return new double[] {Math.max(0, r2), Double.POSITIVE_INFINITY};
    }

    /** Accepted samples so far. */
    public long samples() {
        return count;
    }

    /** The state, versioned: {@value #STATE_BYTES} bytes. */
    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(STATE_BYTES);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeLong(count);
            out.writeLong(lastStep);
            out.writeLong(lagCount);
            for (double v : new double[] {w, w2, meanG, meanS, cGG, cSS, cGS, aGG, aSS, wLag, prevG, prevS}) {
                out.writeDouble(v);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * An estimator from {@link #toBytes()} with {@code settings} (which may differ from the writer's, e.g. a new
     * half-life applies from the next sample).
     *
     * @throws IllegalArgumentException on an unknown version or truncated bytes
     */
    public static NoiseScaleEstimator fromBytes(NoiseScaleSettings settings, byte[] state) {
        if (state == null || state.length == 0) {
            throw new IllegalArgumentException("noise scale state is empty");
        }
        if (state[0] != VERSION) {
            throw new IllegalArgumentException("unknown noise scale state version " + state[0]);
        }
        if (state.length != STATE_BYTES) {
            throw new IllegalArgumentException(
                    "noise scale state has " + state.length + " bytes, expected " + STATE_BYTES);
        }
        NoiseScaleEstimator e = new NoiseScaleEstimator(settings);
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(state))) {
            in.readByte();
            e.count = in.readLong();
            e.lastStep = in.readLong();
            e.lagCount = in.readLong();
            e.w = in.readDouble();
            e.w2 = in.readDouble();
            e.meanG = in.readDouble();
            e.meanS = in.readDouble();
            e.cGG = in.readDouble();
            e.cSS = in.readDouble();
            e.cGS = in.readDouble();
            e.aGG = in.readDouble();
            e.aSS = in.readDouble();
            e.wLag = in.readDouble();
            e.prevG = in.readDouble();
            e.prevS = in.readDouble();
        } catch (IOException ex) {
            throw new IllegalArgumentException("noise scale state unreadable: " + ex.getMessage(), ex);
        }
        return e;
    }
}
