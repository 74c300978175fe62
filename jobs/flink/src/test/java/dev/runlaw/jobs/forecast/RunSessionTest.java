package dev.runlaw.jobs.forecast;

import static dev.runlaw.jobs.forecast.ForecastTestRuns.PLANNED_LAST;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.schema.Advice;
import dev.runlaw.schema.ForecastStatus;
import dev.runlaw.schema.RunFinished;
import dev.runlaw.schema.RunForecast;
import dev.runlaw.schema.RunReference;
import dev.runlaw.schema.RunStarted;
import dev.runlaw.schema.StepMetrics;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The per-run protocol without Flink: refits, finish, idle expiry, late records, advice numbering, and a failure
 * injected at each point of a computation (nothing emitted, no step lost, retried later). Input: the seeded
 * momentum-law run of {@link ForecastTestRuns}.
 */
class RunSessionTest {
    private static final String RUN = "run-a";

    private final MemoryStore store = new MemoryStore();
    private final OneFault fault = new OneFault();
    private final List<RunForecast> forecasts = new ArrayList<>();
    private final List<Advice> advice = new ArrayList<>();
    private final List<RunReference> references = new ArrayList<>();
    private RunSession.Setup setup = setup(ForecastTestRuns.config(5, 3_600_000));

    private RunSession.Setup setup(ForecastConfig c) {
        ForecastConfig.Policy p = c.policy();
        return new RunSession.Setup(p, new RunOutputs(p.stopBelow(), p.continueAbove(), "f", "a", "r"),
                new FamilyReferenceBook(p.maxReferences(), p.maxReferencesTotal()), fault);
    }

    /** Computes, "emits" (collects the records), then commits, as the Flink function does. */
    private Transition feed(SpecificRecord r, long now) throws Exception {
        RunSession s = new RunSession(RUN, store, setup);
        Transition t;
        if (r instanceof StepMetrics m) {
            t = s.onStep(m, false, now);
        } else if (r instanceof RunStarted st) {
            t = s.onStarted(st, now);
        } else {
            t = s.onFinished((RunFinished) r, now);
        }
        return emitAndCommit(t);
    }

    private Transition timer(long timestamp) throws Exception {
        return emitAndCommit(new RunSession(RUN, store, setup).onTimer(timestamp, timestamp));
    }

    private Transition emitAndCommit(Transition t) throws Exception {
        for (KafkaOut k : t.emission().records()) {
            ByteBuffer b = ByteBuffer.wrap(k.value());
            switch (k.topic()) {
                case "f" -> forecasts.add(RunForecast.fromByteBuffer(b));
                case "a" -> advice.add(Advice.fromByteBuffer(b));
                default -> references.add(RunReference.fromByteBuffer(b));
            }
        }
        assertThat(t.emission().rows().isEmpty()).as("rows with every record").isEqualTo(
                t.emission().records().isEmpty());
        t.commit(store);
        return t;
    }

    private void feedAll(List<? extends SpecificRecord> records) throws Exception {
        for (SpecificRecord r : records) {
            feed(r, 0);
        }
    }

    /** Forecast steps and the reference of the run fed in full without failures. */
    private static RunSessionTest uninterrupted() throws Exception {
        RunSessionTest u = new RunSessionTest();
        u.feedAll(ForecastTestRuns.run(RUN, PLANNED_LAST));
        return u;
    }

    @Test
    void refitsEveryNPointsThenFinishesAtThePlannedLastStepAndDropsTheRun() throws Exception {
        feedAll(ForecastTestRuns.run(RUN, PLANNED_LAST));
        // A loss every 10 steps, a refit every 5th: steps 40, 90, ..., 2990; then the final one at 2999.
        assertThat(forecasts).extracting(RunForecast::getStep).startsWith(40L, 90L).endsWith(2990L, 2999L)
                .hasSize(61);
        assertThat(references).singleElement().satisfies(r -> {
            assertThat(r.getFinalStep()).isEqualTo(2999L);
            assertThat(r.getLossSteps()).last().isEqualTo(2990L);
        });
        assertThat(store.tracker).isNull();
        assertThat(store.pending).isEmpty();
        assertThat(store.control.done).isTrue();
    }

    @ParameterizedTest
    @EnumSource(value = FaultHook.Point.class, names = {"FORECAST", "FORECAST_BUILT", "COMMIT"})
    void aRefitThatFailsEmitsNothingAndLosesNoStep(FaultHook.Point point) throws Exception {
        RunSessionTest u = uninterrupted();
        feed(ForecastTestRuns.started(RUN, null), 0);
        for (StepMetrics s : ForecastTestRuns.steps(RUN, PLANNED_LAST)) {
            if (s.getStep() == 1440) {
                fault.arm(point);
                Transition t = feed(s, 0);
                assertThat(t.failure()).hasMessageContaining("injected failure at " + point);
                assertThat(t.emission().isEmpty()).isTrue();
                // Every step since the last refit (1390) is still buffered, the failing one included.
                assertThat(store.pendingSteps()).startsWith(1391L).endsWith(1440L).hasSize(50);
            } else {
                feed(s, 0);
            }
        }
        assertThat(fault.fired()).isEqualTo(1);
        List<Long> expected = new ArrayList<>(u.forecasts.stream().map(RunForecast::getStep).toList());
        expected.remove(Long.valueOf(1440L));
        assertThat(forecasts).extracting(RunForecast::getStep).containsExactlyElementsOf(expected);
        // The next forecast saw the failed refit's steps: same observed points as without the failure.
        assertThat(forecasts.stream().filter(f -> f.getStep() == 1490).findFirst().orElseThrow().getObservedPoints())
                .isEqualTo(u.forecasts.stream().filter(f -> f.getStep() == 1490).findFirst().orElseThrow()
                        .getObservedPoints());
        assertThat(references).containsExactlyElementsOf(u.references);
    }

    @ParameterizedTest
    @EnumSource(value = FaultHook.Point.class, names = {"FORECAST", "FORECAST_BUILT", "REFERENCE", "COMMIT"})
    void aFinishThatFailsIsNotDoneAndItsTimerRetriesIt(FaultHook.Point point) throws Exception {
        RunSessionTest u = uninterrupted();
        List<SpecificRecord> run = ForecastTestRuns.run(RUN, PLANNED_LAST);
        feedAll(run.subList(0, run.size() - 1));
        int before = forecasts.size();
        fault.arm(point);
        Transition t = feed(run.get(run.size() - 1), 0);
        assertThat(t.failure()).isNotNull();
        assertThat(t.emission().isEmpty()).isTrue();
        assertThat(forecasts).hasSize(before);
        assertThat(references).isEmpty();
        assertThat(store.control.done).as("not done before its reference is out").isFalse();
        assertThat(store.tracker).isNotNull();
        assertThat(store.pendingSteps()).endsWith(2999L);
        long retry = store.control.finishAt;
        assertThat(retry).isEqualTo(30_000L);

        Transition r = timer(retry);
        assertThat(r.failure()).isNull();
        assertThat(r.emission().forecasts()).isEqualTo(1);
        assertThat(r.emission().references()).isEqualTo(1);
        assertThat(forecasts.get(forecasts.size() - 1).getStep()).isEqualTo(2999L);
        assertThat(references).containsExactlyElementsOf(u.references);
        assertThat(store.control.done).isTrue();
        assertThat(store.tracker).isNull();
        assertThat(store.pending).isEmpty();
    }

    @Test
    void aFinishedRunIgnoresLateRecordsUntilItsMarkerExpires() throws Exception {
        setup = setup(ForecastTestRuns.config(5, 3_600_000, "forecast.idle-timeout-ms", "5000"));
        feedAll(ForecastTestRuns.run(RUN, PLANNED_LAST));
        int n = forecasts.size();
        Transition late = feed(ForecastTestRuns.steps(RUN, 0).get(0), 100);
        assertThat(late.emission().isEmpty()).isTrue();
        assertThat(forecasts).hasSize(n);
        assertThat(store.tracker).isNull();
        assertThat(store.control.idleTimer).isEqualTo(5000L);
        Transition gone = timer(5000);
        assertThat(gone.emission().isEmpty()).isTrue();
        assertThat(store.control).isNull();
    }

    @Test
    void anIdleRunGetsALastForecastSayingSoAndItsStateIsDropped() throws Exception {
        setup = setup(ForecastTestRuns.config(5, 3_600_000, "forecast.idle-timeout-ms", "1000"));
        feedAll(ForecastTestRuns.run(RUN, 555));
        feed(ForecastTestRuns.steps(RUN, 556).get(556), 600);
        assertThat(store.control.idleTimer).isEqualTo(1000L);
        // A record came at 600: the timer moves on to 1600 instead of expiring the run.
        Transition early = timer(1000);
        assertThat(early.emission().isEmpty()).isTrue();
        assertThat(store.control.idleTimer).isEqualTo(1600L);
        assertThat(early.timersToRegister()).containsExactly(1600L);

        Transition t = timer(1600);
        assertThat(t.clearsRun()).isTrue();
        assertThat(t.emission().expired()).isTrue();
        RunForecast last = forecasts.get(forecasts.size() - 1);
        assertThat(last.getStatus()).isEqualTo(ForecastStatus.IDLE_EXPIRED);
        assertThat(last.getStep()).isEqualTo(556L);
        assertThat(last.getFinalPred()).isNotNull();
        assertThat(last.getIssues()).anyMatch(i -> i.startsWith("no record for 1000 ms"));
        assertThat(store.tracker).isNull();
        assertThat(store.control).isNull();
        assertThat(store.pending).isEmpty();
        assertThat(t.timersToRegister()).isEmpty();
    }

    @Test
    void anIdleRunWhoseLastForecastFailsStillSaysSoAndIsDropped() throws Exception {
        setup = setup(ForecastTestRuns.config(5, 3_600_000, "forecast.idle-timeout-ms", "1000"));
        feedAll(ForecastTestRuns.run(RUN, 555));
        fault.arm(FaultHook.Point.EXPIRE);
        Transition t = timer(1000);
        assertThat(t.failure()).isNotNull();
        RunForecast last = forecasts.get(forecasts.size() - 1);
        assertThat(last.getStatus()).isEqualTo(ForecastStatus.IDLE_EXPIRED);
        assertThat(last.getStep()).isEqualTo(555L);
        assertThat(last.getFinalPred()).isNull();
        assertThat(last.getIssues()).anyMatch(i -> i.contains("its last forecast failed"));
        assertThat(store.control).isNull();
        assertThat(store.tracker).isNull();
    }

    @Test
    void adviceIsNumberedAndEmittedOnlyWhenTheDecisionChanges() throws Exception {
        feed(ForecastTestRuns.started(RUN, 100.0), 0);
        for (StepMetrics s : ForecastTestRuns.steps(RUN, 1500)) {
            feed(s, 0);
        }
        assertThat(forecasts).hasSizeGreaterThan(20);
        assertThat(advice).isNotEmpty();
        for (int i = 0; i < advice.size(); i++) {
            assertThat(advice.get(i).getSeq()).isEqualTo(i + 1);
            if (i > 0) {
                assertThat(advice.get(i).getDecision()).isNotEqualTo(advice.get(i - 1).getDecision());
            }
        }
        // A final loss of ~2.3 beats a target of 100 with certainty.
        assertThat(advice.get(advice.size() - 1).getDecision().name()).isEqualTo("CONTINUE");
        assertThat(store.control.adviceSeq).isEqualTo(advice.size());
    }

    @Test
    void aRefitTimerForecastsBufferedStepsAndAFailedOneIsRetriedWithBackoff() throws Exception {
        setup = setup(ForecastTestRuns.config(1000, 2000));
        feedAll(ForecastTestRuns.run(RUN, 999));
        assertThat(forecasts).isEmpty();
        assertThat(store.control.refitTimer).isEqualTo(2000L);
        fault.arm(FaultHook.Point.FORECAST);
        Transition failed = timer(2000);
        assertThat(failed.emission().isEmpty()).isTrue();
        assertThat(store.pending).hasSize(1000);
        assertThat(store.control.refitTimer).isEqualTo(2000L + 2000L);
        Transition ok = timer(4000);
        assertThat(ok.emission().forecasts()).isEqualTo(1);
        assertThat(forecasts).extracting(RunForecast::getStep).containsExactly(999L);
        assertThat(store.pending).isEmpty();
        assertThat(store.control.failedAttempts).isZero();
    }

    @Test
    void aRunStartedReadAfterTheRunsLastForecastMakesTheTimerForecastItAgainWithThePlan() throws Exception {
        // The report-mode hang: RunStarted (its own topic) read after every step of a run observed up to a cut; the
        // timer's forecast lacked the plan (planned final step = the last step, so no curve) and nothing came after.
        setup = setup(ForecastTestRuns.config(1000, 2000));
        feedAll(ForecastTestRuns.steps(RUN, 999));
        timer(2000);
        assertThat(forecasts).singleElement().satisfies(f -> {
            assertThat(f.getStatus()).isEqualTo(ForecastStatus.SCHEDULE_MISSING);
            assertThat(f.getPlannedFinalStep()).isEqualTo(999L);
            assertThat(f.getCurve()).isEmpty();
        });
        Transition started = feed(ForecastTestRuns.started(RUN, null), 3000);
        assertThat(started.emission().isEmpty()).isTrue();
        assertThat(store.control.replan).isTrue();
        assertThat(store.control.refitTimer).isEqualTo(3000L + 2000L);
        assertThat(started.timersToRegister()).contains(5000L);
        timer(5000);
        assertThat(forecasts).hasSize(2);
        RunForecast again = forecasts.get(1);
        assertThat(again.getStep()).isEqualTo(999L);
        assertThat(again.getStatus()).isEqualTo(ForecastStatus.OK);
        assertThat(again.getFamilyId()).isEqualTo("fam");
        assertThat(again.getPlannedFinalStep()).isEqualTo((long) PLANNED_LAST);
        assertThat(again.getCurve()).isNotEmpty().last().satisfies(p -> assertThat(p.getStep())
                .isEqualTo((long) PLANNED_LAST));
        assertThat(store.control.replan).isFalse();
        assertThat(store.control.refitTimer).isZero();
        // A RunStarted repeated as it was (a replay) changes nothing: no forecast again.
        Transition repeated = feed(ForecastTestRuns.started(RUN, null), 6000);
        assertThat(store.control.replan).isFalse();
        assertThat(repeated.timersToRegister()).doesNotContain(6000L + 2000L);
    }

    @Test
    void aRunWhoseEndArrivesBeforeItsRunStartedFinishesWhenItComesUnderItsFamily() throws Exception {
        feedAll(ForecastTestRuns.steps(RUN, PLANNED_LAST));
        feed(ForecastTestRuns.finished(RUN, PLANNED_LAST), 1000);
        assertThat(references).isEmpty();
        assertThat(store.control.endReached).isTrue();
        assertThat(store.control.finishAt).isEqualTo(1000L + setup.policy().finishGraceMs());
        int before = forecasts.size();
        Transition t = feed(ForecastTestRuns.started(RUN, null), 2000);
        assertThat(t.clearsRun()).isTrue();
        assertThat(references).singleElement().satisfies(r -> {
            assertThat(r.getFamilyId()).isEqualTo("fam");
            assertThat(r.getFinalStep()).isEqualTo((long) PLANNED_LAST);
        });
        assertThat(forecasts).hasSize(before + 1).last().satisfies(f -> {
            assertThat(f.getStep()).isEqualTo((long) PLANNED_LAST);
            assertThat(f.getStatus()).isEqualTo(ForecastStatus.OK);
        });
        assertThat(store.control.done).isTrue();
        assertThat(t.timersToDelete()).contains(1000L + setup.policy().finishGraceMs());
    }

    @Test
    void aRunWhoseRunStartedNeverComesFinishesAfterTheGrace() throws Exception {
        feedAll(ForecastTestRuns.steps(RUN, PLANNED_LAST));
        feed(ForecastTestRuns.finished(RUN, PLANNED_LAST), 1000);
        assertThat(references).isEmpty();
        long grace = setup.policy().finishGraceMs();
        timer(1000 + grace);
        assertThat(references).singleElement().satisfies(r -> assertThat(r.getFamilyId()).isEmpty());
        assertThat(store.control.done).isTrue();
    }
}
