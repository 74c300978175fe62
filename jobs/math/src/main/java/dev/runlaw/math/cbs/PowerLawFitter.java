package dev.runlaw.math.cbs;

/**
 * Ordinary least squares of log y on log x: y = k·x^β, as Zhang et al. 2024 (arXiv 2410.21676) fit the critical
 * batch size against the data size. The interval on β is β̂ ± t_{n−2}·s/√Sxx (90 %).
 */
public final class PowerLawFitter {
    private PowerLawFitter() {
    }

    /**
     * Fits y = k·x^β.
     *
     * @throws IllegalArgumentException on fewer than 2 points, mismatched lengths, values that are not finite and
     *                                  &gt; 0, or all x equal
     */
    public static PowerLawFit fit(double[] x, double[] y) {
        if (x == null || y == null || x.length != y.length) {
            throw new IllegalArgumentException("x and y must be non-null and of equal length");
        }
        int n = x.length;
        if (n < 2) {
            throw new IllegalArgumentException("a power law needs at least 2 points, got " + n);
        }
        double[] lx = new double[n];
        double[] ly = new double[n];
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            if (!(x[i] > 0) || Double.isInfinite(x[i]) || !(y[i] > 0) || Double.isInfinite(y[i])) {
                throw new IllegalArgumentException(
                        "point " + i + " must have finite x > 0 and y > 0, got (" + x[i] + ", " + y[i] + ")");
            }
            lx[i] = Math.log(x[i]);
            ly[i] = Math.log(y[i]);
            mx += lx[i] / n;
            my += ly[i] / n;
        }
        double sxx = 0;
        double sxy = 0;
        double syy = 0;
        for (int i = 0; i < n; i++) {
            sxx += (lx[i] - mx) * (lx[i] - mx);
            sxy += (lx[i] - mx) * (ly[i] - my);
            syy += (ly[i] - my) * (ly[i] - my);
        }
        if (!(sxx > 0)) {
            throw new IllegalArgumentException("a power law needs at least 2 distinct x values");
        }
        double beta = sxy / sxx;
        double logK = my - beta * mx;
        double rss = 0;
        for (int i = 0; i < n; i++) {
            double r = ly[i] - logK - beta * lx[i];
            rss += r * r;
        }
        double r2 = syy > 0 ? 1 - rss / syy : 1;
        double sd = n > 2 ? Math.sqrt(rss / (n - 2)) : Double.NaN;
        double lo = Double.NaN;
        double hi = Double.NaN;
        if (n > 2) {
            double half = Quantiles.twoSidedT(0.90, n - 2) * sd / Math.sqrt(sxx);
            lo = beta - half;
            hi = beta + half;
        }
        return new PowerLawFit(Math.exp(logK), beta, lo, hi, r2, n, sd, mx, sxx);
    }
}
