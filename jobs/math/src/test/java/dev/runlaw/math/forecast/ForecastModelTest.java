package dev.runlaw.math.forecast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.runlaw.math.fit.FitResult;
import dev.runlaw.math.fit.PreparedCurveCache;
import dev.runlaw.math.fit.RunObservations;
import dev.runlaw.math.law.MomentumLaw;
import dev.runlaw.math.law.MultiPowerLaw;
import dev.runlaw.math.schedule.Decay;
import dev.runlaw.math.schedule.LrSchedule;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Model selection shared by the backtest and the live job: validation splits use only the fitted data. */
class ForecastModelTest {
    static RunObservations synthetic(String name, LrSchedule s, long seed, long upTo) {
        double[] truth = {3.0, 0.5, 0.5, 0.4};
        MomentumLaw law = MomentumLaw.withLambda(0.999);
        Random rnd = new Random(seed);
        List<Long> steps = new ArrayList<>();
        List<Double> loss = new ArrayList<>();
        for (long t = s.peakStep() + 100; t <= Math.min(upTo, s.lastStep()); t += 100) {
            steps.add(t);
            loss.add(law.predict(truth, s, t) * Math.exp(5e-4 * rnd.nextGaussian()));
        }
        return new RunObservations(name, s, steps.stream().mapToLong(Long::longValue).toArray(),
                loss.stream().mapToDouble(Double::doubleValue).toArray());
    }

    static final LrSchedule COS = LrSchedule.cosine(6000, 300, 3e-4, 3e-5);
    static final LrSchedule CON = LrSchedule.constant(6000, 300, 3e-4);
    static final LrSchedule WSD = LrSchedule.wsd(9000, 300, 7000, 3e-4, 3e-5, Decay.LINEAR);

    @Test
    void leaveOneRunOutForCompleteRunsAndHeadSplitInObserveMode() {
        List<RunObservations> runs = List.of(synthetic("cos", COS, 1, Long.MAX_VALUE),
                synthetic("con", CON, 2, Long.MAX_VALUE), synthetic("wsd", WSD, 3, Long.MAX_VALUE));
        List<ForecastModel.Split> loro = ForecastModel.splits(runs, false);
        assertThat(loro).hasSize(3);
        assertThat(loro.get(1).held().name()).isEqualTo("con");
        assertThat(loro.get(1).train()).extracting(RunObservations::name).containsExactly("cos", "wsd");

        RunObservations head = synthetic("wsd", WSD, 3, 3599);
        List<ForecastModel.Split> obs = ForecastModel.splits(List.of(runs.get(0), head), true);
        assertThat(obs).hasSize(1);
        RunObservations trainHead = obs.get(0).train().get(1);
        RunObservations held = obs.get(0).held();
        // 33 post-warmup points 400..3600: 16 fitted, the later 17 held out; nothing beyond the observed part.
        assertThat(trainHead.steps().length + held.steps().length).isEqualTo(head.steps().length);
        assertThat(trainHead.steps()[trainHead.steps().length - 1]).isLessThan(held.steps()[0]);
        assertThat(held.steps()[held.steps().length - 1]).isLessThanOrEqualTo(3599);
        assertThat(ForecastModel.splits(List.of(runs.get(0)), false)).isEmpty();
    }

    @Test
    void autoWeighsTheLawsByValidationErrorAndForecastsWell() {
        List<RunObservations> runs = List.of(synthetic("cos", COS, 1, Long.MAX_VALUE),
                synthetic("con", CON, 2, Long.MAX_VALUE), synthetic("wsd", WSD, 3, Long.MAX_VALUE));
        ForecastModel m = ForecastModel.select(runs, "auto", false);
        // Three complete runs: leave-one-run-out stacking over momentum, multipower-scaled, multipower (in that
        // order); zero-weight members are dropped. The data come from the momentum law, so momentum stays in.
        assertThat(m.fits()).hasSizeBetween(1, 3);
        assertThat(java.util.Arrays.stream(m.weights()).sum()).isCloseTo(1, within(1e-12));
        assertThat(java.util.Arrays.stream(m.weights()).min().orElseThrow()).isPositive();
        assertThat(m.seed().members().get(0).law()).isEqualTo("momentum");
        assertThat(m.name()).startsWith(m.fits().size() > 1 ? "ensemble momentum" : "momentum");
        LrSchedule wsd2 = LrSchedule.wsd(12_000, 300, 9000, 3e-4, 3e-5, Decay.EXPONENTIAL);
        long[] steps = {10_000, 11_999};
        var fc = m.forecast(wsd2, steps, -1);
        double[] truth = MomentumLaw.withLambda(0.999).predict(new double[] {3.0, 0.5, 0.5, 0.4}, wsd2, steps);
        for (int i = 0; i < steps.length; i++) {
            assertThat(fc[i].ok()).isTrue();
            assertThat(fc[i].point()).isCloseTo(truth[i], within(3e-3 * truth[i]));
        }
        ForecastModel mp = ForecastModel.select(runs, "multipower", false);
        assertThat(mp.fits()).hasSize(1);
        assertThat(mp.name()).startsWith("multipower prior=");
    }

    @Test
    void aSharedCacheGivesTheSameModelsAndPreparesUnchangedRunsOnce() {
        RunObservations cos = synthetic("cos", COS, 1, Long.MAX_VALUE);
        RunObservations con = synthetic("con", CON, 2, Long.MAX_VALUE);
        List<RunObservations> early = List.of(cos, con, synthetic("wsd", WSD, 3, 4999));
        PreparedCurveCache cache = PreparedCurveCache.create();
        ForecastModel m = ForecastModel.select(early, "auto", true, cache);
        ForecastModel plain = ForecastModel.select(early, "auto", true);
        assertThat(m.name()).isEqualTo(plain.name());
        assertThat(m.weights()).containsExactly(plain.weights());
        for (int i = 0; i < m.fits().size(); i++) {
            assertThat(m.fits().get(i).params()).containsExactly(plain.fits().get(i).params());
        }
        // A warm refit with a new observed run: only that run (and nothing of the references) is prepared.
        List<RunObservations> later = List.of(cos, con, synthetic("wsd", WSD, 3, 7999));
        int misses = cache.misses();
        ForecastModel r = ForecastModel.refit(m.seed(), later, cache);
        assertThat(cache.misses() - misses).isEqualTo(2);
        ForecastModel r0 = ForecastModel.refit(m.seed(), later);
        for (int i = 0; i < r.fits().size(); i++) {
            assertThat(r.fits().get(i).params()).containsExactly(r0.fits().get(i).params());
        }
    }

    @Test
    void warmRefitKeepsTheHyperParametersAndTracksNewData() {
        RunObservations cos = synthetic("cos", COS, 1, Long.MAX_VALUE);
        List<RunObservations> early = List.of(cos, synthetic("wsd", WSD, 3, 4999));
        List<RunObservations> later = List.of(cos, synthetic("wsd", WSD, 3, 7999));
        ForecastModel m = ForecastModel.select(early, "auto", true);
        assertThat(m.ok()).isTrue();
        ForecastModel r = m.refit(later);
        assertThat(r.ok()).isTrue();
        assertThat(r.name()).isEqualTo(m.name());
        assertThat(r.weights()).containsExactly(m.weights());
        assertThat(r.fits()).hasSize(m.fits().size());
        // The refit from the model and from its seed (what a restored checkpoint holds) are the same fit.
        ForecastModel fromSeed = ForecastModel.refit(m.seed(), later);
        for (int i = 0; i < r.fits().size(); i++) {
            assertThat(fromSeed.fits().get(i).params()).containsExactly(r.fits().get(i).params());
            assertThat(fromSeed.fits().get(i).law().hyperParameters())
                    .isEqualTo(r.fits().get(i).law().hyperParameters());
        }
        // Warm-started from a good fit, it lands where a full selection's fit of the same law does.
        ForecastModel full = ForecastModel.select(later, "auto", true);
        long[] steps = {8999};
        double warm = r.forecast(WSD, steps, 7999)[0].point();
        double cold = full.forecast(WSD, steps, 7999)[0].point();
        double truth = MomentumLaw.withLambda(0.999).predict(new double[] {3.0, 0.5, 0.5, 0.4}, WSD, 8999);
        assertThat(warm).isCloseTo(truth, within(3e-3 * truth));
        assertThat(warm).isCloseTo(cold, within(3e-3 * truth));
    }

    @Test
    void aScaledMultiPowerMemberRoundTripsThroughItsSeed() {
        List<RunObservations> runs = List.of(synthetic("cos", COS, 1, Long.MAX_VALUE),
                synthetic("con", CON, 2, Long.MAX_VALUE), synthetic("wsd", WSD, 3, Long.MAX_VALUE));
        FitResult sc = ForecastModel.fitLaw(runs, "multipower", false, 10);
        ForecastModel.Member m = new ForecastModel.Member("multipower-scaled", Double.NaN, true, sc.params());
        ForecastModel.Seed seed = new ForecastModel.Seed("ensemble test", false, 10, 1, new double[] {1},
                List.of(m));
        ForecastModel r = ForecastModel.refit(seed, runs);
        assertThat(r.ok()).isTrue();
        assertThat(((MultiPowerLaw) r.fits().get(0).law()).scaledLossDrop()).isTrue();
        assertThat(r.seed().members().get(0).law()).isEqualTo("multipower-scaled");
        ForecastModel again = ForecastModel.refit(r.seed(), runs);
        assertThat(again.fits().get(0).law()).isSameAs(MultiPowerLaw.withScaledLossDrop());
        assertThat(again.fits().get(0).params()).hasSize(7);
        assertThatThrownBy(() -> new ForecastModel.Member("multipower-other", Double.NaN, true, new double[0]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aFailedFitIsInTheModelNotThrown() {
        RunObservations flat = new RunObservations("flat", CON, new long[] {400, 500, 600, 700, 800, 900, 1000},
                new double[] {3, 3, 3, 3, 3, 3, 3});
        ForecastModel m = ForecastModel.select(List.of(flat), "momentum", true);
        assertThat(m.ok()).isFalse();
        assertThat(m.forecast(CON, new long[] {5000}, 1000)[0].ok()).isFalse();
        assertThat(m.seed().members().get(0).params()).isEmpty();
        assertThat(ForecastModel.refit(m.seed(), List.of(flat)).ok()).isFalse();
    }
}
