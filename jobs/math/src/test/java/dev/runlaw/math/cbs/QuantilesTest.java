package dev.runlaw.math.cbs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.hipparchus.distribution.continuous.TDistribution;
import org.junit.jupiter.api.Test;

class QuantilesTest {
    @Test
    void expansionMatchesExactStudentTWithinATenthOfAPercent() {
        for (double level : new double[] {0.6827, 0.90, 0.95, 0.99}) {
            for (double df : new double[] {1, 2, 4.5, 7.9, 8, 11.3, 20, 100, 5000, 1e6}) {
                double exact = new TDistribution(df).inverseCumulativeProbability(0.5 + level / 2);
                assertThat(Quantiles.twoSidedT(level, df)).as("level %s df %s", level, df)
                        .isCloseTo(exact, within(1e-3 * exact));
            }
        }
    }
}
