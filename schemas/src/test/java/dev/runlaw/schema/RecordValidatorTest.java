package dev.runlaw.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runlaw.schema.validate.Limits;
import dev.runlaw.schema.validate.RecordValidator;
import dev.runlaw.schema.validate.RejectReason;
import dev.runlaw.schema.validate.Rejection;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

class RecordValidatorTest {
    private final RecordValidator validator = new RecordValidator(Limits.defaults());

    private RejectReason reasonOf(SpecificRecord r) {
        Optional<Rejection> rej = validator.validate(r);
        assertThat(rej).as("expected a rejection for " + r).isPresent();
        return rej.get().reason();
    }

    @Test
    void acceptsEveryValidSample() {
        for (SpecificRecord r : Samples.all()) {
            assertThat(validator.validate(r)).as(r.getClass().getSimpleName()).isEmpty();
        }
    }

    @Test
    void refusesNonFiniteLossOnStepsAndEvals() {
        StepMetrics s = Samples.step();
        s.setLoss(Double.NaN);
        assertThat(reasonOf(s)).isEqualTo(RejectReason.NON_FINITE_LOSS);
        s.setLoss(Double.POSITIVE_INFINITY);
        assertThat(reasonOf(s)).isEqualTo(RejectReason.NON_FINITE_LOSS);
        s.setLoss(null);
        assertThat(validator.validate(s)).isEmpty();
        EvalMetrics e = Samples.eval();
        e.setLoss(Double.NaN);
        assertThat(reasonOf(e)).isEqualTo(RejectReason.NON_FINITE_LOSS);
    }

    @Test
    void refusesNegativeStepButAllowsMinusOneForInferenceTraffic() {
        StepMetrics s = Samples.step();
        s.setStep(-1);
        assertThat(reasonOf(s)).isEqualTo(RejectReason.NEGATIVE_STEP);
        DataMovement d = Samples.dataMovement();
        d.setStep(-1);
        assertThat(validator.validate(d)).isEmpty();
        d.setStep(-2);
        assertThat(reasonOf(d)).isEqualTo(RejectReason.NEGATIVE_STEP);
    }

    @Test
    void refusesMissingOrBlankOrOverlongRunId() {
        StepMetrics s = Samples.step();
        s.setRunId("");
        assertThat(reasonOf(s)).isEqualTo(RejectReason.MISSING_RUN_ID);
        s.setRunId("   ");
        assertThat(reasonOf(s)).isEqualTo(RejectReason.MISSING_RUN_ID);
        s.setRunId("x".repeat(257));
        assertThat(reasonOf(s)).isEqualTo(RejectReason.FIELD_TOO_LONG);
        RoutingTraceBatch r = Samples.routing();
        r.setSource("");
        assertThat(reasonOf(r)).isEqualTo(RejectReason.MISSING_RUN_ID);
    }

    @Test
    void refusesExpertArraysOverTheConfiguredLimit() {
        RecordValidator small = new RecordValidator(Limits.fromMap(Map.of("limits.max-experts", "4")));
        ExpertLoad load = Samples.expertLoad();
        Optional<Rejection> rej = small.validate(load);
        assertThat(rej).isPresent();
        assertThat(rej.get().reason()).isEqualTo(RejectReason.OVER_LIMIT);
        assertThat(rej.get().message()).contains("max-experts=4");
        load.setTokensPerExpert(List.of(1L, -1L));
        assertThat(reasonOf(load)).isEqualTo(RejectReason.OUT_OF_RANGE);
        load.setTokensPerExpert(List.of());
        assertThat(reasonOf(load)).isEqualTo(RejectReason.OUT_OF_RANGE);
    }

    @Test
    void refusesRoutingBatchesOverTokenLimitTopKOrWithMismatchedWeights() {
        RecordValidator small = new RecordValidator(Limits.fromMap(Map.of("limits.max-tokens-per-batch", "1")));
        assertThat(small.validate(Samples.routing()).map(Rejection::reason)).contains(RejectReason.OVER_LIMIT);

        RoutingTraceBatch r = Samples.routing();
        r.getTokens().get(0).setGateWeights(List.of(1.0f));
        assertThat(reasonOf(r)).isEqualTo(RejectReason.INCONSISTENT);

        r = Samples.routing();
        r.getTokens().get(0).setExpertIds(new ArrayList<>(Collections.nCopies(65, 1)));
        r.getTokens().get(0).setGateWeights(List.of());
        assertThat(reasonOf(r)).isEqualTo(RejectReason.OVER_LIMIT);

        r = Samples.routing();
        r.getTokens().get(1).setExpertIds(List.of(1, 4096));
        assertThat(reasonOf(r)).isEqualTo(RejectReason.OVER_LIMIT);

        r = Samples.routing();
        r.getTokens().get(0).setGateWeights(List.of(Float.NaN, 0.5f));
        assertThat(reasonOf(r)).isEqualTo(RejectReason.NON_FINITE_VALUE);
    }

    @Test
    void refusesInconsistentGradientNoiseInputs() {
        StepMetrics s = Samples.step();
        s.setBatchSmall(null);
        assertThat(reasonOf(s)).isEqualTo(RejectReason.INCONSISTENT);
        s = Samples.step();
        s.setBatchSmall(512L);
        assertThat(reasonOf(s)).isEqualTo(RejectReason.INCONSISTENT);
        s = Samples.step();
        s.setGradSqNormBig(-1.0);
        assertThat(reasonOf(s)).isEqualTo(RejectReason.OUT_OF_RANGE);
    }

    @Test
    void refusesBadRunStartedFields() {
        RunStarted r = Samples.runStarted();
        r.setPlannedTotalSteps(0);
        assertThat(reasonOf(r)).isEqualTo(RejectReason.OUT_OF_RANGE);
        r = Samples.runStarted();
        r.getModel().setTopK(9);
        assertThat(reasonOf(r)).isEqualTo(RejectReason.INCONSISTENT);
        r = Samples.runStarted();
        r.setLrPerStep(new ArrayList<>(Collections.nCopies(100_001, 1e-4)));
        assertThat(reasonOf(r)).isEqualTo(RejectReason.OVER_LIMIT);
        r = Samples.runStarted();
        r.getSchedule().setPeakLr(Double.NaN);
        assertThat(reasonOf(r)).isEqualTo(RejectReason.NON_FINITE_VALUE);
        r = Samples.runStarted();
        r.getStopTarget().setTargetLoss(Double.NaN);
        assertThat(reasonOf(r)).isEqualTo(RejectReason.OUT_OF_RANGE);
        r = Samples.runStarted();
        r.setWeightDecay(-0.1);
        assertThat(reasonOf(r)).isEqualTo(RejectReason.OUT_OF_RANGE);
        r = Samples.runStarted();
        r.setWeightDecay(Double.POSITIVE_INFINITY);
        assertThat(reasonOf(r)).isEqualTo(RejectReason.NON_FINITE_VALUE);
        r = Samples.runStarted();
        r.setWeightDecay(null);
        assertThat(validator.validate(r)).as("weight decay is optional").isEmpty();
        r = Samples.runStarted();
        r.setStopTarget(StopTarget.newBuilder().setKind(StopTargetKind.BEAT_BEST_SIBLING).build());
        assertThat(validator.validate(r)).as("a sibling target needs no loss").isEmpty();
    }

    @Test
    void refusesTimesOutsideClickHouseDateTimeRange() {
        StepMetrics s = Samples.step();
        s.setWallTimeMs(-5);
        assertThat(reasonOf(s)).isEqualTo(RejectReason.OUT_OF_RANGE);
        s.setWallTimeMs(5_000_000_000_000L);
        assertThat(reasonOf(s)).isEqualTo(RejectReason.OUT_OF_RANGE);
    }

    @Test
    void limitsParseAndRejectNonsense() {
        assertThat(Limits.fromMap(Map.of()).maxExperts()).isEqualTo(4096);
        assertThatThrownBy(() -> Limits.fromMap(Map.of("limits.max-top-k", "two")))
                .hasMessageContaining("limits.max-top-k");
        assertThatThrownBy(() -> Limits.fromMap(Map.of("limits.max-top-k", "0")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
