package dev.runlaw.math.cbs;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Exponentially weighted first and second moments of the per-step pairs (|G|²_t, tr(Σ)_t) at one half-life,
 * with the lag-1 autocorrelations: the sufficient statistics of B_simple and its Fieller interval at that
 * half-life. West's (1979) weighted update with a forgetting factor: exact for exponential weights and free of
 * the cancellation in Σw·x² − (Σw·x)²/Σw.
 */
final class EmaMoments {
    /** Doubles written by {@link #write}. */
    static final int DOUBLES = 12;
    private static final double MAX_RHO = 0.95;

    /** Σw and Σw² of the exponential weights (newest weight 1). */
    private double w;
    private double w2;
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

    /** Adds (g, s) after decaying the old weights by {@code d} ∈ [0, 1]; {@code first} on the first sample. */
    void add(double g, double s, double d, boolean first) {
        w = d * w + 1;
        w2 = d * d * w2 + 1;
        double dG = g - meanG;
        double dS = s - meanS;
        meanG += dG / w;
        meanS += dS / w;
        cGG = d * cGG + dG * (g - meanG);
        cSS = d * cSS + dS * (s - meanS);
        cGS = d * cGS + dG * (s - meanS);
        if (!first) {
            wLag = d * wLag + 1;
            aGG = d * aGG + (g - meanG) * (prevG - meanG);
            aSS = d * aSS + (s - meanS) * (prevS - meanS);
        }
        prevG = g;
        prevS = s;
    }

    double meanG() {
        return meanG;
    }

    double meanS() {
        return meanS;
    }

    /**
     * B_simple's interval at this half-life: Fieller's set at two-sided {@code level}, with the means' variances
     * from the co-moments over the Kish effective sample size (Σw)²/Σw², inflated by (1+ρ)/(1−ρ) per series.
     *
     * @return {lo, hi, effective samples}; {0, +∞, n} while the variance cannot be estimated
     */
    double[] band(double level, long lags, boolean autocorrelated) {
        double kish = w * w / w2;
        double dof = w - w2 / w;
        if (!(dof > 0) || lags < 2) {
            return new double[] {0, Double.POSITIVE_INFINITY, kish};
        }
        double fG = autocorrelated ? inflation(aGG, cGG) : 1;
        double fS = autocorrelated ? inflation(aSS, cSS) : 1;
        double vGG = cGG / dof / kish * fG;
        double vSS = cSS / dof / kish * fS;
        double vGS = cGS / dof / kish * Math.sqrt(fG * fS);
        double effective = kish / Math.max(fG, fS);
        double t = Quantiles.twoSidedT(level, effective - 1);
        double[] lohi = fieller(meanS, meanG, vSS, vGG, vGS, t);
        return new double[] {lohi[0], lohi[1], effective};
    }

    /** (1+ρ)/(1−ρ) for the lag-1 autocorrelation ρ clamped to [0, 0.95]. */
    private double inflation(double lagMoment, double moment) {
        if (!(moment > 0) || !(wLag > 0)) {
            return 1;
        }
        double rho = (lagMoment / wLag) / (moment / w);
        rho = Math.max(0, Math.min(MAX_RHO, rho));
        return (1 + rho) / (1 - rho);
    }

    /**
     * Fieller's interval for R = s/g: {R ≥ 0 : (g² − t²vGG)R² − 2(sg − t²vGS)R + (s² − t²vSS) ≤ 0}. Bounded when
     * g is significantly above 0 (g² &gt; t²vGG); otherwise [the larger root, +∞) (the branch g → 0⁺), or
     * [0, +∞) when every R qualifies.
     */
    static double[] fieller(double s, double g, double vSS, double vGG, double vGS, double t) {
        double t2 = t * t;
        double a = g * g - t2 * vGG;
        double b = s * g - t2 * vGS;
        double c = s * s - t2 * vSS;
        double disc = b * b - a * c;
        if (a > 0 && g > 0) {
            double root = Math.sqrt(Math.max(0, disc));
            return new double[] {Math.max(0, (b - root) / a), Math.max(0, (b + root) / a)};
        }
        if (disc <= 0 || a == 0) {
            return new double[] {0, Double.POSITIVE_INFINITY};
        }
        double root = Math.sqrt(disc);
        double r2 = Math.max((b - root) / a, (b + root) / a);
        return new double[] {Math.max(0, r2), Double.POSITIVE_INFINITY};
    }

    void write(DataOutput out) throws IOException {
        for (double v : new double[] {w, w2, meanG, meanS, cGG, cSS, cGS, aGG, aSS, wLag, prevG, prevS}) {
            out.writeDouble(v);
        }
    }

    static EmaMoments read(DataInput in) throws IOException {
        EmaMoments m = new EmaMoments();
        m.w = in.readDouble();
        m.w2 = in.readDouble();
        m.meanG = in.readDouble();
        m.meanS = in.readDouble();
        m.cGG = in.readDouble();
        m.cSS = in.readDouble();
        m.cGS = in.readDouble();
        m.aGG = in.readDouble();
        m.aSS = in.readDouble();
        m.wLag = in.readDouble();
        m.prevG = in.readDouble();
        m.prevS = in.readDouble();
        return m;
    }
}
