package dev.runlaw.jobs.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.jobs.kafka.KafkaRecord;
import dev.runlaw.schema.Alert;
import dev.runlaw.schema.AlertKind;
import dev.runlaw.schema.AlertState;
import dev.runlaw.schema.ExpertLoad;
import dev.runlaw.schema.RunFinished;
import dev.runlaw.schema.RunStatus;
import dev.runlaw.schema.StepMetrics;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

/** {@link RunAlertFunction} in an operator harness: the STALL timer on processing time, and bounded state. */
class RunAlertFunctionTest {
    private static final long IDLE_MS = 3_600_000;

    private static KeyedOneInputStreamOperatorTestHarness<String, KafkaRecord, ClickHouseRow> harness()
            throws Exception {
        AlertConfig config = AlertConfig.fromMap(Map.of("bootstrap.servers", "127.0.0.1:9092",
                "clickhouse.url", "http://127.0.0.1:8123", "alert.idle-timeout-ms", Long.toString(IDLE_MS)));
        return ProcessFunctionTestHarnesses.forKeyedProcessFunction(new RunAlertFunction(config), AlertJob::runKey,
                Types.STRING);
    }

    /**
     * Steps 0..last, one a second (wall time and processing time alike), without a loss: only the step-time
     * detectors speak (the loss detectors have their own tests, with and without a forecast).
     */
    private static long feedSteps(KeyedOneInputStreamOperatorTestHarness<String, KafkaRecord, ClickHouseRow> h,
                                  int from, int last) throws Exception {
        for (int s = from; s <= last; s++) {
            h.setProcessingTime(s * AlertTestRuns.STEP_MS);
            h.processElement(step(s, s * AlertTestRuns.STEP_MS), 0);
        }
        return last * AlertTestRuns.STEP_MS;
    }

    private static KafkaRecord step(int s, long wallOffsetMs) {
        return AlertTestRuns.record("", StepMetrics.newBuilder().setRunId(AlertTestRuns.RUN).setStep(s)
                .setWallTimeMs(AlertTestRuns.START_MS + wallOffsetMs).setLr(3e-4).build());
    }

    private static List<Alert> alerts(KeyedOneInputStreamOperatorTestHarness<String, KafkaRecord, ClickHouseRow> h) {
        var side = h.getSideOutput(RunAlertFunction.KAFKA);
        if (side == null) {
            return List.of();
        }
        return side.stream().map(r -> {
            try {
                return Alert.fromByteBuffer(ByteBuffer.wrap(r.getValue().value()));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).toList();
    }

    @Test
    void aSilenceLongerThanTheStallLimitOpensStallOnTheTimerAndTheNextStepResolvesIt() throws Exception {
        try (var h = harness()) {
            h.open();
            long lastAt = feedSteps(h, 0, 199);
            assertThat(h.numProcessingTimeTimers()).as("one pending timer per run").isEqualTo(1);
            // Half a minute of silence: no stall yet at 2 s, one at 5 minutes.
            h.setProcessingTime(lastAt + 2_000);
            assertThat(alerts(h)).isEmpty();
            h.setProcessingTime(lastAt + 300_000);
            assertThat(alerts(h)).extracting(Alert::getKind, Alert::getState, Alert::getFirstStep)
                    .containsExactly(tuple(AlertKind.STALL, AlertState.OPEN, 200L));
            h.processElement(step(200, lastAt + 300_500), 0);
            assertThat(alerts(h)).extracting(Alert::getKind, Alert::getState, Alert::getFirstStep, Alert::getLastStep)
                    .containsExactly(tuple(AlertKind.STALL, AlertState.OPEN, 200L, null),
                            tuple(AlertKind.STALL, AlertState.RESOLVED, 200L, 200L));
            assertThat(h.extractOutputValues()).hasSize(2);
        }
    }

    @Test
    void runFinishedDropsTheRunsStateAndTimer() throws Exception {
        try (var h = harness()) {
            h.open();
            feedSteps(h, 0, 99);
            assertThat(h.numKeyedStateEntries()).isPositive();
            h.processElement(AlertTestRuns.finished(""), 0);
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numProcessingTimeTimers()).isZero();
        }
    }

    @Test
    void anIdleRunsStateIsDroppedAfterTheIdleTimeout() throws Exception {
        try (var h = harness()) {
            h.open();
            long lastAt = feedSteps(h, 0, 99);
            h.setProcessingTime(lastAt + IDLE_MS + 1);
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numProcessingTimeTimers()).isZero();
            // The silence before the timeout was a stall: reported once, not once per timer.
            assertThat(alerts(h)).extracting(Alert::getKind).containsExactly(AlertKind.STALL);
        }
    }

    @Test
    void alertsStillOpenWhenTheRunFinishesResolveAtItsLastStep() throws Exception {
        try (var h = harness()) {
            h.open();
            // Layer 0 routes every token to expert 0 from step 0 to the end (step 29): collapsed, 7 experts dead.
            for (int s = 0; s <= 29; s++) {
                h.setProcessingTime(s * AlertTestRuns.STEP_MS);
                h.processElement(AlertTestRuns.record("", ExpertLoad.newBuilder().setRunId(AlertTestRuns.RUN)
                        .setStep(s).setWallTimeMs(AlertTestRuns.START_MS + s * AlertTestRuns.STEP_MS).setLayer(0)
                        .setTokensPerExpert(List.of(2048L, 0L, 0L, 0L, 0L, 0L, 0L, 0L)).build()), 0);
            }
            List<Alert> open = alerts(h);
            assertThat(open).extracting(Alert::getKind).containsExactly(AlertKind.ROUTER_COLLAPSE,
                    AlertKind.IMBALANCE, AlertKind.DEAD_EXPERT);
            h.processElement(AlertTestRuns.record("", RunFinished.newBuilder().setRunId(AlertTestRuns.RUN)
                    .setFinishedAtMs(AlertTestRuns.START_MS + 31_000).setFinalStep(29).setStatus(RunStatus.FAILED)
                    .build()), 0);
            List<Alert> all = alerts(h);
            assertThat(all.subList(3, all.size())).extracting(Alert::getKind, Alert::getState, Alert::getFirstStep,
                    Alert::getLastStep, Alert::getEventStep).containsExactly(
                    tuple(AlertKind.ROUTER_COLLAPSE, AlertState.RESOLVED, open.get(0).getFirstStep(), 29L, 29L),
                    tuple(AlertKind.IMBALANCE, AlertState.RESOLVED, open.get(1).getFirstStep(), 29L, 29L),
                    tuple(AlertKind.DEAD_EXPERT, AlertState.RESOLVED, open.get(2).getFirstStep(), 29L, 29L));
            assertThat(h.extractOutputValues()).as("one row per event").hasSize(6);
            assertThat(h.numKeyedStateEntries()).isZero();
        }
    }
}
