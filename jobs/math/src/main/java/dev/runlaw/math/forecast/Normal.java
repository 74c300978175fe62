package dev.runlaw.math.forecast;

import org.hipparchus.special.Erf;

/** Standard normal CDF and quantile (via Hipparchus {@link Erf}). */
final class Normal {
    private Normal() {
    }

    static double cdf(double x) {
        return 0.5 * Erf.erfc(-x / Math.sqrt(2));
    }

    static double quantile(double p) {
        return Math.sqrt(2) * Erf.erfInv(2 * p - 1);
    }
}
