package dev.runlaw.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.runlaw.math.data.RunCurve;
import dev.runlaw.math.law.MomentumLaw;
import dev.runlaw.math.schedule.LrSchedule;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class FitErrorsTest {
    static final MomentumLaw LAW = MomentumLaw.withLambda(0.998);
    static final double[] PARAMS = {3.0, 0.5, 0.6, 0.8};

    /** A cosine run whose measured loss (every 100 steps, from step 0) is the law times {@code factor}. */
    static RunCurve run(double factor) {
        LrSchedule sch = LrSchedule.cosine(5000, 500, 3e-4, 3e-5);
        double[] loss = new double[sch.length()];
        Arrays.fill(loss, Double.NaN);
        for (int s = 100; s < sch.length(); s += 100) {
            loss[s] = factor * LAW.predict(PARAMS, sch, s);
        }
        return new RunCurve("cos", 0, sch.toArray(), loss);
    }

    @Test
    void isZeroWhenTheLawIsExact() {
        assertThat(FitErrors.predE(LAW, PARAMS, run(1))).isCloseTo(0, within(1e-12));
        assertThat(FitErrors.pooled(LAW, PARAMS, List.of(run(1), run(1)))).isCloseTo(0, within(1e-12));
    }

    @Test
    void isTheRelativeGapAveragedOverPostWarmupPoints() {
        // loss = 1.01 * prediction everywhere: |pred - loss| / loss = 0.01 / 1.01.
        RunCurve c = run(1.01);
        assertThat(FitErrors.predE(LAW, PARAMS, c)).isCloseTo(0.01 / 1.01, within(1e-12));
        // Points in the warmup (steps 100..400 here) are not scored, as the fitter does not use them.
        assertThat(FitErrors.relativeErrors(LAW, PARAMS, c)).hasSize(45);
    }

    @Test
    void poolsPointsNotRuns() {
        double e = FitErrors.pooled(LAW, PARAMS, List.of(run(1), run(1.02)));
        assertThat(e).isCloseTo(0.5 * 0.02 / 1.02, within(1e-12));
    }

    @Test
    void huberObjectiveIsQuadraticInsideDeltaAndLinearOutside() {
        assertThat(FitErrors.huberObjective(LAW, PARAMS, List.of(run(1)), 1e-3)).isCloseTo(0, within(1e-15));
        // 45 scored points, log residual r = -ln(1.0005) inside delta, then -ln(1.01) outside it.
        double in = Math.log(1.0005);
        assertThat(FitErrors.huberObjective(LAW, PARAMS, List.of(run(1.0005)), 1e-3))
                .isCloseTo(45 * 0.5 * in * in, within(1e-15));
        double out = Math.log(1.01);
        assertThat(FitErrors.huberObjective(LAW, PARAMS, List.of(run(1.01)), 1e-3))
                .isCloseTo(45 * 1e-3 * (out - 0.5e-3), within(1e-12));
    }
}
