package dev.runlaw.math.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runlaw.math.schedule.Decay;
import dev.runlaw.math.schedule.LrSchedule;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LrTrackTest {
    /** Rounding slack of the interpolation, relative to the peak LR. */
    static final double ROUNDING = 1e-14;

    static double maxRelativeError(LrTrack t, double[] lr, long first) {
        double peak = 0;
        for (double v : lr) {
            peak = Math.max(peak, v);
        }
        double worst = 0;
        for (int i = 0; i < lr.length; i++) {
            worst = Math.max(worst, Math.abs(t.lrAt(first + i) - lr[i]) / peak);
        }
        return worst;
    }

    static LrTrack track(double[] lr, long first, double tol, int maxKnots) {
        LrTrack t = LrTrack.create(tol, maxKnots);
        for (int i = 0; i < lr.length; i++) {
            t.append(first + i, lr[i]);
        }
        return t;
    }

    @Test
    void reproducesEveryAppendedLrWithinTheTolerance() {
        Random rnd = new Random(7);
        double[] noisy = LrSchedule.cosine(50_000, 1000, 3e-4, 3e-5).toArray();
        for (int i = 0; i < noisy.length; i++) {
            // float32 rounding, as a trainer logs it
            noisy[i] = (float) (noisy[i] * (1 + 1e-7 * rnd.nextGaussian()));
        }
        double[][] cases = {
            LrSchedule.cosine(200_000, 2000, 3e-4, 3e-5).toArray(),
            LrSchedule.wsd(100_000, 2160, 80_000, 3e-4, 3e-5, Decay.EXPONENTIAL).toArray(),
            LrSchedule.builder().warmup(500, 1e-5, 1e-3).cyclic(60_000, 5000, 1e-3, 1e-4, Decay.COSINE).build()
                .toArray(),
            noisy,
        };
        for (double[] lr : cases) {
            LrTrack t = track(lr, 5, LrTrack.DEFAULT_TOLERANCE, LrTrack.DEFAULT_MAX_KNOTS);
            assertThat(t.knotCount()).isLessThanOrEqualTo(LrTrack.DEFAULT_MAX_KNOTS);
            System.out.printf(java.util.Locale.ROOT, "LrTrack: %d steps -> %d knots, max error %.2e of peak (bound %.1e)%n",
                    lr.length, t.knotCount(), maxRelativeError(t, lr, 5), t.tolerance());
            assertThat(maxRelativeError(t, lr, 5)).isLessThanOrEqualTo(t.tolerance() + ROUNDING);
            assertThat(t.firstStep()).isEqualTo(5);
            assertThat(t.lastStep()).isEqualTo(5 + lr.length - 1);
            // the per-step schedule is the same piecewise-linear function
            LrSchedule s = t.toSchedule();
            for (long step = s.firstStep(); step <= s.lastStep(); step += 997) {
                assertThat(s.lrAt(step)).isEqualTo(t.lrAt(step));
            }
        }
    }

    @Test
    void linearAndConstantStretchesNeedFewKnotsAndAreExact() {
        double[] lr = LrSchedule.wsd(72_000, 2160, 60_000, 3e-4, 3e-5, Decay.LINEAR).toArray();
        LrTrack t = track(lr, 0, LrTrack.DEFAULT_TOLERANCE, LrTrack.DEFAULT_MAX_KNOTS);
        assertThat(t.knotCount()).isLessThanOrEqualTo(5);
        assertThat(maxRelativeError(t, lr, 0)).isLessThan(ROUNDING);
        assertThat(t.knotValues()[0]).isEqualTo(0);
    }

    @Test
    void boundsTheKnotsByCoarseningAndReportsTheErrorBound() {
        Random rnd = new Random(11);
        double[] lr = new double[20_000];
        for (int i = 0; i < lr.length; i++) {
            lr[i] = 1e-3 * (1 + 0.05 * rnd.nextGaussian());
        }
        LrTrack t = track(lr, 0, 1e-4, 64);
        assertThat(t.knotCount()).isLessThanOrEqualTo(64);
        assertThat(t.tolerance()).isGreaterThan(1e-4);
        assertThat(maxRelativeError(t, lr, 0)).isLessThanOrEqualTo(t.tolerance() + ROUNDING);
    }

    @Test
    void aGapIsLinearBetweenKnotsAndKnotsRebuildTheTrack() {
        LrTrack t = LrTrack.create();
        t.append(0, 0);
        t.append(10, 1e-3);
        t.append(30, 1e-3);
        t.append(40, 5e-4);
        assertThat(t.lrAt(5)).isEqualTo(5e-4);
        assertThat(t.lrAt(20)).isEqualTo(1e-3);
        assertThat(t.lrAt(35)).isEqualTo(7.5e-4);
        LrTrack r = LrTrack.of(t.knotSteps(), t.knotValues());
        for (long s = 0; s <= 40; s++) {
            assertThat(r.lrAt(s)).isEqualTo(t.lrAt(s));
        }
        r.append(50, 0);
        assertThat(r.lrAt(45)).isEqualTo(2.5e-4);
        assertThat(LrTrack.of(new long[] {7}, new double[] {1e-3}).lastStep()).isEqualTo(7);
    }

    @Test
    void rejectsBadInput() {
        LrTrack t = LrTrack.create();
        assertThatThrownBy(t::firstStep).isInstanceOf(IllegalStateException.class);
        t.append(3, 1e-3);
        assertThatThrownBy(() -> t.append(3, 1e-3)).hasMessageContaining("not after");
        assertThatThrownBy(() -> t.append(4, Double.NaN)).hasMessageContaining("lr at step 4");
        assertThatThrownBy(() -> t.append(4, -1)).hasMessageContaining("lr at step 4");
        assertThatThrownBy(() -> t.lrAt(4)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> LrTrack.of(new long[] {1, 1}, new double[] {1, 1})).hasMessageContaining("increase");
        assertThatThrownBy(() -> LrTrack.create(1e-6, 2)).hasMessageContaining("maxKnots");
    }
}
