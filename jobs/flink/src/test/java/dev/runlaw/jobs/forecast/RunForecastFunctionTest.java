package dev.runlaw.jobs.forecast;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.jobs.kafka.KafkaRecord;
import dev.runlaw.schema.ModelFacts;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.RunForecast;
import dev.runlaw.schema.RunStarted;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.Topics;
import dev.runlaw.schema.codec.TelemetryCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

/**
 * The keyed forecast function in an operator test harness: refit policy (points and interval timer), outputs,
 * snapshot/restore equality and bad records. The input is a run following the momentum law (Tissue et al. 2024)
 * with seeded noise.
 */
class RunForecastFunctionTest {
    private static final TelemetryCodec CODEC = new TelemetryCodec();
    private static final String RUN = "run-a";

    private static ForecastConfig config(int refitPoints, long intervalMs) {
        return ForecastConfig.fromMap(Map.of("bootstrap.servers", "127.0.0.1:9092",
                "clickhouse.url", "http://127.0.0.1:8123", "forecast.law", "momentum",
                "forecast.refit-points", Integer.toString(refitPoints),
                "forecast.refit-interval-ms", Long.toString(intervalMs)));
    }

    private static KeyedBroadcastOperatorTestHarness<String, KafkaRecord, KafkaRecord, ClickHouseRow> harness(
            ForecastConfig c) throws Exception {
        return ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction(new RunForecastFunction(c),
                ForecastJob::runKey, Types.STRING, RunForecastFunction.REFERENCES);
    }

    private static long offset;

    static KafkaRecord record(SpecificRecord r) {
        RecordKind k = RecordKind.of(r);
        return new KafkaRecord(k.topic(), 0, offset++, 0, k.keyOf(r).getBytes(StandardCharsets.UTF_8), CODEC.encode(r));
    }

    /**
     * RunStarted of {@code run-a} (family {@code fam}; constant LR 3e-4 after a 100-step warmup, 3000 steps planned)
     * and steps 0..last, loss every 10.
     */
    static List<KafkaRecord> run(int last) {
        List<KafkaRecord> out = new ArrayList<>();
        double[] lr = new double[3000];
        for (int s = 0; s < lr.length; s++) {
            lr[s] = s < 100 ? 3e-4 * s / 99 : 3e-4;
        }
        out.add(record(RunStarted.newBuilder().setRunId(RUN).setFamilyId("fam").setStartedAtMs(1_735_689_600_000L)
                .setModel(ModelFacts.newBuilder().build()).setPlannedTotalSteps(2999)
                .setLrPerStep(java.util.Arrays.stream(lr).boxed().toList()).build()));
        SplittableRandom rnd = new SplittableRandom(11);
        double s1 = 0;
        for (int s = 0; s <= last; s++) {
            s1 += s < 100 ? 3e-4 : lr[s];
            Double loss = s % 10 == 0 ? 2.0 + 4.0 * Math.pow(s1, -0.3) * (1 + 0.002 * rnd.nextGaussian()) : null;
            out.add(record(StepMetrics.newBuilder().setRunId(RUN).setStep(s).setWallTimeMs(1_735_689_600_000L + s)
                    .setLr(lr[s]).setLoss(loss).build()));
        }
        return out;
    }

    private static List<RunForecast> forecasts(KeyedBroadcastOperatorTestHarness<?, ?, ?, ?> h) throws Exception {
        List<RunForecast> out = new ArrayList<>();
        var side = h.getSideOutput(RunForecastFunction.KAFKA);
        if (side != null) {
            for (StreamRecord<KafkaOut> r : side) {
                if (r.getValue().topic().equals(Topics.FORECASTS)) {
                    out.add(RunForecast.fromByteBuffer(ByteBuffer.wrap(r.getValue().value())));
                }
            }
        }
        return out;
    }

    @Test
    void refitsEveryNPointsAndEmitsRowsAndTheForecastRecord() throws Exception {
        try (var h = harness(config(5, 3_600_000))) {
            for (KafkaRecord r : run(1499)) {
                h.processElement(r, 0);
            }
            // 150 losses (steps 0, 10, ..., 1490): a refit at every 5th, i.e. at steps 40, 90, ..., 1490.
            List<RunForecast> f = forecasts(h);
            assertThat(f).extracting(RunForecast::getStep).startsWith(40L, 90L, 140L).endsWith(1490L).hasSize(30);
            RunForecast last = f.get(f.size() - 1);
            assertThat(last.getStatus().name()).isEqualTo("OK");
            assertThat(last.getPlannedFinalStep()).isEqualTo(2999L);
            assertThat(last.getFinalPred()).isNotNull();
            assertThat(last.getFinalLo90()).isLessThanOrEqualTo(last.getFinalPred());
            assertThat(last.getFinalHi90()).isGreaterThanOrEqualTo(last.getFinalPred());
            assertThat(last.getCurve()).isNotEmpty();
            List<String> tables = h.extractOutputValues().stream().map(ClickHouseRow::table).distinct().toList();
            assertThat(tables).contains(ForecastRows.FORECASTS, ForecastRows.FORECAST_CURVES, ForecastRows.FORECAST_WHATIFS);
        }
    }

    @Test
    void theIntervalTimerForecastsStepsThatDidNotReachTheCount() throws Exception {
        try (var h = harness(config(1000, 2000))) {
            h.setProcessingTime(0);
            for (KafkaRecord r : run(999)) {
                h.processElement(r, 0);
            }
            assertThat(forecasts(h)).isEmpty();
            h.setProcessingTime(2000);
            assertThat(forecasts(h)).extracting(RunForecast::getStep).containsExactly(999L);
        }
    }

    @Test
    void aRestoredFunctionContinuesWithTheSameForecastsAsAnUninterruptedOne() throws Exception {
        List<KafkaRecord> all = run(1999);
        int cut = all.size() / 2;
        List<RunForecast> uninterrupted;
        try (var h = harness(config(7, 3_600_000))) {
            for (KafkaRecord r : all) {
                h.processElement(r, 0);
            }
            uninterrupted = forecasts(h);
        }
        OperatorSubtaskState snapshot;
        List<RunForecast> before;
        try (var h = harness(config(7, 3_600_000))) {
            for (KafkaRecord r : all.subList(0, cut)) {
                h.processElement(r, 0);
            }
            before = forecasts(h);
            snapshot = h.snapshot(1, 1);
        }
        List<RunForecast> after;
        try (var h = new KeyedBroadcastOperatorTestHarness<String, KafkaRecord, KafkaRecord, ClickHouseRow>(
                new CoBroadcastWithKeyedOperator<>(new RunForecastFunction(config(7, 3_600_000)),
                        List.of(RunForecastFunction.REFERENCES)), ForecastJob::runKey, Types.STRING, 1, 1, 0)) {
            h.setup();
            h.initializeState(snapshot);
            h.open();
            for (KafkaRecord r : all.subList(cut, all.size())) {
                h.processElement(r, 0);
            }
            after = forecasts(h);
        }
        List<RunForecast> resumed = new ArrayList<>(before);
        resumed.addAll(after);
        assertThat(before).isNotEmpty();
        assertThat(after).isNotEmpty();
        assertThat(resumed).hasSameSizeAs(uninterrupted);
        for (int i = 0; i < resumed.size(); i++) {
            RunForecast a = resumed.get(i);
            RunForecast b = uninterrupted.get(i);
            assertThat(a.getStep()).isEqualTo(b.getStep());
            // Emit times differ; everything the forecast says must not.
            assertThat(a.getParamValues()).as("params at " + a.getStep()).isEqualTo(b.getParamValues());
            assertThat(a.getFinalPred()).isEqualTo(b.getFinalPred());
            assertThat(a.getCurve()).isEqualTo(b.getCurve());
        }
    }

    @Test
    void undecodableAndKeylessRecordsAreSkippedWithoutFailing() throws Exception {
        try (var h = harness(config(5, 3_600_000))) {
            h.processElement(new KafkaRecord(RecordKind.STEP_METRICS.topic(), 0, 1, 0,
                    RUN.getBytes(StandardCharsets.UTF_8), "not avro".getBytes(StandardCharsets.UTF_8)), 0);
            h.processElement(new KafkaRecord("some.other.topic", 0, 2, 0, RUN.getBytes(StandardCharsets.UTF_8),
                    new byte[] {1, 2}), 0);
            assertThat(h.extractOutputValues()).isEmpty();
            assertThat(forecasts(h)).isEmpty();
        }
    }
}
