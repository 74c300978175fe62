package dev.runlaw.math.fit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runlaw.math.law.LossLaw;
import dev.runlaw.math.law.MomentumLaw;
import dev.runlaw.math.law.MultiPowerLaw;
import dev.runlaw.math.schedule.Decay;
import dev.runlaw.math.schedule.LrSchedule;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PreparedCurveCacheTest {
    static final LrSchedule COS = LrSchedule.cosine(6000, 300, 3e-4, 3e-5);
    static final LrSchedule WSD = LrSchedule.wsd(9000, 300, 7000, 3e-4, 3e-5, Decay.LINEAR);

    /** Multi-power-law losses (seeded noise 5e-4 in log) every 100 steps, warmup points included. */
    static RunObservations run(String name, LrSchedule s, long seed) {
        double[] truth = {3.0, 0.5, 0.5, 400, 1, 0.5, 0.5};
        MultiPowerLaw law = MultiPowerLaw.create();
        Random rnd = new Random(seed);
        List<Long> steps = new ArrayList<>();
        for (long t = 100; t <= s.lastStep(); t += 100) {
            steps.add(t);
        }
        long[] st = steps.stream().mapToLong(Long::longValue).toArray();
        double[] loss = law.predict(truth, s, st);
        for (int i = 0; i < loss.length; i++) {
            loss[i] *= Math.exp(5e-4 * rnd.nextGaussian());
        }
        return new RunObservations(name, s, st, loss);
    }

    @Test
    void fitsThroughTheCacheEqualFitsWithoutItBitForBit() {
        RunObservations cos = run("cos", COS, 1);
        RunObservations wsd = run("wsd", WSD, 2);
        PreparedCurveCache cache = PreparedCurveCache.create();
        for (LossLaw law : List.of(MomentumLaw.create(), MultiPowerLaw.create())) {
            // wsd twice: a head copy, prepared once and evaluated once.
            List<RunObservations> runs = List.of(cos, wsd, wsd);
            FitResult plain = LawFitter.create(law).withBalancedRuns(true).fit(runs);
            FitResult cached = LawFitter.create(law).withBalancedRuns(true).fit(runs, cache);
            assertThat(plain.ok()).isTrue();
            assertThat(cached.params()).containsExactly(plain.params());
            assertThat(cached.objective()).isEqualTo(plain.objective());
            assertThat(cached.evaluations()).isEqualTo(plain.evaluations());
            assertThat(cached.covariance()).isDeepEqualTo(plain.covariance());
        }
        // Two run objects, each prepared once per law (the momentum law's variants together).
        assertThat(cache.size()).isEqualTo(2);
        assertThat(cache.misses()).isEqualTo(4);
    }

    @Test
    void aRunIsPreparedOnceAtItsPostWarmupStepsAndKeyedByIdentity() {
        RunObservations cos = run("cos", COS, 1);
        PreparedCurveCache cache = PreparedCurveCache.create();
        MultiPowerLaw law = MultiPowerLaw.create();
        var first = cache.prepared(law, cos);
        assertThat(cache.prepared(law, cos)).isSameAs(first);
        assertThat(cache.hits()).isEqualTo(1);
        assertThat(first.size()).isEqualTo((int) java.util.Arrays.stream(cos.steps()).filter(t -> t > COS.peakStep())
                .count()).isLessThan(cos.size());
        assertThat(first.step(0)).isGreaterThan(COS.peakStep());
        // An equal but distinct object is another run.
        RunObservations same = new RunObservations("cos", cos.schedule(), cos.steps(), cos.losses());
        assertThat(cache.prepared(law, same)).isNotSameAs(first);
        assertThat(cache.size()).isEqualTo(2);
        // A momentum variant outside the law's list is prepared alone, next to the multi-power terms.
        MomentumLaw odd = MomentumLaw.withLambda(0.97);
        double[] p = {3.0, 0.5, 0.6, 0.4};
        double[] viaCache = new double[first.size()];
        cache.prepared(MomentumLaw.create(), odd, cos).evaluate(p, viaCache, 0, null);
        assertThat(viaCache).containsExactly(odd.predict(p, COS, PreparedCurveCache.postWarmupSteps(cos)));
    }

    @Test
    void keepsAtMostItsCapacityLeastRecentlyUsedFirstOut() {
        PreparedCurveCache cache = PreparedCurveCache.withCapacity(2);
        MultiPowerLaw law = MultiPowerLaw.create();
        RunObservations a = run("a", COS, 1);
        RunObservations b = run("b", COS, 2);
        RunObservations c = run("c", COS, 3);
        var pa = cache.prepared(law, a);
        cache.prepared(law, b);
        cache.prepared(law, a);
        cache.prepared(law, c);
        assertThat(cache.size()).isEqualTo(2);
        assertThat(cache.prepared(law, a)).isSameAs(pa);
        int misses = cache.misses();
        cache.prepared(law, b);
        assertThat(cache.misses()).isEqualTo(misses + 1);
        assertThatThrownBy(() -> PreparedCurveCache.withCapacity(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
