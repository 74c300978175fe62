package dev.runlaw.math.fit;

import static dev.runlaw.math.law.LawTestSupport.synthetic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.runlaw.math.law.MomentumLaw;
import dev.runlaw.math.law.MultiPowerLaw;
import dev.runlaw.math.schedule.Decay;
import dev.runlaw.math.schedule.LrSchedule;
import java.util.List;
import org.junit.jupiter.api.Test;

class LawFitterTest {
    static final double PEAK = 3e-4;
    static final LrSchedule COSINE = LrSchedule.cosine(12_000, 500, PEAK, PEAK / 10);
    static final LrSchedule CONSTANT = LrSchedule.constant(12_000, 500, PEAK);
    static final LrSchedule WSD = LrSchedule.wsd(12_000, 500, 9000, PEAK, PEAK / 10, Decay.LINEAR);
    static final LrSchedule WSD_EXP = LrSchedule.wsd(16_000, 500, 12_000, PEAK, PEAK / 10, Decay.EXPONENTIAL);
    static final double[] MOMENTUM = {3.0, 0.5, 0.5, 0.4};
    static final double[] MPL = {2.8, 0.6, 0.45, 500, 2, 0.6, 0.6};

    static List<RunObservations> runs(dev.runlaw.math.law.LossLaw law, double[] p, double noise) {
        return List.of(synthetic("cosine", law, p, COSINE, 50, noise, 1),
                synthetic("constant", law, p, CONSTANT, 50, noise, 2),
                synthetic("wsd", law, p, WSD, 50, noise, 3));
    }

    @Test
    void recoversMomentumLawFromNoisyRuns() {
        MomentumLaw truth = MomentumLaw.withLambda(0.999);
        FitResult r = LawFitter.create(truth).fit(runs(truth, MOMENTUM, 1e-3));
        assertThat(r.ok()).as(r.toString()).isTrue();
        assertThat(r.param("L0")).isCloseTo(3.0, within(0.03));
        assertThat(r.param("A")).isCloseTo(0.5, within(0.05));
        assertThat(r.param("alpha")).isCloseTo(0.5, within(0.05));
        assertThat(r.param("C")).isCloseTo(0.4, within(0.02));
        assertThat(r.rmsLogResidual()).isCloseTo(1e-3, within(2e-4));
    }

    @Test
    void choosesLambdaNearTheTrueOneAmongCandidates() {
        MomentumLaw truth = MomentumLaw.withLambda(0.995);
        FitResult r = LawFitter.create(MomentumLaw.create()).fit(runs(truth, MOMENTUM, 5e-4));
        assertThat(r.ok()).isTrue();
        assertThat(((MomentumLaw) r.law()).lambda()).isIn(0.995, 0.998);
    }

    @Test
    void recoversMultiPowerLawAndPredictsAnUnseenSchedule() {
        MultiPowerLaw law = MultiPowerLaw.create();
        FitResult r = LawFitter.create(law).fit(runs(law, MPL, 5e-4));
        assertThat(r.ok()).as(r.toString()).isTrue();
        assertThat(r.param("L0")).isCloseTo(2.8, within(0.15));
        assertThat(r.param("alpha")).isCloseTo(0.45, within(0.08));
        long[] steps = {13_000, 14_000, 15_999};
        double[] truth = law.predict(MPL, WSD_EXP, steps);
        for (int i = 0; i < steps.length; i++) {
            assertThat(r.predict(WSD_EXP, steps[i])).isCloseTo(truth[i], within(2e-3 * truth[i]));
        }
    }

    @Test
    void strongPriorPinsTheKernelParametersAndZeroStrengthChangesNothing() {
        MultiPowerLaw law = MultiPowerLaw.create();
        List<RunObservations> data = runs(law, MPL, 5e-4);
        double nan = Double.NaN;
        double[] mean = {nan, nan, nan, nan, 1.0, 0.5, 0.5};
        FitResult pinned = LawFitter.create(law).withPrior(mean, 1e6).fit(data);
        assertThat(pinned.ok()).as(pinned.toString()).isTrue();
        // A factor 1.01 away from the prior would cost 1e6 * W * delta^2 / 2 * 1e-4 = 50 W delta^2: far above the data.
        assertThat(pinned.param("C")).isCloseTo(1.0, within(0.01));
        assertThat(pinned.param("beta")).isCloseTo(0.5, within(0.005));
        assertThat(pinned.param("gamma")).isCloseTo(0.5, within(0.005));
        FitResult plain = LawFitter.create(law).fit(data);
        FitResult zero = LawFitter.create(law).withPrior(mean, 0).fit(data);
        assertThat(zero.params()).containsExactly(plain.params());
    }

    @Test
    void moderatePriorStillFitsTheDataAndLeavesTheTruthNearlyAlone() {
        MultiPowerLaw law = MultiPowerLaw.create();
        List<RunObservations> data = runs(law, MPL, 5e-4);
        // Prior at the true kernel values: the fit stays at the truth's accuracy.
        FitResult r = LawFitter.create(law).withPrior(new double[] {Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, 2, 0.6, 0.6}, 1).fit(data);
        assertThat(r.ok()).as(r.toString()).isTrue();
        assertThat(r.rmsLogResidual()).isLessThan(7e-4);
        long[] steps = {13_000, 15_999};
        double[] truth = law.predict(MPL, WSD_EXP, steps);
        for (int i = 0; i < steps.length; i++) {
            assertThat(r.predict(WSD_EXP, steps[i])).isCloseTo(truth[i], within(2e-3 * truth[i]));
        }
    }

    @Test
    void priorPinnedStartReachesTheExhaustiveOptimumWithOneLmStart() {
        // With a kernel prior the default start holds C, beta, gamma at the prior mean and projects over alpha only;
        // one LM start from the best point must reach the 54-point grid's multi-start optimum, at every strength,
        // with the prior away from the truth (strength 0.1, mean C=1 vs true 2) and at it.
        MultiPowerLaw law = MultiPowerLaw.create();
        List<RunObservations> data = runs(law, MPL, 5e-4);
        double nan = Double.NaN;
        for (double[] mean : new double[][] {{nan, nan, nan, nan, 1.0, 0.5, 0.5}, {nan, nan, nan, nan, 2, 0.6, 0.6}}) {
            for (double strength : new double[] {0.1, 1, 10}) {
                LawFitter f = LawFitter.create(law).withPrior(mean, strength);
                FitResult fast = f.fit(data);
                FitResult exhaustive = f.withStarts(5).fit(data);
                assertThat(fast.ok()).as(fast.toString()).isTrue();
                assertThat(fast.starts()).isEqualTo(1);
                assertThat(fast.objective()).as("strength %s", strength)
                        .isLessThanOrEqualTo(exhaustive.objective() * (1 + 1e-5));
            }
        }
    }

    @Test
    void rejectsABadPrior() {
        LawFitter f = LawFitter.create(MultiPowerLaw.create());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> f.withPrior(new double[7], -1))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> f.withPrior(new double[3], 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void warmStartConvergesInFewerIterations() {
        MomentumLaw law = MomentumLaw.withLambda(0.999);
        List<RunObservations> data = runs(law, MOMENTUM, 1e-3);
        FitResult cold = LawFitter.create(law).fit(data);
        FitResult warm = LawFitter.create(law).withWarmStart(cold).fit(data);
        assertThat(warm.ok()).isTrue();
        assertThat(warm.starts()).isEqualTo(1);
        assertThat(warm.iterations()).isLessThan(cold.iterations());
        assertThat(warm.param("L0")).isCloseTo(cold.param("L0"), within(1e-4));
    }

    @Test
    void screenedDefaultFitReachesTheExhaustiveMultiStartOptimum() {
        // The default fit screens the lambdas with short LMs from one refined start; withStarts(3) runs LM from the
        // 3 best grid points of every lambda. Both must end at the same optimum (seeded noise).
        for (double lambda : new double[] {0.99, 0.998, 0.9995}) {
            List<RunObservations> data = runs(MomentumLaw.withLambda(lambda), MOMENTUM, 1e-3);
            FitResult screened = LawFitter.create(MomentumLaw.create()).fit(data);
            FitResult exhaustive = LawFitter.create(MomentumLaw.create()).withStarts(3).fit(data);
            assertThat(screened.ok()).as(screened.toString()).isTrue();
            assertThat(exhaustive.ok()).as(exhaustive.toString()).isTrue();
            assertThat(screened.law().hyperParameters()).isEqualTo(exhaustive.law().hyperParameters());
            assertThat(screened.objective()).isLessThanOrEqualTo(exhaustive.objective() * (1 + 1e-6));
            assertThat(screened.starts()).isLessThan(exhaustive.starts());
        }
    }

    @Test
    void refinedStartNeedsOneLmStartForAFixedLambda() {
        MomentumLaw law = MomentumLaw.withLambda(0.999);
        List<RunObservations> data = runs(law, MOMENTUM, 1e-3);
        FitResult r = LawFitter.create(law).fit(data);
        FitResult grid = LawFitter.create(law).withStarts(3).fit(data);
        assertThat(r.ok()).isTrue();
        assertThat(r.starts()).isEqualTo(1);
        assertThat(r.objective()).isLessThanOrEqualTo(grid.objective() * (1 + 1e-6));
        assertThat(r.param("alpha")).isCloseTo(grid.param("alpha"), within(1e-3));
    }

    @Test
    void isDeterministic() {
        MomentumLaw law = MomentumLaw.create();
        List<RunObservations> data = runs(MomentumLaw.withLambda(0.999), MOMENTUM, 1e-3);
        assertThat(LawFitter.create(law).fit(data).params()).containsExactly(LawFitter.create(law).fit(data).params());
    }

    @Test
    void leavesAnnealingAtZeroWhenTheRunHasNotAnnealed() {
        MomentumLaw law = MomentumLaw.withLambda(0.999);
        RunObservations head = synthetic("wsd", law, MOMENTUM, WSD, 50, 1e-3, 3);
        RunObservations early = new RunObservations("early", WSD, java.util.Arrays.copyOf(head.steps(), 100),
                java.util.Arrays.copyOf(head.losses(), 100));
        FitResult r = LawFitter.create(law).fit(early);
        assertThat(r.ok()).isTrue();
        assertThat(r.annealingIdentified()).isFalse();
        assertThat(r.param("C")).isZero();
    }

    @Test
    void takesAnnealingFromAReferenceFit() {
        MomentumLaw law = MomentumLaw.withLambda(0.999);
        FitResult ref = LawFitter.create(law).fit(synthetic("cosine", law, MOMENTUM, COSINE, 50, 1e-3, 1));
        RunObservations head = synthetic("wsd", law, MOMENTUM, WSD, 50, 1e-3, 3);
        RunObservations early = new RunObservations("early", WSD, java.util.Arrays.copyOf(head.steps(), 100),
                java.util.Arrays.copyOf(head.losses(), 100));
        FitResult r = LawFitter.create(law).withAnnealingFrom(ref).fit(early);
        assertThat(r.ok()).isTrue();
        assertThat(r.annealingIdentified()).isTrue();
        assertThat(r.param("C")).isEqualTo(ref.param("C"));
        double truth = law.predict(MOMENTUM, WSD, 11_999);
        assertThat(r.predict(WSD, 11_999)).isCloseTo(truth, within(0.01 * truth));
    }

    @Test
    void reportsTooFewPoints() {
        RunObservations two = new RunObservations("two", CONSTANT, new long[] {1000, 2000}, new double[] {3.5, 3.4});
        FitResult r = LawFitter.create(MomentumLaw.create()).fit(two);
        assertThat(r.status()).isEqualTo(FitStatus.TOO_FEW_POINTS);
        assertThat(r.params()).isEmpty();
        assertThat(r.predict(CONSTANT, 3000)).isNaN();
    }

    @Test
    void reportsFlatLoss() {
        long[] steps = java.util.stream.LongStream.range(0, 50).map(i -> 1000 + 100 * i).toArray();
        double[] flat = new double[50];
        java.util.Arrays.fill(flat, 3.3);
        FitResult r = LawFitter.create(MomentumLaw.create()).fit(new RunObservations("flat", CONSTANT, steps, flat));
        assertThat(r.status()).isEqualTo(FitStatus.FLAT_LOSS);
    }

    @Test
    void reportsNonFiniteLossWithoutThrowing() {
        RunObservations bad = new RunObservations("bad", CONSTANT, new long[] {1000, 2000, 3000, 4000, 5000, 6000},
                new double[] {3.5, 3.4, Double.NaN, 3.3, 3.2, 3.1});
        FitResult r = LawFitter.create(MultiPowerLaw.create()).fit(bad);
        assertThat(r.status()).isEqualTo(FitStatus.INVALID_INPUT);
        assertThat(r.message()).contains("bad").contains("3000");
        assertThat(LawFitter.create(MomentumLaw.create()).fit(List.of()).status()).isEqualTo(FitStatus.INVALID_INPUT);
    }

    @Test
    void reportsNoConvergenceWhenIterationsRunOut() {
        MomentumLaw law = MomentumLaw.withLambda(0.999);
        FitResult r = LawFitter.create(law).withMaxIterations(1).fit(runs(law, MOMENTUM, 1e-3));
        assertThat(r.status()).isEqualTo(FitStatus.NO_CONVERGENCE);
        assertThat(r.ok()).isFalse();
        // Also when lambda is screened among candidates: the screening LM obeys the iteration limit too.
        FitResult screened = LawFitter.create(MomentumLaw.create()).withMaxIterations(1)
                .fit(runs(law, MOMENTUM, 1e-3));
        assertThat(screened.status()).isEqualTo(FitStatus.NO_CONVERGENCE);
    }
}
