package dev.runlaw.math.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.math.law.MomentumLaw;
import dev.runlaw.math.law.PreparedCurve;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link MomentumAreas#atSteps} on piecewise-linear schedules (closed forms per segment) against the per-step
 * recurrence {@link MomentumAreas#push} over the same per-step LR (Tissue et al. 2024, arXiv 2408.11029), on seeded
 * random schedules: rising warmups (detected) and explicit peaks below the warmup's maximum, constants, decays, jumps
 * and re-warmups (S2 going negative), first steps 0 and later, lambda in {0, 0.99, 0.999, 0.9995}, query steps at
 * knots, next to them and between them, unsorted and repeated.
 *
 * <p>Tolerances: S1 within 1e-11 relative (the per-step running sum drifts by ~n eps); S2 within 1e-9 of the scale
 * {@code sum_i |m_i|} up to the step (S2 itself may cancel to ~0 after a re-warmup, so a relative error of S2 is not
 * meaningful). Measured worst cases are printed.
 */
class MomentumAreasClosedFormTest {
    static final double[] LAMBDAS = {0, 0.99, 0.999, 0.9995};

    @Test
    void closedFormsMatchThePerStepRecurrenceOnRandomPiecewiseSchedules() {
        Random rnd = new Random(2024);
        double worstS1 = 0;
        double worstS2 = 0;
        for (int c = 0; c < 300; c++) {
            LrSchedule s = PiecewiseLrScheduleTest.randomPiecewise(rnd);
            if (c % 3 == 0) {
                // An explicit peak anywhere: the first post-peak drop is then from the warmup's largest LR.
                long[] ks = s.knotSteps();
                long peak = ks[rnd.nextInt(ks.length)] + (rnd.nextBoolean() ? 0 : 1);
                s = LrSchedule.piecewiseLinear(ks, s.knotValues(), Math.min(peak, s.lastStep()));
            }
            long[] steps = querySteps(s, rnd);
            double[][] got = MomentumAreas.atSteps(s, LAMBDAS, steps);
            for (int l = 0; l < LAMBDAS.length; l++) {
                Reference ref = new Reference(s, LAMBDAS[l]);
                for (int i = 0; i < steps.length; i++) {
                    int k = (int) (steps[i] - s.firstStep());
                    double e1 = Math.abs(got[0][i] - ref.s1[k]) / Math.max(ref.s1[k], PiecewiseLrScheduleTest.PEAK);
                    double e2 = Math.abs(got[1 + l][i] - ref.s2[k])
                            / Math.max(ref.absM[k], PiecewiseLrScheduleTest.PEAK);
                    worstS1 = Math.max(worstS1, e1);
                    worstS2 = Math.max(worstS2, e2);
                    assertThat(e1).as("S1 case %d lambda %s step %d", c, LAMBDAS[l], steps[i])
                            .isLessThanOrEqualTo(1e-11);
                    assertThat(e2).as("S2 case %d lambda %s step %d", c, LAMBDAS[l], steps[i])
                            .isLessThanOrEqualTo(1e-9);
                }
            }
        }
        System.out.printf("closed-form momentum areas vs per-step: S1 worst %.2e relative, S2 worst %.2e of sum|m|%n",
                worstS1, worstS2);
    }

    @Test
    void reWarmupDrivesTheClosedFormAreaNegativeAsThePerStepOne() {
        LrSchedule s = LrSchedule.builder().warmup(10, 0, 1e-4).constant(100, 1e-4).rewarmup(500, 1e-4, 1e-3)
                .constant(1000, 1e-3).buildPiecewise(1e-6);
        long last = s.lastStep();
        double[][] got = MomentumAreas.atSteps(s, new double[] {0.999}, new long[] {last});
        Reference ref = new Reference(s, 0.999);
        assertThat(got[1][0]).isNegative();
        assertThat(got[1][0]).isCloseTo(ref.s2[(int) last], org.assertj.core.api.Assertions.within(1e-9 * ref.absM[
                (int) last]));
    }

    @Test
    void momentumLawPreparesPiecewiseAsPerStep() {
        Random rnd = new Random(7);
        MomentumLaw law = MomentumLaw.withLambda(0.999);
        double[] p = {2.0, 2.4, 0.4, 300};
        for (int c = 0; c < 50; c++) {
            LrSchedule s = PiecewiseLrScheduleTest.randomPiecewise(rnd);
            LrSchedule d = PiecewiseLrScheduleTest.perStep(s);
            long[] steps = querySteps(s, rnd);
            double[] a = law.predict(p, s, steps);
            double[] b = law.predict(p, d, steps);
            for (int i = 0; i < steps.length; i++) {
                assertThat(Math.abs(a[i] - b[i])).isLessThanOrEqualTo(1e-9 * Math.abs(b[i]));
            }
            PreparedCurve pc = law.prepareVariants(s, steps).get(0);
            double[] v = new double[steps.length];
            pc.evaluate(p, v, 0, null);
            assertThat(v).isEqualTo(a);
        }
    }

    /** Knots, their neighbours, random steps between them, repeats; shuffled. */
    static long[] querySteps(LrSchedule s, Random rnd) {
        long[] ks = s.knotSteps();
        long[] out = new long[3 * ks.length + 40];
        int n = 0;
        for (long k : ks) {
            out[n++] = k;
            out[n++] = Math.max(s.firstStep(), k - 1);
            out[n++] = Math.min(s.lastStep(), k + 1);
        }
        while (n < out.length - 2) {
            out[n++] = s.firstStep() + (long) (rnd.nextDouble() * (s.lastStep() - s.firstStep() + 1));
        }
        out[n++] = out[0];
        out[n++] = s.lastStep();
        for (int i = out.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            long t = out[i];
            out[i] = out[j];
            out[j] = t;
        }
        return out;
    }

    /** S1, S2 and the running {@code sum |m_i|} at every step, from {@link MomentumAreas#push}. */
    static final class Reference {
        final double[] s1;
        final double[] s2;
        final double[] absM;

        Reference(LrSchedule s, double lambda) {
            double[] lr = s.toArray();
            MomentumAreas a = new MomentumAreas(lambda, s.firstStep(), s.peakStep());
            s1 = new double[lr.length];
            s2 = new double[lr.length];
            absM = new double[lr.length];
            double prev = 0;
            double abs = 0;
            for (int i = 0; i < lr.length; i++) {
                a.push(lr[i]);
                s1[i] = a.s1();
                s2[i] = a.s2();
                abs += Math.abs(s2[i] - prev);
                prev = s2[i];
                absM[i] = abs;
            }
        }
    }

    @Test
    void warmupQueriesCountTheLargestLrSoFar() {
        // A warmup that overshoots and comes back before the given peak step: S1 counts the running maximum.
        LrSchedule s = LrSchedule.piecewiseLinear(new long[] {0, 10, 20, 30, 100}, new double[] {0, 1e-3, 5e-4,
            6e-4, 6e-4}, 30);
        long[] steps = {5, 10, 15, 30, 31, 60, 100};
        double[][] got = MomentumAreas.atSteps(s, new double[] {0.99}, steps);
        Reference ref = new Reference(s, 0.99);
        for (int i = 0; i < steps.length; i++) {
            assertThat(got[0][i]).isCloseTo(ref.s1[(int) steps[i]], org.assertj.core.api.Assertions.within(1e-15));
            assertThat(got[1][i]).isCloseTo(ref.s2[(int) steps[i]], org.assertj.core.api.Assertions.within(1e-15));
        }
        assertThat(Arrays.stream(got[0]).limit(4).toArray()).containsExactly(2.5e-3, 1e-2, 1.5e-2, 3e-2);
    }
}
