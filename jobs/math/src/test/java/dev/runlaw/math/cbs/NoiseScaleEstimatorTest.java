package dev.runlaw.math.cbs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class NoiseScaleEstimatorTest {

    @Test
    void perStepFormulasAreUnbiasedForExactNorms() {
        // Expected squared norms at batch B: |G|² + tr(Σ)/B (McCandlish App. A). With them exactly, any one step
        // gives |G|² and tr(Σ) back.
        double gradSq = 2.0;
        double trace = 300.0;
        NoiseScaleEstimator e = new NoiseScaleEstimator(NoiseScaleSettings.defaults());
        assertThat(e.add(1, gradSq + trace / 8, 8, gradSq + trace / 32, 32, 0)).isEqualTo(SampleStatus.ACCEPTED);
        NoiseScaleEstimate est = e.estimate();
        assertThat(est.gradSq()).isCloseTo(gradSq, within(1e-12));
        assertThat(est.traceSigma()).isCloseTo(trace, within(1e-9));
        assertThat(est.bSimple()).isCloseTo(150, within(1e-9));
        assertThat(est.bSimpleTokens(512)).isCloseTo(150 * 512, within(1e-6));
        assertThat(est.status()).isEqualTo(NoiseScaleStatus.WARMING_UP);
    }

    @Test
    void ratioOfMeansNotMeanOfRatios() {
        // Two steps with |G|² estimates 1 and 3, tr(Σ) 100 each: ratio of means is 100/2 = 50, the mean of
        // ratios would be (100 + 33.3)/2 = 66.7.
        NoiseScaleEstimator e = new NoiseScaleEstimator(new NoiseScaleSettings(1e9, 0, 2, 0.9));
        e.add(1, 1 + 100.0 / 8, 8, 1 + 100.0 / 32, 32, 0);
        e.add(2, 3 + 100.0 / 8, 8, 3 + 100.0 / 32, 32, 0);
        assertThat(e.estimate().bSimple()).isCloseTo(50, within(1e-6));
    }

    @Test
    void badSamplesGetAStatusAndChangeNothing() {
        NoiseScaleEstimator e = new NoiseScaleEstimator(NoiseScaleSettings.defaults());
        assertThat(e.estimate().status()).isEqualTo(NoiseScaleStatus.NO_DATA);
        assertThat(e.estimate().bSimple()).isNaN();
        e.add(10, 5, 8, 2, 32, 0);
        byte[] before = e.toBytes();
        assertThat(e.add(11, Double.NaN, 8, 2, 32, 0)).isEqualTo(SampleStatus.NON_FINITE);
        assertThat(e.add(11, 5, 8, Double.POSITIVE_INFINITY, 32, 0)).isEqualTo(SampleStatus.NON_FINITE);
        assertThat(e.add(11, -1, 8, 2, 32, 0)).isEqualTo(SampleStatus.NEGATIVE);
        assertThat(e.add(11, 5, 8, 2, 32, -5)).isEqualTo(SampleStatus.NEGATIVE);
        assertThat(e.add(11, 5, 32, 2, 32, 0)).isEqualTo(SampleStatus.BAD_BATCH);
        assertThat(e.add(11, 5, 0, 2, 32, 0)).isEqualTo(SampleStatus.BAD_BATCH);
        assertThat(e.add(10, 5, 8, 2, 32, 0)).isEqualTo(SampleStatus.OUT_OF_ORDER);
        assertThat(e.toBytes()).isEqualTo(before);
        assertThat(e.samples()).isEqualTo(1);
    }

    @Test
    void restoresFromBytesAndContinuesIdentically() {
        NoiseScaleEstimator a = new NoiseScaleEstimator(NoiseScaleSettings.defaults());
        NoiseScaleEstimator b = null;
        Random random = new Random(3);
        for (int step = 1; step <= 400; step++) {
            double small = 1 + 200.0 / 8 * (1 + 0.3 * random.nextGaussian());
            double big = 1 + 200.0 / 32 * (1 + 0.3 * random.nextGaussian());
            a.add(step, small, 8, big, 32, 0);
            if (step == 150) {
                byte[] state = a.toBytes();
                assertThat(state).hasSize(NoiseScaleEstimator.stateBytes(NoiseScaleSettings.DEFAULT_RUNGS)).hasSize(498);
                b = NoiseScaleEstimator.fromBytes(NoiseScaleSettings.defaults(), state);
            } else if (b != null) {
                b.add(step, small, 8, big, 32, 0);
            }
        }
        assertThat(b.estimate()).isEqualTo(a.estimate());
        byte[] bad = a.toBytes();
        bad[0] = 9;
        assertThatThrownBy(() -> NoiseScaleEstimator.fromBytes(NoiseScaleSettings.defaults(), bad))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("version 9");
        assertThatThrownBy(() -> NoiseScaleEstimator.fromBytes(NoiseScaleSettings.defaults(), new byte[] {1, 5, 0}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bytes");
        assertThatThrownBy(() -> NoiseScaleEstimator.fromBytes(NoiseScaleSettings.defaults().withRungs(2), a.toBytes()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("5 rungs");
    }

    @Test
    void settingsRefuseNonsense() {
        assertThatThrownBy(() -> new NoiseScaleSettings(0, 0, 30, 0.9)).hasMessageContaining("halfLifeSteps");
        assertThatThrownBy(() -> new NoiseScaleSettings(50, -1, 30, 0.9)).hasMessageContaining("halfLifeTokens");
        assertThatThrownBy(() -> new NoiseScaleSettings(50, 0, 1, 0.9)).hasMessageContaining("minSamples");
        assertThatThrownBy(() -> new NoiseScaleSettings(50, 0, 30, 1.0)).hasMessageContaining("level");
        assertThat(NoiseScaleSettings.defaults().level()).isEqualTo(0.90);
    }

    @Test
    void gradientIndistinguishableFromZeroGivesLowerBoundOnly() {
        NoiseScaleEstimator e = new NoiseScaleEstimator(NoiseScaleSettings.defaults());
        Random random = new Random(5);
        for (int step = 1; step <= 300; step++) {
            // True |G|² = 0: the squared norms are pure noise around tr(Σ)/B.
            double small = 100.0 / 8 * (1 + 0.2 * random.nextGaussian());
            double big = 100.0 / 32 * (1 + 0.2 * random.nextGaussian());
            e.add(step, small, 8, big, 32, 0);
        }
        NoiseScaleEstimate est = e.estimate();
        assertThat(est.status()).isEqualTo(NoiseScaleStatus.LOWER_BOUND_ONLY);
        assertThat(est.hi90()).isInfinite();
        assertThat(est.lo90()).isGreaterThanOrEqualTo(0);
    }

    @Test
    void tokenDecayHalvesWeightPerHalfLifeOfTokens() {
        // Half-life 1000 tokens, 1000 tokens per step: the same weights as a half-life of one step.
        NoiseScaleEstimator tokens = new NoiseScaleEstimator(new NoiseScaleSettings(1e6, 1000, 2, 0.9));
        NoiseScaleEstimator steps = new NoiseScaleEstimator(new NoiseScaleSettings(1, 0, 2, 0.9));
        Random random = new Random(8);
        for (int step = 1; step <= 50; step++) {
            double small = 1 + 50.0 / 8 * (1 + 0.3 * random.nextGaussian());
            double big = 1 + 50.0 / 32 * (1 + 0.3 * random.nextGaussian());
            tokens.add(step, small, 8, big, 32, 1000);
            steps.add(step, small, 8, big, 32, 0);
        }
        assertThat(tokens.estimate().bSimple()).isCloseTo(steps.estimate().bSimple(), within(1e-9));
    }
}
