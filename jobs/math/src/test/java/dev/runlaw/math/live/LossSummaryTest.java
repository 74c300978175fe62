package dev.runlaw.math.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LossSummaryTest {
    static double loss(long s, Random rnd) {
        return 2.5 + 3 * Math.pow(s + 100, -0.3) + 0.01 * rnd.nextGaussian();
    }

    @Test
    void isExactUpToItsCapacity() {
        Random rnd = new Random(3);
        LossSummary s = LossSummary.create();
        long[] steps = new long[LossSummary.DEFAULT_CAPACITY];
        double[] losses = new double[steps.length];
        for (int i = 0; i < steps.length; i++) {
            steps[i] = 2160 + 128L * i;
            losses[i] = loss(steps[i], rnd);
            s.add(steps[i], losses[i]);
        }
        assertThat(s.exact()).isTrue();
        assertThat(s.steps()).containsExactly(steps);
        assertThat(s.losses()).containsExactly(losses);
        assertThat(s.observed()).isEqualTo(steps.length);
    }

    @Test
    void staysBoundedBeyondCapacityAndKeepsTotalsAndOrder() {
        Random rnd = new Random(5);
        LossSummary s = LossSummary.create(64);
        double sum = 0;
        double last = 0;
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            last = loss(i, rnd);
            sum += last;
            s.add(3L * i + 1, last);
            assertThat(s.size()).isLessThanOrEqualTo(64);
        }
        assertThat(s.exact()).isFalse();
        assertThat(s.observed()).isEqualTo(n);
        double[] w = s.weights();
        double[] l = s.losses();
        double tw = 0;
        double tl = 0;
        for (int i = 0; i < w.length; i++) {
            tw += w[i];
            tl += w[i] * l[i];
        }
        // Merging preserves the total weight and the weighted sum of losses.
        assertThat(tw).isEqualTo(n);
        assertThat(tl).isCloseTo(sum, within(1e-9 * sum));
        long[] st = s.steps();
        for (int i = 1; i < st.length; i++) {
            assertThat(st[i]).isGreaterThan(st[i - 1]);
        }
        // Uniform downsampling: every closed bucket holds the same number of consecutive points, the open last one
        // at most that many, and at least half the capacity is in use.
        assertThat(s.size()).isGreaterThanOrEqualTo(32);
        double width = s.bucketWidth();
        assertThat(width).isEqualTo(2048);
        for (int i = 0; i + 1 < w.length; i++) {
            assertThat(w[i]).isEqualTo(width);
            // a bucket of consecutive points spaced 3 apart: mean step in the middle of its span
            assertThat((double) st[i]).isCloseTo(1 + 3 * (width * i + (width - 1) / 2), within(0.5));
        }
        assertThat(w[w.length - 1]).isBetween(1.0, width);
        assertThat(s.lastStep()).isEqualTo(3L * (n - 1) + 1);
    }

    @Test
    void rejectsBadInput() {
        LossSummary s = LossSummary.create();
        s.add(10, 3);
        assertThatThrownBy(() -> s.add(10, 3)).hasMessageContaining("not after");
        assertThatThrownBy(() -> s.add(11, Double.NaN)).hasMessageContaining("loss at step 11");
        assertThatThrownBy(() -> s.add(11, 0)).hasMessageContaining("loss at step 11");
        assertThatThrownBy(() -> LossSummary.create(4)).hasMessageContaining("capacity");
    }
}
