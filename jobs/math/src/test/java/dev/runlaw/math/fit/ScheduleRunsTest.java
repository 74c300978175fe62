package dev.runlaw.math.fit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.math.law.LossLaw;
import dev.runlaw.math.law.MomentumLaw;
import dev.runlaw.math.law.PreparedCurve;
import dev.runlaw.math.schedule.Decay;
import dev.runlaw.math.schedule.LrSchedule;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScheduleRunsTest {
    static final LrSchedule WSD = LrSchedule.wsd(6000, 300, 4000, 3e-4, 3e-5, Decay.LINEAR);
    static final LrSchedule COSINE = LrSchedule.cosine(5000, 200, 3e-4, 3e-5);
    static final long[] WSD_STEPS = {5999, 301, 4000, 4500, 4501, 1000};
    static final long[] COSINE_STEPS = {250, 2500, 4999};

    private static ScheduleRuns runs(LossLaw law) {
        return new ScheduleRuns(law, List.of(WSD, COSINE), List.of(WSD_STEPS, COSINE_STEPS),
                List.of(new double[WSD_STEPS.length], new double[COSINE_STEPS.length]), true);
    }

    private static double[] values(PreparedCurve c, double[] p) {
        double[] v = new double[c.size()];
        double[][] jac = new double[c.size()][4];
        c.evaluate(p, v, 0, jac);
        double[] out = new double[v.length * 5];
        for (int i = 0; i < v.length; i++) {
            out[5 * i] = v[i];
            System.arraycopy(jac[i], 0, out, 5 * i + 1, 4);
        }
        return out;
    }

    @Test
    void everyVariantEqualsItsOwnPrepareBitForBit() {
        MomentumLaw law = MomentumLaw.create();
        ScheduleRuns r = runs(law);
        double[] p = {3.0, 0.5, 0.6, 0.4};
        for (LossLaw v : law.variants()) {
            assertThat(values(r.prepare(v, 0), p)).containsExactly(values(v.prepare(WSD, WSD_STEPS), p));
            assertThat(values(r.prepare(v, 1), p)).containsExactly(values(v.prepare(COSINE, COSINE_STEPS), p));
        }
        assertThat(r.prepare(law.variants().get(2), 0)).isSameAs(r.prepare(law.variants().get(2), 0));
    }

    @Test
    void aVariantOutsideTheLawsListIsPreparedOnItsOwn() {
        ScheduleRuns r = runs(MomentumLaw.create());
        MomentumLaw other = MomentumLaw.withLambda(0.97);
        double[] p = {3.0, 0.5, 0.6, 0.4};
        assertThat(values(r.prepare(other, 0), p)).containsExactly(values(other.prepare(WSD, WSD_STEPS), p));
        assertThat(r.weights(1)).containsExactly(1, 1, 1);
        assertThat(r.runCount()).isEqualTo(2);
        assertThat(r.annealed()).isTrue();
    }
}
