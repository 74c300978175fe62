package dev.runlaw.math.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A piecewise-linear {@link LrSchedule} against its own per-step form ({@code LrSchedule.of(first, toArray(), peak)}).
 *
 * <p>Tolerances: {@code lrAt}, {@code minLr}, {@code toArray}, the detected peak: exact (the same interpolation
 * formula); {@code area}: 1e-11 relative (closed form vs a running sum, which drifts by ~n eps; measured 1.0e-12);
 * {@code truncate} and linear what-ifs: 4e-16 of twice the peak LR (the decay's two knots span the same line as the per-step formula, rounding only); specs built piecewise at
 * relative tolerance {@code tol}: within {@code tol} of the largest LR (+ 1e-15 for rounding), linear pieces within
 * 1e-15.
 */
class PiecewiseLrScheduleTest {
    static final double PEAK = 3e-4;

    /** Random knots: an optional rising warmup, then constants, decays, re-warmups and jumps (adjacent knots). */
    static LrSchedule randomPiecewise(Random rnd) {
        List<Long> steps = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        long s = rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(20);
        double v = rnd.nextBoolean() ? 0 : 1e-5 * rnd.nextDouble();
        steps.add(s);
        values.add(v);
        if (rnd.nextBoolean()) {
            s += 1 + rnd.nextInt(300);
            v = PEAK * (0.5 + rnd.nextDouble());
            steps.add(s);
            values.add(v);
        }
        int segments = 1 + rnd.nextInt(12);
        for (int i = 0; i < segments; i++) {
            int kind = rnd.nextInt(5);
            long len = switch (rnd.nextInt(4)) {
                case 0 -> 1;
                case 1 -> 2 + rnd.nextInt(15);
                case 2 -> 17 + rnd.nextInt(200);
                default -> 200 + rnd.nextInt(20_000);
            };
            s += len;
            v = switch (kind) {
                case 0 -> v;
                case 1 -> v * rnd.nextDouble();
                case 2 -> Math.min(2 * PEAK, v + PEAK * rnd.nextDouble());
                default -> PEAK * rnd.nextDouble();
            };
            steps.add(s);
            values.add(v);
        }
        long[] ks = steps.stream().mapToLong(Long::longValue).toArray();
        double[] kv = values.stream().mapToDouble(Double::doubleValue).toArray();
        return LrSchedule.piecewiseLinear(ks, kv);
    }

    static LrSchedule perStep(LrSchedule s) {
        return LrSchedule.of(s.firstStep(), s.toArray(), s.peakStep());
    }

    @Test
    void piecewiseScheduleEqualsItsPerStepFormAtEveryStep() {
        Random rnd = new Random(11);
        double worstArea = 0;
        for (int c = 0; c < 200; c++) {
            LrSchedule s = randomPiecewise(rnd);
            LrSchedule d = LrSchedule.of(s.firstStep(), s.toArray());
            assertThat(s.isPiecewise()).isTrue();
            assertThat(d.isPiecewise()).isFalse();
            assertThat(s.peakStep()).as("detected peak, case " + c).isEqualTo(d.peakStep());
            assertThat(s.peakLr()).isEqualTo(d.peakLr());
            assertThat(s.lastStep()).isEqualTo(d.lastStep());
            for (long t = s.firstStep(); t <= s.lastStep(); t++) {
                assertThat(s.lrAt(t)).isEqualTo(d.lrAt(t));
                double a = d.area(t);
                worstArea = Math.max(worstArea, Math.abs(s.area(t) - a) / Math.max(a, PEAK));
            }
            for (int q = 0; q < 20; q++) {
                long from = s.firstStep() - 5 + (long) (rnd.nextDouble() * (s.lastStep() - s.firstStep() + 10));
                long to = from + rnd.nextInt(30_000);
                assertThat(s.minLr(from, to)).isEqualTo(d.minLr(from, to));
            }
            assertThat(s.perStep().toArray()).isEqualTo(d.toArray());
            assertThat(s.perStep()).isSameAs(s.perStep());
        }
        // The per-step running sum itself drifts by up to ~n eps over n steps; measured 1.0e-12 here.
        System.out.printf("piecewise area vs per-step running sum: worst %.2e relative%n", worstArea);
        assertThat(worstArea).isLessThanOrEqualTo(1e-11);
    }

    @Test
    void truncateAndLinearWhatIfsStayPiecewise() {
        Random rnd = new Random(12);
        for (int c = 0; c < 100; c++) {
            LrSchedule s = randomPiecewise(rnd);
            LrSchedule d = perStep(s);
            long span = s.lastStep() - s.firstStep();
            long cut = s.firstStep() + (long) (rnd.nextDouble() * span);
            // A knot at the cut restarts the interpolation there: equal up to rounding, not bit for bit.
            assertSame(s.truncate(cut), d.truncate(cut), 4e-16 * 2 * PEAK);
            long start = s.firstStep() + 1 + (long) (rnd.nextDouble() * (span + 50));
            long end = start + rnd.nextInt(5_000);
            double floor = 1e-5 * rnd.nextDouble();
            LrSchedule w = s.withDecay(start, end, floor, Decay.LINEAR);
            assertThat(w.isPiecewise()).isTrue();
            assertSame(w, d.withDecay(start, end, floor, Decay.LINEAR), 4e-16 * 2 * PEAK);
            LrSchedule cos = s.withDecay(start, end, floor, Decay.COSINE);
            assertSame(cos, d.withDecay(start, end, floor, Decay.COSINE), 0);
            LrSchedule stop = s.stopWithCooldown(cut, rnd.nextInt(3), floor, Decay.LINEAR);
            assertSame(stop, d.stopWithCooldown(cut, stop.lastStep() - cut, floor, Decay.LINEAR), 4e-16 * 2 * PEAK);
        }
    }

    private static void assertSame(LrSchedule piecewise, LrSchedule perStep, double tol) {
        assertThat(piecewise.firstStep()).isEqualTo(perStep.firstStep());
        assertThat(piecewise.lastStep()).isEqualTo(perStep.lastStep());
        assertThat(piecewise.peakStep()).isEqualTo(perStep.peakStep());
        for (long t = piecewise.firstStep(); t <= piecewise.lastStep(); t++) {
            assertThat(Math.abs(piecewise.lrAt(t) - perStep.lrAt(t))).as("step " + t).isLessThanOrEqualTo(tol);
        }
    }

    @Test
    void builtPiecewiseStaysWithinItsToleranceForEveryShape() {
        double tol = 1e-6;
        List<Function<LrSchedule.Builder, LrSchedule.Builder>> specs = List.of(
                b -> b.warmup(2160, 0, PEAK).decay(200_000 - 2160, PEAK, PEAK / 10, Decay.COSINE),
                b -> b.warmup(500, 0, PEAK).constant(20_000, PEAK).decay(4_000, PEAK, PEAK / 10, Decay.EXPONENTIAL),
                b -> b.warmup(500, 0, PEAK).constant(20_000, PEAK).decay(4_000, PEAK, 0, Decay.LINEAR),
                b -> b.warmup(100, 1e-5, PEAK).cyclic(30_000, 3_000, PEAK, PEAK / 20, Decay.COSINE),
                b -> b.warmup(100, 0, PEAK).multiStep(9_000, PEAK, new int[] {5_000, 3_000, 3_000}, 0.3),
                b -> b.warmup(1, 0, PEAK).stepDecay(5_000, PEAK, 700, 0.5),
                b -> b.constant(300, PEAK).decay(3_000, PEAK, 0, Decay.EXPONENTIAL),
                b -> b.warmup(10, 0, 1e-4).constant(100, 1e-4).rewarmup(50, 1e-4, 1e-3).constant(100, 1e-3));
        for (int i = 0; i < specs.size(); i++) {
            for (long first : new long[] {0, 3}) {
                LrSchedule exact = specs.get(i).apply(LrSchedule.builder(first)).build();
                LrSchedule p = specs.get(i).apply(LrSchedule.builder(first)).buildPiecewise(tol);
                assertThat(p.isPiecewise()).isTrue();
                assertThat(p.firstStep()).isEqualTo(exact.firstStep());
                assertThat(p.lastStep()).isEqualTo(exact.lastStep());
                assertThat(p.peakStep()).isEqualTo(exact.peakStep());
                double max = 0;
                double worst = 0;
                for (long t = exact.firstStep(); t <= exact.lastStep(); t++) {
                    max = Math.max(max, exact.lrAt(t));
                    worst = Math.max(worst, Math.abs(p.lrAt(t) - exact.lrAt(t)));
                }
                boolean linear = i == 2 || i == 4 || i == 5 || i == 7;
                assertThat(worst).as("spec " + i).isLessThanOrEqualTo(linear ? 1e-15 * max : (tol + 1e-15) * max);
            }
        }
        // Knots do not grow with the length: a cosine over 10^6 steps at 1e-6 needs a few hundred.
        LrSchedule longCosine = LrSchedule.builder().warmup(2000, 0, PEAK)
                .decay(1_000_000 - 2000, PEAK, PEAK / 10, Decay.COSINE).buildPiecewise(tol);
        assertThat(longCosine.knotSteps().length).isBetween(100, 1000);
    }

    @Test
    void rejectsBadKnots() {
        assertThatThrownBy(() -> LrSchedule.piecewiseLinear(new long[0], new double[0]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LrSchedule.piecewiseLinear(new long[] {0, 0}, new double[] {1, 1}))
                .hasMessageContaining("increase");
        assertThatThrownBy(() -> LrSchedule.piecewiseLinear(new long[] {0, 5}, new double[] {1, Double.NaN}))
                .hasMessageContaining("lr at step 5");
        assertThatThrownBy(() -> LrSchedule.piecewiseLinear(new long[] {0, 5}, new double[] {1, 1}, 6))
                .hasMessageContaining("peak step");
        LrSchedule s = LrSchedule.piecewiseLinear(new long[] {2, 10}, new double[] {1, 1});
        assertThatThrownBy(() -> s.lrAt(11)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(s.area(1)).isZero();
    }
}
