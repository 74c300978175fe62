package dev.runlaw.jobs.alert;

import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.jobs.forecast.KafkaOut;
import dev.runlaw.jobs.kafka.KafkaRecord;
import dev.runlaw.jobs.kafka.TelemetryDecoder;
import dev.runlaw.math.anomaly.Alert;
import dev.runlaw.math.anomaly.AnomalySettings;
import dev.runlaw.math.anomaly.LayerDetectors;
import dev.runlaw.math.anomaly.LinkSteps;
import dev.runlaw.math.anomaly.RunDetectors;
import dev.runlaw.math.anomaly.StepInput;
import dev.runlaw.schema.DataMovement;
import dev.runlaw.schema.ExpertLoad;
import dev.runlaw.schema.RunFinished;
import dev.runlaw.schema.RunForecast;
import dev.runlaw.schema.StepMetrics;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The live detectors of one run (keyed by run id): {@link RunDetectors} on its steps, one {@link LayerDetectors}
 * per MoE layer on its expert loads, one {@link LinkSteps} (HOT_LINK) per layer on its data movement, and the
 * expected loss of the forecast job's latest fit ({@link ExpectedLoss}, from the run's forecasts: no second fitter).
 * Each detector event becomes an {@code alerts} row (main output) and a {@code runlaw.alerts} record
 * ({@link #KAFKA}).
 *
 * <p><b>STALL</b>: one processing-time timer per run, armed after each step at
 * {@code max(stallCheckMinMs, stallMinMs, stallFactor x typical step time)}; when it fires with no newer step the
 * detectors judge the silence ({@link RunDetectors#onSilence}); the next step resolves it. The step time is the
 * wall-time gap between consecutive steps divided by their step distance.
 *
 * <p><b>Run finished</b>: the alerts still open resolve at the run's last step (each detector's
 * {@code closeAll}), then the run's state is dropped.
 *
 * <p><b>State</b> (bounded per run: O(1) detectors, O(layers) layer and link detectors, O(curve points) expectation), dropped
 * when the run-finished record arrives or after {@code idleTimeoutMs} without a record (then open alerts stay open:
 * a run silent for that long may still be stalled). Detector state is kept as
 * the math classes' own bytes (no Kryo, versioned formats).
 *
 * <p>Metrics, in group {@code runlaw_alert}: {@code alerts_opened}, {@code alerts_resolved}.
 */
public final class RunAlertFunction extends KeyedProcessFunction<String, KafkaRecord, ClickHouseRow> {
    private static final long serialVersionUID = 1L;

    /** The alert records for Kafka. */
    public static final OutputTag<KafkaOut> KAFKA = new OutputTag<>("alert-kafka") { };

    private static final int LAST_STEP = 0;
    private static final int LAST_WALL_MS = 1;
    private static final int LAST_STEP_ARRIVAL = 2;
    private static final int LAST_RECORD = 3;
    private static final int TIMER = 4;

    private final AlertConfig config;

    private transient AnomalySettings settings;
    private transient TelemetryDecoder decoder;
    private transient AlertOutputs outputs;
    private transient ValueState<byte[]> detectors;
    private transient ValueState<byte[]> expected;
    private transient MapState<Integer, byte[]> layers;
    private transient MapState<Integer, byte[]> links;
    /** lastStep, its wall time, processing time of its arrival, of the last record, and the pending timer. */
    private transient ValueState<long[]> clock;
    private transient Counter opened;
    private transient Counter resolved;

    public RunAlertFunction(AlertConfig config) {
        this.config = config;
    }

    @Override
    public void open(OpenContext openContext) {
        settings = AnomalySettings.defaults();
        // Records were checked by AlertInputFunction; this only decodes (no key or limit check twice).
        decoder = new TelemetryDecoder(config.settings().topicPrefix(), AlertConfig.INPUT_KINDS,
                config.settings().limits(), false);
        outputs = new AlertOutputs(config.alertsTopic());
        detectors = getRuntimeContext().getState(new ValueStateDescriptor<>("detectors",
                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        expected = getRuntimeContext().getState(new ValueStateDescriptor<>("expected-loss",
                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        layers = getRuntimeContext().getMapState(new MapStateDescriptor<>("layer-detectors", Types.INT,
                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        links = getRuntimeContext().getMapState(new MapStateDescriptor<>("link-detectors", Types.INT,
                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        clock = getRuntimeContext().getState(new ValueStateDescriptor<>("clock",
                PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
        var metrics = getRuntimeContext().getMetricGroup().addGroup("runlaw_alert");
        opened = metrics.counter("alerts_opened");
        resolved = metrics.counter("alerts_resolved");
    }

    @Override
    public void processElement(KafkaRecord in, Context ctx, Collector<ClickHouseRow> out) throws Exception {
        long now = ctx.timerService().currentProcessingTime();
        if (in.topic().equals(config.forecastsTopic())) {
            ExpectedLoss e = ExpectedLoss.of(RunForecast.fromByteBuffer(ByteBuffer.wrap(in.value())));
            if (e != null) {
                expected.update(e.toBytes());
            }
            touch(now, ctx);
            return;
        }
        Object record = decoder.decode(in).record();
        if (record instanceof StepMetrics s) {
            onStep(s, now, ctx, out);
        } else if (record instanceof ExpertLoad l) {
            onExpertLoad(l, now, ctx, out);
        } else if (record instanceof DataMovement m) {
            onDataMovement(m, now, ctx, out);
        } else if (record instanceof RunFinished f) {
            finish(f, now, ctx, out);
        }
    }

    private void onStep(StepMetrics s, long now, Context ctx, Collector<ClickHouseRow> out) throws Exception {
        long[] c = clockOrNew();
        RunDetectors d = runDetectors();
        double stepMs = Double.NaN;
        if (c[LAST_STEP] >= 0 && s.getStep() > c[LAST_STEP] && s.getWallTimeMs() > c[LAST_WALL_MS]
                && c[LAST_WALL_MS] > 0) {
            stepMs = (double) (s.getWallTimeMs() - c[LAST_WALL_MS]) / (s.getStep() - c[LAST_STEP]);
        }
        double loss = s.getLoss() == null ? Double.NaN : s.getLoss();
        // The detectors read NaN as "not logged"; a logged NaN loss is a non-finite loss.
        if (s.getLoss() != null && Double.isNaN(loss)) {
            loss = Double.POSITIVE_INFINITY;
        }
        double grad = s.getGradNorm() == null ? Double.NaN : s.getGradNorm();
        byte[] e = expected.value();
        double exp = e == null ? Double.NaN : ExpectedLoss.fromBytes(e).at(s.getStep());
        List<Alert> alerts = d.onStep(new StepInput(s.getStep(), loss, grad, stepMs, exp, s.getLr()));
        if (s.getStep() > c[LAST_STEP]) {
            c[LAST_STEP] = s.getStep();
            c[LAST_WALL_MS] = s.getWallTimeMs();
        }
        c[LAST_STEP_ARRIVAL] = now;
        c[LAST_RECORD] = now;
        emit(ctx.getCurrentKey(), alerts, c, now, ctx, out);
        detectors.update(d.toBytes());
        arm(c, stallDelay(d), ctx);
        clock.update(c);
    }

    private void onExpertLoad(ExpertLoad l, long now, Context ctx, Collector<ClickHouseRow> out) throws Exception {
        long[] c = clockOrNew();
        byte[] bytes = layers.get(l.getLayer());
        LayerDetectors d = bytes == null ? new LayerDetectors(l.getLayer(), settings)
                : LayerDetectors.fromBytes(bytes, settings);
        long[] tokens = l.getTokensPerExpert().stream().mapToLong(Long::longValue).toArray();
        List<Alert> alerts = d.onExpertLoad(l.getStep(), tokens, l.getDroppedTokens());
        layers.put(l.getLayer(), d.toBytes());
        c[LAST_RECORD] = now;
        emitAt(ctx.getCurrentKey(), alerts, l.getStep(), l.getWallTimeMs(), now, ctx, out);
        arm(c, config.idleTimeoutMs(), ctx);
        clock.update(c);
    }

    /**
     * One device pair's bytes of one layer and step, into that layer's {@link LinkSteps} (HOT_LINK): a step is judged
     * when the first record of a later step arrives. Inference traffic ({@code step < 0}, keyed by a server, not a
     * run) is not a training run's and is left to the routing analyses.
     */
    private void onDataMovement(DataMovement m, long now, Context ctx, Collector<ClickHouseRow> out) throws Exception {
        if (m.getStep() < 0) {
            return;
        }
        long[] c = clockOrNew();
        byte[] bytes = links.get(m.getLayer());
        LinkSteps d = bytes == null ? LinkSteps.create(m.getLayer(), settings) : LinkSteps.fromBytes(bytes, settings);
        List<Alert> alerts = d.onBytes(m.getStep(), m.getSrcDevice(), m.getDstDevice(), m.getBytes());
        links.put(m.getLayer(), d.toBytes());
        c[LAST_RECORD] = now;
        emitAt(ctx.getCurrentKey(), alerts, m.getStep(), m.getWallTimeMs(), now, ctx, out);
        arm(c, config.idleTimeoutMs(), ctx);
        clock.update(c);
    }

    /**
     * The run ended: every alert still open (run level, per layer) resolves at the run's last step, then the run's
     * state is dropped. Without this a divergence or a collapse that lasted to the end would stay OPEN for ever.
     */
    private void finish(RunFinished f, long now, Context ctx, Collector<ClickHouseRow> out) throws Exception {
        String run = ctx.getCurrentKey();
        byte[] bytes = detectors.value();
        if (bytes != null) {
            emitAt(run, RunDetectors.fromBytes(bytes, settings).closeAll(), f.getFinalStep(), f.getFinishedAtMs(),
                    now, ctx, out);
        }
        // Layer order, so the events of a finish are deterministic (map state iterates in no fixed order).
        java.util.TreeMap<Integer, byte[]> byLayer = new java.util.TreeMap<>();
        for (var e : layers.entries()) {
            byLayer.put(e.getKey(), e.getValue());
        }
        for (byte[] b : byLayer.values()) {
            emitAt(run, LayerDetectors.fromBytes(b, settings).closeAll(), f.getFinalStep(), f.getFinishedAtMs(), now,
                    ctx, out);
        }
        byLayer.clear();
        for (var e : links.entries()) {
            byLayer.put(e.getKey(), e.getValue());
        }
        for (byte[] b : byLayer.values()) {
            // The last step's traffic is judged here (no later step will come), then HOT_LINK resolves.
            emitAt(run, LinkSteps.fromBytes(b, settings).closeAll(), f.getFinalStep(), f.getFinishedAtMs(), now, ctx,
                    out);
        }
        clear(ctx);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<ClickHouseRow> out) throws Exception {
        long[] c = clock.value();
        if (c == null || c[TIMER] != timestamp) {
            return;
        }
        c[TIMER] = 0;
        if (timestamp >= c[LAST_RECORD] + config.idleTimeoutMs()) {
            clear(ctx);
            return;
        }
        long next = c[LAST_RECORD] + config.idleTimeoutMs();
        byte[] bytes = detectors.value();
        if (bytes != null && c[LAST_STEP] >= 0) {
            RunDetectors d = RunDetectors.fromBytes(bytes, settings);
            long silent = timestamp - c[LAST_STEP_ARRIVAL];
            long delay = stallDelay(d);
            if (silent >= delay) {
                // Judged once per silence: then only the idle timeout is left until the next step re-arms.
                emit(ctx.getCurrentKey(), d.onSilence(c[LAST_STEP], silent), c, timestamp, ctx, out);
                detectors.update(d.toBytes());
            } else {
                // Steps came since this timer was set: check again the delay after the latest one.
                next = Math.min(next, c[LAST_STEP_ARRIVAL] + delay);
            }
        }
        ctx.timerService().registerProcessingTimeTimer(next);
        c[TIMER] = next;
        clock.update(c);
    }

    /** One pending timer per run: the stall check {@code delay} after the last step (or record). */
    private void arm(long[] c, long delay, Context ctx) {
        long at = c[LAST_RECORD] + delay;
        if (c[TIMER] != 0 && c[TIMER] <= at && c[TIMER] > ctx.timerService().currentProcessingTime()) {
            return;
        }
        if (c[TIMER] != 0) {
            ctx.timerService().deleteProcessingTimeTimer(c[TIMER]);
        }
        ctx.timerService().registerProcessingTimeTimer(at);
        c[TIMER] = at;
    }

    private long stallDelay(RunDetectors d) {
        double typical = d.typicalStepMs();
        double byRun = Double.isFinite(typical) ? settings.stallFactor() * typical : 0;
        return (long) Math.ceil(Math.max(config.stallCheckMinMs(), Math.max(settings.stallMinMs(), byRun)));
    }

    private void emit(String run, List<Alert> alerts, long[] c, long now, Context ctx, Collector<ClickHouseRow> out) {
        emitAt(run, alerts, c[LAST_STEP], c[LAST_WALL_MS], now, ctx, out);
    }

    private void emitAt(String run, List<Alert> alerts, long step, long wallMs, long now, Context ctx,
                        Collector<ClickHouseRow> out) {
        for (Alert a : alerts) {
            dev.runlaw.schema.Alert avro = AlertOutputs.toAvro(run, a, step, wallMs, now);
            out.collect(outputs.row(avro, now));
            ctx.output(KAFKA, outputs.record(avro));
            (a.isOpen() ? opened : resolved).inc();
        }
    }

    private void touch(long now, Context ctx) throws Exception {
        long[] c = clockOrNew();
        c[LAST_RECORD] = now;
        if (c[TIMER] == 0) {
            arm(c, config.idleTimeoutMs(), ctx);
        }
        clock.update(c);
    }

    private RunDetectors runDetectors() throws Exception {
        byte[] bytes = detectors.value();
        return bytes == null ? RunDetectors.create(settings) : RunDetectors.fromBytes(bytes, settings);
    }

    private long[] clockOrNew() throws Exception {
        long[] c = clock.value();
        return c != null ? c : new long[] {-1, 0, 0, 0, 0};
    }

    private void clear(Context ctx) throws Exception {
        long[] c = clock.value();
        if (c != null && c[TIMER] != 0) {
            ctx.timerService().deleteProcessingTimeTimer(c[TIMER]);
        }
        detectors.clear();
        expected.clear();
        layers.clear();
        links.clear();
        clock.clear();
    }
}
