package dev.runlaw.math.cbs;

import org.hipparchus.distribution.continuous.FDistribution;
import org.hipparchus.distribution.continuous.TDistribution;
import org.hipparchus.special.Erf;

/** Two-sided critical values for the package's intervals. */
final class Quantiles {
    /** Beyond this many degrees of freedom Student's t is the normal to within 0.1 %. */
    private static final double NORMAL_DF = 1e4;

    private Quantiles() {
    }

    /** t such that P(|T_df| ≤ t) = level (the normal's z for large df). */
    static double twoSidedT(double level, double df) {
        double p = 0.5 + level / 2;
        if (!(df >= 1)) {
            df = 1;
        }
        if (df > NORMAL_DF) {
            return Math.sqrt(2) * Erf.erfInv(2 * p - 1);
        }
        return new TDistribution(df).inverseCumulativeProbability(p);
    }

    /** The level-quantile of F(1, df): the profile-likelihood threshold for one parameter. */
    static double f1(double level, double df) {
        return new FDistribution(1, Math.max(1, df)).inverseCumulativeProbability(level);
    }
}
