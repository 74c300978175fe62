package dev.runlaw.math.law;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.math.schedule.Decay;
import dev.runlaw.math.schedule.LrSchedule;
import org.junit.jupiter.api.Test;

/**
 * A prepared multi-power curve reuses its loss-drop sums when C, beta and gamma repeat: every evaluation must give
 * exactly the numbers of a freshly prepared curve, whatever was evaluated before it (same kernel at another alpha,
 * another kernel, with and without the Jacobian), on a per-step and a piecewise schedule.
 */
class MultiPowerKernelReuseTest {
    static final double[][] SEQUENCE = {
        {3.0, 0.5, 0.5, 400, 1, 0.5, 0.5},
        {2.9, 0.6, 0.3, 300, 1, 0.5, 0.5},   // same kernel, other alpha and linear parameters
        {3.0, 0.5, 0.5, 400, 2, 0.5, 0.5},   // other C
        {3.0, 0.5, 0.5, 400, 2, 0.6, 0.5},   // other beta
        {3.0, 0.5, 0.5, 400, 2, 0.6, 0.7},   // other gamma
        {3.0, 0.5, 0.8, 400, 2, 0.6, 0.7},   // back to a repeated kernel
    };

    @Test
    void everyEvaluationEqualsAFreshCurveBitForBit() {
        MultiPowerLaw law = MultiPowerLaw.create();
        LrSchedule piecewise = LrSchedule.wsd(9000, 300, 7000, 3e-4, 3e-5, Decay.LINEAR);
        LrSchedule perStep = LrSchedule.cosine(6000, 300, 3e-4, 3e-5).perStep();
        for (LrSchedule s : new LrSchedule[] {piecewise, perStep}) {
            long[] steps = new long[40];
            for (int i = 0; i < steps.length; i++) {
                steps[i] = 400 + i * (s.lastStep() - 400) / steps.length;
            }
            PreparedCurve reused = law.prepare(s, steps);
            for (boolean withJacobian : new boolean[] {false, true, true, false}) {
                for (double[] p : SEQUENCE) {
                    double[] v = new double[steps.length];
                    double[][] j = withJacobian ? new double[steps.length][7] : null;
                    reused.evaluate(p, v, 0, j);
                    double[] fresh = new double[steps.length];
                    double[][] freshJ = withJacobian ? new double[steps.length][7] : null;
                    law.prepare(s, steps).evaluate(p, fresh, 0, freshJ);
                    assertThat(v).containsExactly(fresh);
                    for (int i = 0; withJacobian && i < steps.length; i++) {
                        assertThat(j[i]).containsExactly(freshJ[i]);
                    }
                }
            }
        }
    }
}
