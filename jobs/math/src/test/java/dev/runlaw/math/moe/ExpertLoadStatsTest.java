package dev.runlaw.math.moe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ExpertLoadStatsTest {
    private static final double EPS = 1e-12;

    @Test
    void balancedLayerHasUnitMaxOverMeanZeroCvAndFullEntropy() {
        ExpertLoadStats s = ExpertLoadStats.of(25, 25, 25, 25);
        assertThat(s.totalTokens()).isEqualTo(100);
        assertThat(s.maxOverMean()).isCloseTo(1.0, within(EPS));
        assertThat(s.cv()).isCloseTo(0.0, within(EPS));
        assertThat(s.normEntropy()).isCloseTo(1.0, within(EPS));
        assertThat(s.zeroExperts()).isZero();
    }

    @Test
    void collapsedLayerHitsTheExtremes() {
        ExpertLoadStats s = ExpertLoadStats.of(0, 80, 0, 0);
        assertThat(s.totalTokens()).isEqualTo(80);
        assertThat(s.maxOverMean()).isCloseTo(4.0, within(EPS));
        assertThat(s.cv()).isCloseTo(Math.sqrt(3.0), within(EPS));
        assertThat(s.normEntropy()).isCloseTo(0.0, within(EPS));
        assertThat(s.zeroExperts()).isEqualTo(3);
    }

    @Test
    void matchesHandComputedValuesForUnevenLoad() {
        // t = (1, 2, 3, 6): T = 12, mean 3, max/mean 2, var = (4 + 1 + 0 + 9) / 4 = 3.5.
        ExpertLoadStats s = ExpertLoadStats.of(1, 2, 3, 6);
        assertThat(s.maxOverMean()).isCloseTo(2.0, within(EPS));
        assertThat(s.cv()).isCloseTo(Math.sqrt(3.5) / 3.0, within(EPS));
        double h = 0;
        for (double t : new double[] {1, 2, 3, 6}) {
            h -= t / 12 * Math.log(t / 12);
        }
        assertThat(s.normEntropy()).isCloseTo(h / Math.log(4), within(EPS));
    }

    @Test
    void singleExpertIsTriviallyBalanced() {
        ExpertLoadStats s = ExpertLoadStats.of(7);
        assertThat(s).isEqualTo(new ExpertLoadStats(7, 1.0, 0.0, 1.0, 0));
    }

    @Test
    void layerWithoutTokensGivesZerosNotNaN() {
        assertThat(ExpertLoadStats.of(0, 0, 0)).isEqualTo(new ExpertLoadStats(0, 0.0, 0.0, 0.0, 3));
        assertThat(ExpertLoadStats.of(0)).isEqualTo(new ExpertLoadStats(0, 0.0, 0.0, 0.0, 1));
    }

    @Test
    void readsOnlyThePrefixOfAReusedBuffer() {
        long[] buf = {5, 5, 999, -1};
        assertThat(ExpertLoadStats.of(buf, 2)).isEqualTo(ExpertLoadStats.of(5, 5));
    }

    @Test
    void staysWithinBoundsOnRandomLoads() {
        Random rnd = new Random(42);
        for (int i = 0; i < 200; i++) {
            int e = 1 + rnd.nextInt(256);
            long[] t = new long[e];
            for (int j = 0; j < e; j++) {
                t[j] = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(10_000);
            }
            ExpertLoadStats s = ExpertLoadStats.of(t);
            if (s.totalTokens() > 0) {
                assertThat(s.maxOverMean()).isBetween(1.0 - EPS, (double) e + EPS);
                assertThat(s.cv()).isBetween(0.0, Math.sqrt(e - 1.0) + EPS);
            }
            assertThat(s.normEntropy()).isBetween(0.0, 1.0);
        }
    }

    @Test
    void refusesNegativeCountsAndEmptyInput() {
        assertThatThrownBy(() -> ExpertLoadStats.of(1, -2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expert 1");
        assertThatThrownBy(() -> ExpertLoadStats.of(new long[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ExpertLoadStats.of(new long[] {1}, 2)).isInstanceOf(IllegalArgumentException.class);
    }
}
