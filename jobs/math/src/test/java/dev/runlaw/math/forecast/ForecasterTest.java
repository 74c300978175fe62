package dev.runlaw.math.forecast;

import static dev.runlaw.math.law.LawTestSupport.synthetic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.runlaw.math.fit.FitResult;
import dev.runlaw.math.fit.LawFitter;
import dev.runlaw.math.fit.RunObservations;
import dev.runlaw.math.law.MomentumLaw;
import dev.runlaw.math.schedule.Decay;
import dev.runlaw.math.schedule.LrSchedule;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ForecasterTest {
    static final double PEAK = 3e-4;
    static final LrSchedule COSINE = LrSchedule.cosine(12_000, 500, PEAK, PEAK / 10);
    static final LrSchedule CONSTANT = LrSchedule.constant(20_000, 500, PEAK);
    static final double[] TRUE = {3.0, 0.5, 0.5, 0.4};
    static final MomentumLaw LAW = MomentumLaw.withLambda(0.999);

    static FitResult fitOnCosineAndConstantHead() {
        RunObservations cos = synthetic("cosine", LAW, TRUE, COSINE, 50, 1e-3, 1);
        RunObservations con = synthetic("constant", LAW, TRUE, CONSTANT, 50, 1e-3, 2);
        RunObservations head = new RunObservations("head", CONSTANT, Arrays.copyOf(con.steps(), 150),
                Arrays.copyOf(con.losses(), 150));
        return LawFitter.create(LAW).fit(cos, head);
    }

    @Test
    void forecastsPlannedAndWhatIfSchedulesWithinTheirIntervals() {
        FitResult fit = fitOnCosineAndConstantHead();
        Forecaster f = Forecaster.create(fit).withLastObservedStep(7950);
        Forecast planned = f.forecast(CONSTANT, 19_999);
        LrSchedule decayAt15k = CONSTANT.withDecay(15_000, 19_999, PEAK / 10, Decay.LINEAR);
        Forecast whatIf = f.forecast(decayAt15k, 19_999);
        double truePlanned = LAW.predict(TRUE, CONSTANT, 19_999);
        double trueWhatIf = LAW.predict(TRUE, decayAt15k, 19_999);
        assertThat(planned.ok()).isTrue();
        assertThat(planned.covers(truePlanned)).as(planned.toString()).isTrue();
        assertThat(whatIf.covers(trueWhatIf)).as(whatIf.toString()).isTrue();
        assertThat(whatIf.point()).isLessThan(planned.point());
        assertThat(planned.point()).isCloseTo(truePlanned, within(0.005 * truePlanned));
        Forecast cooldown = f.forecast(CONSTANT.stopWithCooldown(10_000, 2000, 0, Decay.LINEAR), 12_000);
        assertThat(cooldown.ok()).isTrue();
        assertThat(cooldown.point()).isLessThan(f.forecast(CONSTANT, 12_000).point());
    }

    @Test
    void intervalWidensWithExtrapolation() {
        Forecaster f = Forecaster.create(fitOnCosineAndConstantHead()).withLastObservedStep(7950);
        Forecast near = f.forecast(CONSTANT, 8500);
        Forecast far = f.forecast(CONSTANT, 19_999);
        assertThat(far.logSd()).isGreaterThan(near.logSd());
    }

    @Test
    void withoutAnyAnnealingTheDecayForecastIsHonestlyWide() {
        RunObservations con = synthetic("constant", LAW, TRUE, CONSTANT, 50, 1e-3, 2);
        FitResult fit = LawFitter.create(LAW).fit(new RunObservations("head", CONSTANT,
                Arrays.copyOf(con.steps(), 150), Arrays.copyOf(con.losses(), 150)));
        assertThat(fit.annealingIdentified()).isFalse();
        LrSchedule decay = CONSTANT.withDecay(15_000, 19_999, PEAK / 10, Decay.LINEAR);
        Forecast fc = Forecaster.create(fit).withLastObservedStep(7950).forecast(decay, 19_999);
        assertThat(fc.ok()).isTrue();
        assertThat(fc.message()).contains("annealing not observed");
        assertThat((fc.hi() - fc.lo()) / fc.point()).isGreaterThan(0.08);
        assertThat(fc.covers(LAW.predict(TRUE, decay, 19_999))).isTrue();
    }

    @Test
    void failedFitGivesAFailedForecastNotNaN() {
        FitResult failed = LawFitter.create(LAW).fit(new RunObservations("x", CONSTANT, new long[] {1000},
                new double[] {3}));
        Forecast fc = Forecaster.create(failed).forecast(CONSTANT, 5000);
        assertThat(fc.ok()).isFalse();
        assertThat(fc.message()).contains("TOO_FEW_POINTS");
        Forecast warm = Forecaster.create(fitOnCosineAndConstantHead()).forecast(CONSTANT, 100);
        assertThat(warm.ok()).isFalse();
    }

    @Test
    void earlyStopRuleUsesTheProbabilityOfBeatingTheTarget() {
        Forecast f = new Forecast(10_000, 3.0, 2.95, 3.05, 0.9, 0.01, true, "");
        EarlyStopRule rule = EarlyStopRule.create();
        assertThat(rule.decide(f, 2.9).action()).isEqualTo(EarlyStopRule.Action.STOP);
        assertThat(rule.decide(f, 3.1).action()).isEqualTo(EarlyStopRule.Action.CONTINUE);
        EarlyStopRule.Decision d = rule.decide(f, 3.0);
        assertThat(d.action()).isEqualTo(EarlyStopRule.Action.UNDECIDED);
        assertThat(d.probabilityBeatsTarget()).isCloseTo(0.5, within(1e-9));
        Forecast sibling = new Forecast(10_000, 2.9, 2.85, 2.95, 0.9, 0.01, true, "");
        assertThat(rule.decide(f, sibling).action()).isEqualTo(EarlyStopRule.Action.STOP);
        assertThat(rule.decide(sibling, f).action()).isEqualTo(EarlyStopRule.Action.CONTINUE);
        Forecast failed = new Forecast(1, Double.NaN, Double.NaN, Double.NaN, 0.9, Double.NaN, false, "no fit");
        assertThat(rule.decide(failed, 3.0).action()).isEqualTo(EarlyStopRule.Action.UNDECIDED);
        assertThat(rule.decide(failed, 3.0).probabilityBeatsTarget()).isNaN();
    }
}
