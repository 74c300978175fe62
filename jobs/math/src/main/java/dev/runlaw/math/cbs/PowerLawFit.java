package dev.runlaw.math.cbs;

/**
 * A power law y = k·x^β fitted in log-log space (Zhang et al. 2024: CBS ∝ D^β; Bergsma et al. 2025, "Power
 * Lines": B_crit ∝ D^0.46, B_opt ∝ D^0.38).
 *
 * @param k          the coefficient
 * @param beta       the exponent
 * @param betaLo90   lower end of the interval on β (Student t, n − 2 degrees of freedom; 90 %)
 * @param betaHi90   upper end
 * @param r2         R² in log space
 * @param points     points fitted
 * @param residualSd residual standard deviation of log y (NaN with 2 points)
 * @param meanLogX   mean of log x over the points
 * @param sxx        Σ (log x − mean)²
 */
public record PowerLawFit(double k, double beta, double betaLo90, double betaHi90, double r2, int points,
                          double residualSd, double meanLogX, double sxx) {

    /** A fit known only by its parameters: {@link #predictInterval90} is then [NaN, NaN]. */
    public PowerLawFit(double k, double beta, double betaLo90, double betaHi90, double r2, int points) {
        this(k, beta, betaLo90, betaHi90, r2, points, Double.NaN, Double.NaN, Double.NaN);
    }

    /** k·x^β. */
    public double predict(double x) {
        return k * Math.pow(x, beta);
    }

    /**
     * The 90 % prediction interval for a new point at x: exp(log ŷ ± t·s·√(1 + 1/n + (log x − mean)²/Sxx)), so
     * it widens away from the fitted range; [NaN, NaN] when it cannot be computed (2 points, or a fit built from
     * parameters only).
     */
    public double[] predictInterval90(double x) {
        double y = predict(x);
        if (points < 3 || !Double.isFinite(residualSd) || !(sxx > 0)) {
            return new double[] {Double.NaN, Double.NaN};
        }
        double d = Math.log(x) - meanLogX;
        double half = Quantiles.twoSidedT(0.90, points - 2) * residualSd
                * Math.sqrt(1 + 1.0 / points + d * d / sxx);
        return new double[] {y * Math.exp(-half), y * Math.exp(half)};
    }
}
