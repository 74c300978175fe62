package dev.runlaw.jobs.forecast;

import static dev.runlaw.jobs.forecast.ForecastTestRuns.PLANNED_LAST;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.runlaw.schema.RunForecast;
import dev.runlaw.schema.StepMetrics;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The catch-up rule of {@link RunSession} without Flink: steps read more than {@code forecast.catch-up-lag-ms} after
 * their Kafka timestamp do not trigger count refits; the run's interval timer refits it instead, at most once per
 * interval, and the end of the run still gets its final forecast at once. The run of {@link ForecastTestRuns} (3000
 * steps, a loss every 10th) replayed at 10 steps per ms of processing time, as a backlog is read.
 */
class CatchUpTest {
    private static final String RUN = "run-a";
    /** Refit every 5 losses (50 steps) or 20 ms after the first buffered step; catch-up lag 1 s. */
    private static final int REFIT_POINTS = 5;
    private static final long INTERVAL_MS = 20;
    /** Processing time at the run's start (epoch ms: Kafka timestamps are positive). */
    private static final long BASE = ForecastTestRuns.T0;

    private final MemoryStore store = new MemoryStore();
    private final List<RunForecast> forecasts = new ArrayList<>();
    /** Processing time at which each forecast was emitted. */
    private final List<Long> emittedAt = new ArrayList<>();
    private RunSession.Setup setup;

    private static RunSession.Setup setup(long catchUpLagMs) {
        ForecastConfig.Policy p = ForecastTestRuns.config(REFIT_POINTS, INTERVAL_MS, "forecast.catch-up-lag-ms",
                Long.toString(catchUpLagMs)).policy();
        return new RunSession.Setup(p, new RunOutputs(p.stopBelow(), p.continueAbove(), "f", "a", "r"),
                new FamilyReferenceBook(p.maxReferences(), p.maxReferencesTotal()), FaultHook.NONE);
    }

    /**
     * Feeds RunStarted and every step, step {@code s} read at processing time {@code BASE + s / 10} with Kafka
     * timestamp {@code recordTime(now)}; a due refit timer fires before the record read at or after its time, as Flink's
     * mailbox runs it between records.
     */
    private void replay(long catchUpLagMs, LongUnaryOperator recordTime) throws Exception {
        setup = setup(catchUpLagMs);
        emit(new RunSession(RUN, store, setup).onStarted(ForecastTestRuns.started(RUN, null), BASE), BASE);
        for (StepMetrics s : ForecastTestRuns.steps(RUN, PLANNED_LAST)) {
            long now = BASE + s.getStep() / 10;
            fireDueTimer(now);
            emit(new RunSession(RUN, store, setup).onStep(s, false, now, recordTime.applyAsLong(now)), now);
        }
    }

    private void fireDueTimer(long now) throws Exception {
        if (store.control != null && !store.control.done && store.control.refitTimer != 0
                && store.control.refitTimer <= now) {
            long at = store.control.refitTimer;
            emit(new RunSession(RUN, store, setup).onTimer(at, at), at);
        }
    }

    private void emit(Transition t, long now) throws Exception {
        assertThat(t.failure()).isNull();
        for (KafkaOut k : t.emission().records()) {
            if (k.topic().equals("f")) {
                forecasts.add(RunForecast.fromByteBuffer(ByteBuffer.wrap(k.value())));
                emittedAt.add(now - BASE);
            }
        }
        t.commit(store);
    }

    private static List<Long> steps(CatchUpTest t) {
        return t.forecasts.stream().map(RunForecast::getStep).toList();
    }

    private static CatchUpTest replayed(long catchUpLagMs, LongUnaryOperator recordTime) throws Exception {
        CatchUpTest t = new CatchUpTest();
        t.replay(catchUpLagMs, recordTime);
        return t;
    }

    @Test
    void stepsWithinTheLagRefitByCountExactlyAsWithTheRuleOff() throws Exception {
        CatchUpTest off = replayed(0, now -> now - 5_000);
        CatchUpTest fresh = replayed(1_000, now -> now - 999);
        // Every 5th loss (every 50 steps: 40, 90, ...) and the final step, bit for bit the same records.
        assertThat(steps(off)).startsWith(40L, 90L, 140L).endsWith(2940L, 2990L, 2999L).hasSize(61);
        assertThat(fresh.forecasts).isEqualTo(off.forecasts);
    }

    @Test
    void anUnknownKafkaTimestampNeverCountsAsLate() throws Exception {
        CatchUpTest off = replayed(0, now -> now);
        assertThat(replayed(1_000, now -> 0).forecasts).isEqualTo(off.forecasts);
        assertThat(replayed(1_000, now -> now - 5_000).forecasts).isNotEqualTo(off.forecasts);
        assertThat(replayed(1_000, now -> -1).forecasts).isEqualTo(off.forecasts);
    }

    @Test
    void lateStepsAreRefitByTheTimerAtMostOncePerIntervalAndTheFinalForecastStillComesAtTheEnd() throws Exception {
        CatchUpTest off = replayed(0, now -> now - 5_000);
        // 15 ms late with a catch-up lag of 10 ms: below the interval (20 ms), which stays the timer's delay.
        CatchUpTest late = replayed(10, now -> now - 15);
        // A refit at most once per 20 ms interval: fewer than the count trigger's 61 (one per 5 ms here).
        for (int i = 1; i < late.emittedAt.size() - 1; i++) {
            assertThat(late.emittedAt.get(i) - late.emittedAt.get(i - 1)).as("forecast %d", i)
                    .isEqualTo(INTERVAL_MS);
        }
        assertThat(late.forecasts).hasSizeBetween(10, 20);
        // Each timer refit folds every step buffered up to its time: its forecast is of the newest step read.
        for (int i = 0; i < late.forecasts.size() - 1; i++) {
            assertThat(late.forecasts.get(i).getStep()).isEqualTo(late.emittedAt.get(i) * 10 - 1);
        }
        // The run's end: the final forecast at once, at the planned last step, then the run is done.
        RunForecast last = late.forecasts.get(late.forecasts.size() - 1);
        RunForecast offLast = off.forecasts.get(off.forecasts.size() - 1);
        assertThat(last.getStep()).isEqualTo(PLANNED_LAST).isEqualTo(offLast.getStep());
        assertThat(late.emittedAt.get(late.emittedAt.size() - 1)).isEqualTo(PLANNED_LAST / 10);
        assertThat(late.store.control.done).isTrue();
        // Same data, other refit history (warm starts from other seeds): the same final forecast within the fit's
        // own tolerance.
        assertThat(last.getFinalPred()).isCloseTo(offLast.getFinalPred(), within(1e-6 * offLast.getFinalPred()));
    }

    @Test
    void theIntervalOfALateRunScalesWithItsLagUpToFourIntervals() throws Exception {
        // 50 ms late: a refit every 50 ms; 5 s late: every 4 x 20 = 80 ms.
        for (long[] lagAndGap : new long[][] {{50, 50}, {5_000, 4 * INTERVAL_MS}}) {
            CatchUpTest late = replayed(10, now -> now - lagAndGap[0]);
            assertThat(late.emittedAt.size()).isGreaterThan(2);
            for (int i = 1; i < late.emittedAt.size() - 1; i++) {
                assertThat(late.emittedAt.get(i) - late.emittedAt.get(i - 1)).as("lag %d ms, forecast %d",
                        lagAndGap[0], i).isEqualTo(lagAndGap[1]);
            }
            assertThat(late.forecasts.get(late.forecasts.size() - 1).getStep()).isEqualTo(PLANNED_LAST);
        }
    }

    @Test
    void aRunThatCatchesUpRefitsAtItsFirstStepWithinTheLagWithEveryBufferedPoint() throws Exception {
        // Steps up to 1000 are read 5 s late, then within the lag; the timer interval is long (1 h), so only the
        // count trigger can refit before the end.
        CatchUpTest t = new CatchUpTest();
        ForecastConfig.Policy p = ForecastTestRuns.config(REFIT_POINTS, 3_600_000, "forecast.catch-up-lag-ms",
                "1000").policy();
        t.setup = new RunSession.Setup(p, new RunOutputs(p.stopBelow(), p.continueAbove(), "f", "a", "r"),
                new FamilyReferenceBook(p.maxReferences(), p.maxReferencesTotal()), FaultHook.NONE);
        t.emit(new RunSession(RUN, t.store, t.setup).onStarted(ForecastTestRuns.started(RUN, null), BASE), BASE);
        for (StepMetrics s : ForecastTestRuns.steps(RUN, 1_200)) {
            long now = BASE + s.getStep() / 10;
            long recordTime = s.getStep() <= 1_000 ? now - 5_000 : now;
            t.emit(new RunSession(RUN, t.store, t.setup).onStep(s, false, now, recordTime), now);
        }
        // No forecast while behind; at step 1001 (the first in time) one refit with every loss buffered (up to step
        // 1000: one more than the rule-off run's forecast at step 990 had), then by count again.
        assertThat(steps(t)).containsExactly(1001L, 1050L, 1100L, 1150L, 1200L);
        RunForecast at990 = replayed(0, now -> now).forecasts.stream().filter(f -> f.getStep() == 990).findFirst()
                .orElseThrow();
        assertThat(t.forecasts.get(0).getObservedPoints()).isEqualTo(at990.getObservedPoints() + 1);
    }
}
