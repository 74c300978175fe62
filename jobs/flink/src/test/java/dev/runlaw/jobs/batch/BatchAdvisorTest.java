package dev.runlaw.jobs.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.runlaw.math.cbs.NoiseScaleEstimate;
import dev.runlaw.math.cbs.NoiseScaleStatus;
import dev.runlaw.schema.BatchDecision;
import org.junit.jupiter.api.Test;

class BatchAdvisorTest {
    private static NoiseScaleEstimate estimate(double b, double lo, double hi, NoiseScaleStatus s) {
        return new NoiseScaleEstimate(100, b, lo, hi, 1, b, 50, s);
    }

    @Test
    void increasesOnlyWhenEvenTheLowerBoundIsRatioTimesTheBatch() {
        BatchAdvisor.Advice a = BatchAdvisor.advise(64, estimate(1000, 300, 2000, NoiseScaleStatus.OK), 4);
        assertThat(a.decision()).isEqualTo(BatchDecision.INCREASE);
        assertThat(a.suggestedBatch()).isEqualTo(1024);
        assertThat(a.stepsFactor()).isCloseTo(1 + 1000 / 64.0, within(1e-12));
        assertThat(a.tokensFactor()).isCloseTo(1 + 64 / 1000.0, within(1e-12));
        assertThat(a.suggestedSteps()).isCloseTo(1 + 1000 / 1024.0, within(1e-12));
        assertThat(a.suggestedTokens()).isCloseTo(1 + 1024 / 1000.0, within(1e-12));
        assertThat(BatchAdvisor.advise(128, estimate(1000, 300, 2000, NoiseScaleStatus.OK), 4).decision())
                .as("128 x 4 > lo90").isEqualTo(BatchDecision.KEEP);
    }

    @Test
    void decreasesOnlyWithABoundedBandAndKeepsTheBatchOtherwise() {
        assertThat(BatchAdvisor.advise(8192, estimate(1000, 500, 2000, NoiseScaleStatus.OK), 4).decision())
                .isEqualTo(BatchDecision.DECREASE);
        BatchAdvisor.Advice lower = BatchAdvisor.advise(8192,
                estimate(1000, 500, Double.POSITIVE_INFINITY, NoiseScaleStatus.LOWER_BOUND_ONLY), 4);
        assertThat(lower.decision()).as("only a lower bound: never DECREASE").isEqualTo(BatchDecision.KEEP);
        assertThat(lower.suggestedBatch()).isEqualTo(8192);
    }

    @Test
    void isUndecidedWithoutAUsableEstimate() {
        assertThat(BatchAdvisor.advise(64, estimate(Double.NaN, Double.NaN, Double.NaN, NoiseScaleStatus.NO_DATA), 4)
                .decision()).isEqualTo(BatchDecision.UNDECIDED);
        assertThat(BatchAdvisor.advise(64, estimate(500, 100, 900, NoiseScaleStatus.WARMING_UP), 4).decision())
                .isEqualTo(BatchDecision.UNDECIDED);
    }

    @Test
    void roundsToTheNearestPowerOfTwoInLogScale() {
        assertThat(BatchAdvisor.nearestPowerOfTwo(0.3)).isEqualTo(1);
        assertThat(BatchAdvisor.nearestPowerOfTwo(700)).isEqualTo(512);
        assertThat(BatchAdvisor.nearestPowerOfTwo(760)).isEqualTo(1024);
    }
}
