package dev.runlaw.jobs.batch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.jobs.kafka.KafkaRecord;
import dev.runlaw.producers.SimulatedBatchSweep;
import dev.runlaw.schema.RunFinished;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

/**
 * {@link RunNoiseFunction} in an operator harness: run-finished that overtakes the run's last steps (another topic),
 * the finish grace timer, the finished marker, snapshot and restore, and bounded state.
 */
class RunNoiseFunctionTest {
    private static final long IDLE_MS = 3_600_000;
    private static final long GRACE_MS = 30_000;
    private static final SimulatedBatchSweep SWEEP = new SimulatedBatchSweep("fam", 2, new long[] {64}, 512,
            64 * 300, 0.002);

    private static final BatchConfig CONFIG = BatchConfig.fromMap(Map.of("bootstrap.servers", "127.0.0.1:9092",
                "clickhouse.url", "http://127.0.0.1:8123", "batch.idle-timeout-ms", Long.toString(IDLE_MS),
                "batch.finish-grace-ms", Long.toString(GRACE_MS)));

    /** An opened harness. */
    private static KeyedOneInputStreamOperatorTestHarness<String, KafkaRecord, ClickHouseRow> harness()
            throws Exception {
        return ProcessFunctionTestHarnesses.forKeyedProcessFunction(new RunNoiseFunction(CONFIG), BatchJob::runKey,
                Types.STRING);
    }

    private static long finishedProgress(KeyedOneInputStreamOperatorTestHarness<String, KafkaRecord, ClickHouseRow> h) {
        var side = h.getSideOutput(RunNoiseFunction.PROGRESS);
        return side == null ? 0 : side.stream().filter(r -> r.getValue().finished()).count();
    }

    @Test
    void finishesWhenTheFinalStepArrivesAfterRunFinishedThenIgnoresLateRecords() throws Exception {
        List<SpecificRecord> run = SWEEP.run(64);
        SpecificRecord finished = run.get(run.size() - 1);
        try (var h = harness()) {
            long offset = 0;
            // run-finished first, then every step: the run waits for its final step (300); RunStarted comes last.
            h.processElement(SweepRecords.record(finished, offset++), 0);
            for (SpecificRecord r : run.subList(1, run.size() - 1)) {
                h.processElement(SweepRecords.record(r, offset++), 0);
            }
            // Rows at steps 1, 51, ..., 251 and the final step 300; no family yet, so no progress for it.
            assertThat(h.extractOutputValues()).hasSize(7);
            assertThat(finishedProgress(h)).isZero();
            h.processElement(SweepRecords.record(run.get(0), offset++), 0);
            assertThat(finishedProgress(h)).as("the late RunStarted names the family").isEqualTo(1);
            // A late copy of a step is ignored: no row, no progress.
            h.processElement(SweepRecords.record(run.get(10), offset), 0);
            assertThat(h.extractOutputValues()).hasSize(7);
            h.setProcessingTime(GRACE_MS);
            assertThat(h.numKeyedStateEntries()).as("only the finished marker and its timer").isEqualTo(2);
            h.processElement(SweepRecords.record(run.get(11), offset), GRACE_MS);
            assertThat(h.extractOutputValues()).hasSize(7);
            h.setProcessingTime(GRACE_MS + IDLE_MS + 1);
            assertThat(h.numKeyedStateEntries()).isZero();
        }
    }

    @Test
    void finishesAfterTheGraceWhenTheFinalStepNeverComesAndSurvivesARestore() throws Exception {
        List<SpecificRecord> run = SWEEP.run(64);
        RunFinished finished = (RunFinished) run.get(run.size() - 1);
        OperatorSubtaskState snapshot;
        try (var h = harness()) {
            for (int i = 0; i < 200; i++) {
                h.processElement(SweepRecords.record(run.get(i), i), 0);
            }
            h.processElement(SweepRecords.record(finished, 9_999), 1_000);
            assertThat(finishedProgress(h)).isZero();
            snapshot = h.snapshot(1, 1_000);
        }
        try (var h = new KeyedOneInputStreamOperatorTestHarness<String, KafkaRecord, ClickHouseRow>(
                new KeyedProcessOperator<>(new RunNoiseFunction(CONFIG)), BatchJob::runKey, Types.STRING)) {
            h.setup();
            h.initializeState(snapshot);
            h.open();
            h.setProcessingTime(1_000 + GRACE_MS);
            assertThat(finishedProgress(h)).as("finished by the grace timer, after a restore").isEqualTo(1);
            // The last row is written at the last step that came (199), after 1, 51, 101, 151 before the snapshot.
            assertThat(h.extractOutputValues()).hasSize(1);
            h.setProcessingTime(1_000 + 2 * GRACE_MS);
            assertThat(h.numKeyedStateEntries()).as("only the finished marker and its timer").isEqualTo(2);
        }
    }
}
