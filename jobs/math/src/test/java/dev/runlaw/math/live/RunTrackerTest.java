package dev.runlaw.math.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runlaw.math.fit.PreparedCurveCache;
import dev.runlaw.math.fit.RunObservations;
import dev.runlaw.math.forecast.Forecast;
import dev.runlaw.math.law.MomentumLaw;
import dev.runlaw.math.schedule.LrSchedule;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** RunTracker on synthetic runs from the momentum law (Tissue et al. 2024) with seeded noise. */
class RunTrackerTest {
    static final double[] TRUTH = {3.0, 0.5, 0.5, 0.4};
    static final MomentumLaw LAW = MomentumLaw.withLambda(0.999);
    static final ScheduleSpec COSINE = ScheduleSpec.of("COSINE", 300, 0, 3e-4, 3e-5, 300, 12_000);
    static final ScheduleSpec CONSTANT = ScheduleSpec.of("CONSTANT", 300, 0, 3e-4, 0, 0, 12_000);
    static final ForecastSettings MOMENTUM = ForecastSettings.defaults().withLaw("momentum");

    /** Losses of the law under {@code s} every 100 steps after warmup, with 5e-4 log-normal noise. */
    static double lossAt(LrSchedule s, long step, Random rnd) {
        return LAW.predict(TRUTH, s, step) * Math.exp(5e-4 * rnd.nextGaussian());
    }

    /** Feeds steps {@code from..to} of {@code s} (loss every 100 steps after warmup). */
    static void feed(RunTracker t, LrSchedule s, long from, long to, Random rnd) {
        for (long step = from; step <= to; step++) {
            double loss = step > s.peakStep() && step % 100 == 0 ? lossAt(s, step, rnd) : Double.NaN;
            t.observe(step, s.lrAt(step), loss, 1_700_000_000_000L + step);
        }
    }

    static RunObservations finishedCosine(long seed) {
        LrSchedule s = COSINE.toSchedule();
        Random rnd = new Random(seed);
        List<Long> steps = new java.util.ArrayList<>();
        List<Double> losses = new java.util.ArrayList<>();
        for (long step = 400; step <= s.lastStep(); step += 100) {
            steps.add(step);
            losses.add(lossAt(s, step, rnd));
        }
        return new RunObservations("cos-ref", s, steps.stream().mapToLong(Long::longValue).toArray(),
                losses.stream().mapToDouble(Double::doubleValue).toArray());
    }

    static RunTracker constantRun(long upTo) {
        RunTracker t = RunTracker.create("run-1", "fam");
        t.plan(CONSTANT, null, 12_000);
        feed(t, CONSTANT.toSchedule(), 0, upTo, new Random(1));
        return t;
    }

    @Test
    void forecastsAConstantRunWithAReferenceAndItsWhatIfs() {
        RunTracker t = constantRun(4799);
        assertThat(t.observedPoints()).isEqualTo(45);
        assertThat(t.pointsSinceForecast()).isEqualTo(45);
        LiveForecast f = t.forecast(List.of(finishedCosine(2)), MOMENTUM);
        assertThat(f.status()).as(f.issues().toString()).isEqualTo(Status.OK);
        assertThat(t.pointsSinceForecast()).isZero();
        assertThat(f.referenceRuns()).containsExactly("cos-ref");
        assertThat(f.plannedFinalStep()).isEqualTo(11_999);
        LrSchedule planned = CONSTANT.toSchedule();
        double truth = LAW.predict(TRUTH, planned, 11_999);
        assertThat(Math.abs(f.finalForecast().point() - truth) / truth).isLessThan(3e-3);
        assertThat(f.finalForecast().covers(truth)).isTrue();
        assertThat(f.curve()).hasSize(32);
        assertThat(f.curve().get(0).step()).isEqualTo(4800);
        assertThat(f.curve().get(31).step()).isEqualTo(11_999);
        assertThat(f.whatIfs()).extracting(WhatIf::label)
                .containsExactly("decay_now", "decay_at_0.5", "decay_at_0.7", "decay_at_0.9");
        WhatIf now = f.whatIfs().get(0);
        assertThat(now.decayStartStep()).isEqualTo(4800);
        assertThat(now.endStep()).isEqualTo(4799 + 960);
        // Decaying lowers the loss at the end of the cooldown below the constant-LR loss there (annealing gain).
        Forecast constantThen = t.forecast(List.of(finishedCosine(2)), MOMENTUM).curve().stream()
                .filter(c -> c.step() >= now.endStep()).findFirst().orElseThrow();
        assertThat(now.forecast().point()).isLessThan(constantThen.point());
        // decay_at_0.5 starts at round(0.5 * 11999) = 6000 and is forecast at the planned final step
        assertThat(f.whatIfs().get(1).decayStartStep()).isEqualTo(6000);
        assertThat(f.whatIfs().get(1).forecast().point()).isLessThan(f.finalForecast().point());
        assertThat(f.paramNames()).containsExactly("L0", "A", "alpha", "C");
        assertThat(f.rmsLogResidual()).isLessThan(2e-3);
    }

    @Test
    void withoutReferencesAConstantRunGetsAnHonestWideDecayInterval() {
        RunTracker t = constantRun(4799);
        LiveForecast f = t.forecast(List.of(), MOMENTUM);
        assertThat(f.status()).isEqualTo(Status.OK);
        assertThat(f.issues()).anyMatch(i -> i.startsWith("annealing not identified"));
        Forecast now = f.whatIfs().get(0).forecast();
        assertThat(now.message()).contains("annealing not observed");
        assertThat(now.hi() / now.lo()).isGreaterThan(1.05);
    }

    @Test
    void waitsForDataThenForecasts() {
        RunTracker t = RunTracker.create("r", "f");
        LiveForecast none = t.forecast(List.of(), MOMENTUM);
        assertThat(none.status()).isEqualTo(Status.WAITING_FOR_DATA);
        assertThat(none.issues()).anyMatch(i -> i.startsWith("SCHEDULE_MISSING"));
        t.plan(CONSTANT, null, 12_000);
        feed(t, CONSTANT.toSchedule(), 0, 900, new Random(1));
        LiveForecast w = t.forecast(List.of(), MOMENTUM);
        assertThat(w.status()).isEqualTo(Status.WAITING_FOR_DATA);
        assertThat(w.finalForecast()).isNull();
        assertThat(w.issues()).anyMatch(i -> i.contains("7 post-warmup loss point(s)"));
        // With a usable reference the same run is forecast already.
        assertThat(t.forecast(List.of(finishedCosine(2)), MOMENTUM).status()).isEqualTo(Status.OK);
    }

    @Test
    void countsAndIgnoresDuplicateAndOutOfOrderSteps() {
        RunTracker t = constantRun(2000);
        long before = t.observedPoints();
        assertThat(t.observe(2000, 3e-4, 3.3, 0)).isEqualTo(StepOutcome.DUPLICATE);
        LiveForecast d = t.forecast(List.of(), MOMENTUM);
        assertThat(d.status()).isEqualTo(Status.DUPLICATE_STEPS);
        assertThat(t.observe(1500, 3e-4, 3.3, 0)).isEqualTo(StepOutcome.OUT_OF_ORDER);
        assertThat(t.observe(1400, 3e-4, 3.3, 0)).isEqualTo(StepOutcome.OUT_OF_ORDER);
        assertThat(t.observedPoints()).isEqualTo(before);
        assertThat(t.lastStep()).isEqualTo(2000);
        LiveForecast f = t.forecast(List.of(), MOMENTUM);
        assertThat(f.status()).isEqualTo(Status.OUT_OF_ORDER_STEPS);
        assertThat(f.issues()).contains("OUT_OF_ORDER_STEPS: 2 step(s) before the last one ignored",
                "DUPLICATE_STEPS: 1 repeated step(s) ignored");
        assertThat(f.finalForecast()).isNotNull();
        assertThat(t.observe(2001, Double.NaN, Double.NaN, 0)).isEqualTo(StepOutcome.INVALID_LR);
    }

    @Test
    void aNonFiniteLossFlagsTheRunButStillForecastsFromTheFinitePoints() {
        RunTracker t = constantRun(3000);
        assertThat(t.observe(3001, 3e-4, Double.POSITIVE_INFINITY, 0)).isEqualTo(StepOutcome.NAN_LOSS);
        t.noteNonFiniteLoss(3100, 5);
        feed(t, CONSTANT.toSchedule(), 3002, 4000, new Random(9));
        t.observe(4001, 3e-4, 3.5, 0);
        t.observe(4001, 3e-4, 3.5, 0);
        LiveForecast f = t.forecast(List.of(), MOMENTUM);
        assertThat(f.status()).isEqualTo(Status.NAN_LOSS);
        assertThat(f.issues().get(0)).startsWith("NAN_LOSS: 2 non-finite loss(es), first at step 3001");
        assertThat(f.issues()).anyMatch(i -> i.startsWith("DUPLICATE_STEPS: 1"));
        assertThat(f.finalForecast().ok()).isTrue();
    }

    @Test
    void missingScheduleHoldsTheLastLrAndSaysSo() {
        RunTracker t = RunTracker.create("r", "f");
        t.plan(null, null, 12_000);
        feed(t, CONSTANT.toSchedule(), 0, 4799, new Random(1));
        LiveForecast f = t.forecast(List.of(finishedCosine(2)), MOMENTUM);
        assertThat(f.status()).isEqualTo(Status.SCHEDULE_MISSING);
        assertThat(f.issues()).anyMatch(i -> i.contains("holds the last observed LR constant"));
        // Holding 3e-4 is the constant plan: same forecast as with the plan.
        LiveForecast planned = constantRun(4799).forecast(List.of(finishedCosine(2)), MOMENTUM);
        assertThat(f.finalForecast().point()).isEqualTo(planned.finalForecast().point());
        // A CUSTOM spec without a per-step LR is unusable: reported, and the schedule is missing.
        RunTracker c = RunTracker.create("c", "f");
        c.plan(ScheduleSpec.of("CUSTOM", 0, 0, 1e-3, 0, 0, 100), null, 12_000);
        feed(c, CONSTANT.toSchedule(), 0, 1000, new Random(1));
        LiveForecast cf = c.forecast(List.of(), MOMENTUM);
        assertThat(cf.issues()).anyMatch(i -> i.startsWith("schedule spec unusable"));
        assertThat(cf.status()).isEqualTo(Status.SCHEDULE_MISSING);
        // ... but a per-step LR sent with it is used.
        RunTracker a = RunTracker.create("a", "f");
        a.plan(ScheduleSpec.of("CUSTOM", 0, 0, 1e-3, 0, 0, 100), CONSTANT.toSchedule().toArray(), 12_000);
        feed(a, CONSTANT.toSchedule(), 0, 4799, new Random(1));
        LiveForecast af = a.forecast(List.of(finishedCosine(2)), MOMENTUM);
        assertThat(af.status()).isEqualTo(Status.OK);
        assertThat(af.finalForecast().point()).isEqualTo(planned.finalForecast().point());
    }

    @Test
    void anLrContradictingThePlanIsCountedAndFlagged() {
        RunTracker t = RunTracker.create("r", "f");
        t.plan(COSINE, null, 12_000);
        LrSchedule actual = CONSTANT.toSchedule();
        long contradicting = 0;
        for (long s = 0; s <= 4799; s++) {
            double loss = s > 299 && s % 100 == 0 ? 3.5 - s * 1e-5 : Double.NaN;
            if (t.observe(s, actual.lrAt(s), loss, s) == StepOutcome.LR_CONTRADICTS_SCHEDULE) {
                contradicting++;
            }
        }
        assertThat(contradicting).isGreaterThan(3000);
        LiveForecast f = t.forecast(List.of(), MOMENTUM);
        assertThat(f.status()).isEqualTo(Status.SCHEDULE_CONTRADICTS_LR);
        assertThat(f.issues().get(0)).startsWith("SCHEDULE_CONTRADICTS_LR: " + contradicting + " observed LR(s)");
        // A plan arriving after the steps is checked against the observed track's knots.
        RunTracker late = constantRun(4799);
        late.plan(COSINE, null, 12_000);
        assertThat(late.counts()[3]).isGreaterThan(0);
        late.plan(CONSTANT, null, 12_000);
        assertThat(late.counts()[3]).isZero();
    }

    @Test
    void aFitFailureIsAStatusNotAnException() {
        RunTracker t = RunTracker.create("flat", "f");
        t.plan(CONSTANT, null, 12_000);
        for (long s = 0; s <= 3000; s++) {
            t.observe(s, CONSTANT.toSchedule().lrAt(s), s > 300 && s % 100 == 0 ? 3.0 : Double.NaN, s);
        }
        LiveForecast f = t.forecast(List.of(), MOMENTUM);
        assertThat(f.status()).isEqualTo(Status.FIT_FAILED);
        assertThat(f.finalForecast()).isNull();
        assertThat(f.issues()).anyMatch(i -> i.contains("FLAT_LOSS"));
        // A malformed reference (a step outside its own schedule) fails the fit, it does not throw.
        RunObservations bad = new RunObservations("bad", LrSchedule.constant(1000, 100, 3e-4),
                new long[] {200, 300, 5000}, new double[] {3.2, 3.1, 3.0});
        LiveForecast b = constantRun(4799).forecast(List.of(bad), MOMENTUM);
        assertThat(b.status()).isEqualTo(Status.FIT_FAILED);
        assertThat(b.issues()).anyMatch(i -> i.contains("outside its schedule"));
    }

    @Test
    void whatIfsEveryKthForecastLeaveTheFinalAndTheCurveUnchanged() {
        ForecastSettings every = new ForecastSettings("momentum", 32, new double[] {0.5, 0.7, 0.9}, 0, 8);
        ForecastSettings third = new ForecastSettings("momentum", 32, new double[] {0.5, 0.7, 0.9}, 0, 8, 3);
        List<RunObservations> refs = List.of(finishedCosine(2));
        RunTracker a = constantRun(2999);
        RunTracker b = constantRun(2999);
        for (int i = 0; i < 7; i++) {
            for (RunTracker t : new RunTracker[] {a, b}) {
                feed(t, CONSTANT.toSchedule(), 3000 + 200L * i, 3199 + 200L * i, new Random(10 + i));
            }
            LiveForecast fa = a.forecast(refs, every);
            LiveForecast fb = b.forecast(refs, third);
            assertThat(fb.finalForecast()).isEqualTo(fa.finalForecast());
            assertThat(fb.curve()).isEqualTo(fa.curve());
            assertThat(fb.paramValues()).containsExactly(fa.paramValues());
            assertThat(fa.whatIfs()).isNotEmpty();
            // Forecasts 1, 4 and 7 carry the what-ifs, the same ones; the others none.
            assertThat(fb.whatIfs()).isEqualTo(i % 3 == 0 ? fa.whatIfs() : List.of());
        }
        assertThatThrownBy(() -> new ForecastSettings("momentum", 32, new double[0], 0, 8, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("whatIfEvery");
    }

    @Test
    void aSharedPreparedCurveCacheGivesExactlyTheSameForecastsAndPreparesTheReferenceOnce() {
        for (String law : new String[] {"momentum", "auto"}) {
            ForecastSettings settings = ForecastSettings.defaults().withLaw(law);
            List<RunObservations> refs = List.of(finishedCosine(2));
            PreparedCurveCache curves = PreparedCurveCache.withCapacity(8);
            RunTracker a = constantRun(2999);
            RunTracker b = constantRun(2999);
            int firstMisses = 0;
            for (int i = 0; i < 5; i++) {
                for (RunTracker t : new RunTracker[] {a, b}) {
                    feed(t, CONSTANT.toSchedule(), 3000 + 200L * i, 3199 + 200L * i, new Random(20 + i));
                }
                int missesBefore = curves.misses();
                LiveForecast fa = a.forecast(refs, settings);
                LiveForecast fb = b.forecast(refs, settings, curves);
                assertThat(fb.status()).as(law).isEqualTo(Status.OK);
                assertThat(fb.paramValues()).as(law).containsExactly(fa.paramValues());
                assertThat(fb.finalForecast()).as(law).isEqualTo(fa.finalForecast());
                assertThat(fb.curve()).as(law).isEqualTo(fa.curve());
                assertThat(fb.whatIfs()).as(law).isEqualTo(fa.whatIfs());
                int misses = curves.misses() - missesBefore;
                if (i == 0) {
                    firstMisses = misses;
                } else {
                    // The reference was prepared by the first forecast; later ones prepare the new observed run only.
                    assertThat(misses).as(law + " preparations in forecast " + i + " (the first made " + firstMisses
                            + ")").isPositive().isLessThan(firstMisses);
                }
            }
            assertThat(curves.hits()).as(law + " hits").isPositive();
        }
    }

    @Test
    void restoredTrackerForecastsExactlyAsTheOriginal() {
        for (String law : new String[] {"momentum", "auto"}) {
            ForecastSettings settings = ForecastSettings.defaults().withLaw(law);
            List<RunObservations> refs = List.of(finishedCosine(2));
            RunTracker a = constantRun(3999);
            a.forecast(refs, settings);
            byte[] bytes = a.toBytes();
            assertThat(bytes[0]).isEqualTo(RunTracker.FORMAT_VERSION);
            RunTracker b = RunTracker.fromBytes(bytes);
            assertThat(b.toBytes()).isEqualTo(bytes);
            assertThat(b.seed()).isEqualTo(a.seed());
            for (RunTracker t : new RunTracker[] {a, b}) {
                feed(t, CONSTANT.toSchedule(), 4000, 4799, new Random(4));
            }
            LiveForecast fa = a.forecast(refs, settings);
            LiveForecast fb = b.forecast(refs, settings);
            assertThat(fb.law()).isEqualTo(fa.law());
            assertThat(fb.paramValues()).containsExactly(fa.paramValues());
            assertThat(fb.finalForecast()).isEqualTo(fa.finalForecast());
            assertThat(fb.curve()).isEqualTo(fa.curve());
            assertThat(fb.whatIfs()).isEqualTo(fa.whatIfs());
            assertThat(fb.issues()).isEqualTo(fa.issues());
            assertThat(b.toBytes()).isEqualTo(a.toBytes());
        }
    }

    @Test
    void aLongPlanIsForecastFromKnotsThatAreNotPartOfTheState() {
        // 2 * 10^6 planned steps, observed to step 1 499: the forecast schedule is the observed track's knots plus
        // the spec's (built piecewise, cached in the tracker but not serialized: rebuilt after fromBytes).
        ScheduleSpec spec = ScheduleSpec.of("COSINE", 50, 0, 3e-4, 3e-5, 50, 2_000_000);
        LrSchedule s = spec.toPiecewise(LrTrack.DEFAULT_TOLERANCE);
        RunTracker a = RunTracker.create("long", "f");
        a.plan(spec, null, 2_000_000);
        feed(a, s, 0, 1_499, new Random(5));
        long before = a.serializedBytes();
        LiveForecast f = a.forecast(List.of(), MOMENTUM);
        assertThat(f.status()).as(f.issues().toString()).isEqualTo(Status.OK);
        assertThat(f.plannedFinalStep()).isEqualTo(1_999_999);
        assertThat(f.curve().get(f.curve().size() - 1).step()).isEqualTo(1_999_999);
        assertThat(f.whatIfs()).hasSize(4);
        // Only the model's seed and counters were added, no knots.
        assertThat(a.serializedBytes() - before).isLessThan(300);
        RunTracker b = RunTracker.fromBytes(a.toBytes());
        for (RunTracker t : new RunTracker[] {a, b}) {
            feed(t, s, 1_500, 1_599, new Random(6));
        }
        LiveForecast fa = a.forecast(List.of(), MOMENTUM);
        LiveForecast fb = b.forecast(List.of(), MOMENTUM);
        assertThat(fb.finalForecast()).isEqualTo(fa.finalForecast());
        assertThat(fb.curve()).isEqualTo(fa.curve());
        assertThat(fb.whatIfs()).isEqualTo(fa.whatIfs());
        assertThat(b.toBytes()).isEqualTo(a.toBytes());
    }

    @Test
    void stateStaysBoundedOverAMillionSteps() {
        RunTracker t = RunTracker.create("long", "f");
        ScheduleSpec spec = ScheduleSpec.of("COSINE", 2000, 0, 3e-4, 3e-5, 2000, 1_000_000);
        t.plan(spec, null, 1_000_000);
        LrSchedule s = spec.toSchedule();
        Random rnd = new Random(8);
        for (long step = 0; step < 1_000_000; step++) {
            double loss = 2.5 + 4 * Math.pow(step + 10, -0.25) + 0.01 * rnd.nextGaussian();
            t.observe(step, s.lrAt(step), loss, step);
        }
        long bytes = t.serializedBytes();
        System.out.printf("RunTracker after 10^6 steps (cosine, loss every step): %d bytes serialized, "
                + "observed LR %d knots, planned LR %d knots, %d loss buckets%n", bytes, t.observedLr().knotCount(),
                RunTracker.fromBytes(t.toBytes()).plannedLr().knotCount(), t.lossSummary().size());
        assertThat(bytes).isLessThanOrEqualTo(64 * 1024);
        assertThat(RunTracker.fromBytes(t.toBytes()).toBytes()).isEqualTo(t.toBytes());
        // Still forecasts (from the merged summary).
        t.setTarget(new Target(Target.Kind.LOSS, 2.7));
        RunTracker r = RunTracker.fromBytes(t.toBytes());
        assertThat(r.target()).isEqualTo(new Target(Target.Kind.LOSS, 2.7));
        assertThat(r.observations().size()).isEqualTo(t.lossSummary().size());
        LiveForecast f = r.forecast(List.of(), MOMENTUM);
        assertThat(f.issues()).anyMatch(i -> i.startsWith("loss summary merged: 998000 points as 975 buckets"));
        assertThat(f.finalForecast()).as(f.issues().toString()).isNotNull();
        assertThat(f.finalForecast().ok()).isTrue();
        double truth = 2.5 + 4 * Math.pow(999_999 + 10, -0.25);
        assertThat(Math.abs(f.finalForecast().point() - truth) / truth).isLessThan(5e-3);
    }

    @Test
    void aFinishedTrackerBecomesAReferenceThroughItsPublishedSummary() {
        // The finished cosine run, streamed through its own tracker as the job sees it ...
        RunTracker ref = RunTracker.create("cos-ref", "fam");
        ref.plan(COSINE, null, 12_000);
        RunObservations raw = finishedCosine(2);
        long[] rs = raw.steps();
        double[] rl = raw.losses();
        LrSchedule cos = COSINE.toSchedule();
        int k = 0;
        for (long s = 0; s <= cos.lastStep(); s++) {
            double loss = k < rs.length && rs[k] == s ? rl[k++] : Double.NaN;
            ref.observe(s, cos.lrAt(s), loss, s);
        }
        ref.finish(cos.lastStep());
        assertThat(ref.finished()).isTrue();
        assertThat(ref.lastLoss()).isEqualTo(rl[rl.length - 1]);
        // ... published as a RunReference (knots + summary) and rebuilt by the consumer.
        RunObservations rebuilt = new RunObservations("cos-ref",
                LrTrack.of(ref.lrKnotSteps(), ref.lrKnotValues()).toSchedule(), ref.lossSteps(), ref.lossValues());
        assertThat(rebuilt.steps()).containsExactly(rs);
        LiveForecast viaRef = constantRun(4799).forecast(List.of(rebuilt), MOMENTUM);
        LiveForecast direct = constantRun(4799).forecast(List.of(raw), MOMENTUM);
        assertThat(Math.abs(viaRef.finalForecast().point() - direct.finalForecast().point())
                / direct.finalForecast().point()).isLessThan(1e-7);
        // A run with only warmup steps so far is forecast from the reference alone.
        RunTracker fresh = RunTracker.create("fresh", "fam");
        fresh.plan(CONSTANT, null, 12_000);
        feed(fresh, CONSTANT.toSchedule(), 0, 250, new Random(1));
        assertThat(fresh.observedPoints()).isZero();
        LiveForecast early = fresh.forecast(List.of(rebuilt), MOMENTUM);
        assertThat(early.status()).as(early.issues().toString()).isEqualTo(Status.OK);
        assertThat(early.finalForecast().ok()).isTrue();
    }

    @Test
    void worstCaseStateStaysUnder64KilobytesToo() {
        // Noisy LRs force both LR tracks to their knot bound; loss at every step fills the summary.
        Random rnd = new Random(12);
        double[] planned = new double[300_000];
        for (int i = 0; i < planned.length; i++) {
            planned[i] = 1e-3 * (1 + 1e-4 * rnd.nextGaussian());
        }
        RunTracker t = RunTracker.create("noisy-run-with-a-long-identifier-" + "x".repeat(100), "family-" + "y".repeat(100));
        t.plan(null, planned, planned.length);
        for (int s = 0; s < planned.length; s++) {
            // 1023 loss points after the first step: the summary is full and still exact
            t.observe(s, 1e-3 * (1 + 1e-4 * rnd.nextGaussian()), s % 293 == 0 ? 3 + rnd.nextDouble() : Double.NaN, s);
        }
        // A forecast stores the seed too (momentum: auto on pure noise takes tens of seconds, see LiveForecastTiming).
        t.forecast(List.of(), MOMENTUM);
        System.out.printf("RunTracker worst case: %d bytes (LR knots %d observed, %d planned; %d loss buckets)%n",
                t.serializedBytes(), t.observedLr().knotCount(), t.plannedLr().knotCount(), t.lossSummary().size());
        assertThat(t.observedLr().knotCount()).isLessThanOrEqualTo(LrTrack.DEFAULT_MAX_KNOTS);
        assertThat(t.serializedBytes()).isLessThanOrEqualTo(64 * 1024);
    }

    @Test
    void aFinished72000StepCurveStaysExact() {
        var c = Curves.load("25m", "cosine_72000");
        RunTracker t = RunTracker.create("cosine_72000", "mpl-25m");
        t.plan(ScheduleSpec.of("COSINE", 2160, 0, 3e-4, 3e-5, 2160, 72_000), null, 72_000);
        for (long s = c.firstStep(); s <= c.lastStep(); s++) {
            assertThat(t.observe(s, c.lrAt(s), c.lossAt(s), s)).isEqualTo(StepOutcome.ACCEPTED);
        }
        assertThat(t.lossSteps()).containsExactly(c.measuredSteps());
        assertThat(t.observations().size()).isEqualTo(c.measuredCount());
    }

    @Test
    void rejectsMalformedBytes() {
        byte[] bytes = constantRun(500).toBytes();
        bytes[0] = 99;
        assertThatThrownBy(() -> RunTracker.fromBytes(bytes)).hasMessageContaining("version 99");
        byte[] cut = java.util.Arrays.copyOf(constantRun(500).toBytes(), 40);
        assertThatThrownBy(() -> RunTracker.fromBytes(cut)).isInstanceOf(IllegalArgumentException.class);
    }
}
