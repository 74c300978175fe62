package dev.runlaw.math.fit;

/**
 * A law variant's parameter box and which parameters are held fixed, with the map between the box and the
 * unbounded internal coordinates Levenberg–Marquardt works in, so every iterate is feasible:
 * <ul>
 *   <li>bounded on both sides: {@code p = lo + (hi - lo) / (1 + exp(-z))} (logistic);</li>
 *   <li>bounded below only: {@code p = lo + exp(z)}; above only: {@code p = hi - exp(-z)};</li>
 *   <li>unbounded: {@code p = z}.</li>
 * </ul>
 * Only the free parameters have an internal coordinate ({@code z[k]} for parameter {@link #freeIndex}{@code [k]});
 * fixed ones keep their given value. {@code z} is clamped to ±700 before exponentiating (no overflow).
 * Immutable.
 */
final class BoundedParameters {
    final double[] lo;
    final double[] hi;
    final boolean[] fixed;
    final double[] fixedValues;
    /** Positions of the free parameters, increasing. */
    final int[] freeIndex;

    BoundedParameters(double[] lo, double[] hi, boolean[] fixed, double[] fixedValues) {
        this.lo = lo;
        this.hi = hi;
        this.fixed = fixed;
        this.fixedValues = fixedValues;
        int f = 0;
        for (boolean b : fixed) {
            if (!b) {
                f++;
            }
        }
        this.freeIndex = new int[f];
        f = 0;
        for (int j = 0; j < fixed.length; j++) {
            if (!fixed[j]) {
                freeIndex[f++] = j;
            }
        }
    }

    int freeCount() {
        return freeIndex.length;
    }

    /** The internal coordinates of the free parameters of {@code p}, each first moved just inside its box. */
    double[] toInternal(double[] p) {
        double[] z = new double[freeIndex.length];
        for (int k = 0; k < freeIndex.length; k++) {
            int j = freeIndex[k];
            z[k] = internal(clampInterior(p[j], lo[j], hi[j]), lo[j], hi[j]);
        }
        return z;
    }

    /** The full parameter vector for internal coordinates {@code z}: fixed values, and the free ones mapped. */
    double[] toExternal(double[] z) {
        double[] p = fixedValues.clone();
        for (int k = 0; k < freeIndex.length; k++) {
            int j = freeIndex[k];
            p[j] = external(z[k], lo[j], hi[j]);
        }
        return p;
    }

    /** {@code dp / dz} of free parameter {@code k} at internal coordinate {@code zk}. */
    double dExternal(int k, double zk) {
        int j = freeIndex[k];
        return dExternal(zk, lo[j], hi[j]);
    }

    /** {@code p} moved at least 1e-6 of the box's span (or of |p| for a half-open box) inside its finite bounds. */
    static double clampInterior(double p, double lo, double hi) {
        double span = Double.isFinite(hi) && Double.isFinite(lo) ? hi - lo : Math.max(1e-6, Math.abs(p));
        double eps = 1e-6 * span;
        double v = p;
        if (Double.isFinite(lo) && v < lo + eps) {
            v = lo + (Double.isFinite(hi) ? eps : Math.max(1e-9, eps));
        }
        if (Double.isFinite(hi) && v > hi - eps) {
            v = hi - eps;
        }
        return v;
    }

    static double internal(double p, double lo, double hi) {
        boolean fl = Double.isFinite(lo);
        boolean fh = Double.isFinite(hi);
        if (fl && fh) {
            double u = Math.min(1 - 1e-12, Math.max(1e-12, (p - lo) / (hi - lo)));
            return Math.log(u / (1 - u));
        } else if (fl) {
            return Math.log(Math.max(p - lo, 1e-300));
        } else if (fh) {
            return -Math.log(Math.max(hi - p, 1e-300));
        }
        return p;
    }

    static double external(double z, double lo, double hi) {
        boolean fl = Double.isFinite(lo);
        boolean fh = Double.isFinite(hi);
        double zc = Math.max(-700, Math.min(700, z));
        if (fl && fh) {
            return lo + (hi - lo) / (1 + Math.exp(-zc));
        } else if (fl) {
            return lo + Math.exp(zc);
        } else if (fh) {
            return hi - Math.exp(-zc);
        }
        return z;
    }

    static double dExternal(double z, double lo, double hi) {
        boolean fl = Double.isFinite(lo);
        boolean fh = Double.isFinite(hi);
        double zc = Math.max(-700, Math.min(700, z));
        if (fl && fh) {
            double s = 1 / (1 + Math.exp(-zc));
            return (hi - lo) * s * (1 - s);
        } else if (fl) {
            return Math.exp(zc);
        } else if (fh) {
            return Math.exp(-zc);
        }
        return 1;
    }
}
