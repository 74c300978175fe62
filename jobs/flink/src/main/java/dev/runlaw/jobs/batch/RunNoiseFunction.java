package dev.runlaw.jobs.batch;

import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.jobs.forecast.KafkaOut;
import dev.runlaw.jobs.kafka.DeadLetterEvent;
import dev.runlaw.jobs.kafka.DeadLetters;
import dev.runlaw.jobs.kafka.KafkaRecord;
import dev.runlaw.jobs.kafka.TelemetryDecoder;
import dev.runlaw.math.cbs.NoiseScaleSettings;
import dev.runlaw.math.cbs.SampleStatus;
import dev.runlaw.schema.RunFinished;
import dev.runlaw.schema.RunStarted;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.validate.RejectReason;
import dev.runlaw.schema.validate.Rejection;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The live gradient noise scale of one run (keyed by run id): state in ({@link RunNoise}), the step through it,
 * state out, emit. Main output: {@code gradient_noise} rows; side outputs: batch advice for
 * {@code runlaw.batch-advice} ({@link #ADVICE}), the run's progress for its family's fit ({@link #PROGRESS}) and dead
 * letters for norms the estimator refuses ({@link DeadLetters#TAG}; the gate already refuses what the validator
 * knows, so this is a second line).
 *
 * <p><b>State</b> (bounded per run: O(1) estimator and facts, the loss curve's documented maximum), as the logic's
 * own versioned bytes (no Kryo). Run-finished finishes the run once its final step has arrived (steps and
 * run-finished come on different topics, in any order), or {@code finishGraceMs} later; the finished state stays
 * {@code finishGraceMs} more (a late RunStarted can still name the family), then gives way to a marker that makes
 * late records be ignored until {@code idleTimeoutMs}. A run with no record for
 * {@code idleTimeoutMs} is dropped too (one processing-time timer per run).
 *
 * <p>Metrics, in group {@code runlaw_batch}: {@code noise_rows}, {@code advice_changes}, {@code refused_samples}.
 */
public final class RunNoiseFunction extends KeyedProcessFunction<String, KafkaRecord, ClickHouseRow> {
    private static final long serialVersionUID = 1L;

    /** Batch advice records for Kafka. */
    public static final OutputTag<KafkaOut> ADVICE = new OutputTag<>("batch-advice") { };
    /** Progress of runs that belong to a family, for the family's fit. */
    public static final OutputTag<RunProgress> PROGRESS = new OutputTag<>("run-progress") { };

    private final BatchConfig config;

    private transient NoiseScaleSettings settings;
    private transient TelemetryDecoder decoder;
    private transient BatchRows rows;
    private transient ValueState<byte[]> run;
    private transient ValueState<byte[]> curve;
    private transient ValueState<Long> timer;
    private transient ValueState<Boolean> done;
    private transient Counter noiseRows;
    private transient Counter adviceChanges;
    private transient Counter refusedSamples;

    public RunNoiseFunction(BatchConfig config) {
        this.config = config;
    }

    @Override
    public void open(OpenContext openContext) {
        settings = NoiseScaleSettings.defaults();
        // Records were checked by BatchInputFunction; this only decodes.
        decoder = new TelemetryDecoder(config.settings().topicPrefix(), BatchConfig.INPUT_KINDS,
                config.settings().limits(), false);
        rows = new BatchRows(config.adviceTopic());
        run = getRuntimeContext().getState(new ValueStateDescriptor<>("run-noise",
                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        curve = getRuntimeContext().getState(new ValueStateDescriptor<>("loss-curve",
                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        timer = getRuntimeContext().getState(new ValueStateDescriptor<>("timer", Types.LONG));
        done = getRuntimeContext().getState(new ValueStateDescriptor<>("finished", Types.BOOLEAN));
        var metrics = getRuntimeContext().getMetricGroup().addGroup("runlaw_batch");
        noiseRows = metrics.counter("noise_rows");
        adviceChanges = metrics.counter("advice_changes");
        refusedSamples = metrics.counter("refused_samples");
    }

    @Override
    public void processElement(KafkaRecord in, Context ctx, Collector<ClickHouseRow> out) throws Exception {
        long now = ctx.timerService().currentProcessingTime();
        if (Boolean.TRUE.equals(done.value())) {
            return; // a finished run's late or replayed records would restart its estimate from nothing
        }
        Object record = decoder.decode(in).record();
        RunNoise r = RunNoise.restore(config.policy(), settings, run.value(), curve.value());
        boolean wasFinished = r.isFinished();
        RunNoise.Outcome o;
        if (record instanceof StepMetrics s) {
            o = r.onStep(s);
        } else if (record instanceof RunStarted s) {
            o = r.onStarted(s);
        } else if (record instanceof RunFinished f) {
            o = r.onFinished(f.getFinalStep());
        } else {
            return;
        }
        if (o.sample() != null && o.sample() != SampleStatus.ACCEPTED) {
            refusedSamples.inc();
            ctx.output(DeadLetters.TAG, DeadLetterEvent.of(in, Rejection.of(RejectReason.INCONSISTENT,
                    "squared gradient norms unusable for the noise scale: " + o.sample()), now));
        }
        emit(o, now, ctx, out);
        run.update(r.stateBytes());
        if (r.curveChanged()) {
            curve.update(r.curveBytes());
        }
        long grace = config.policy().finishGraceMs();
        if (o.finished() || (record instanceof RunFinished && r.awaitsFinalStep())) {
            // Finished: kept for the grace period so a late RunStarted can still name the family. Awaiting: steps
            // come on another topic and may lag run-finished; finish when the final step arrives, or then.
            arm(now + grace, ctx);
        } else if (!r.awaitsFinalStep() && !wasFinished) {
            armIdle(now, ctx);
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<ClickHouseRow> out) throws Exception {
        Long t = timer.value();
        if (t == null || t != timestamp) {
            return;
        }
        if (!Boolean.TRUE.equals(done.value()) && run.value() != null) {
            RunNoise r = RunNoise.restore(config.policy(), settings, run.value(), curve.value());
            if (r.awaitsFinalStep()) {
                emit(r.finish(), timestamp, ctx, out);
                run.update(r.stateBytes());
                arm(timestamp + config.policy().finishGraceMs(), ctx);
                return;
            }
            if (r.isFinished()) {
                markDone(timestamp, ctx);
                return;
            }
        }
        // Idle for the timeout, or a finished run's marker expiring.
        run.clear();
        curve.clear();
        done.clear();
        timer.clear();
    }

    /** The state of a finished run goes; a marker stays until the idle timeout so late records are ignored. */
    private void markDone(long now, Context ctx) throws Exception {
        run.clear();
        curve.clear();
        done.update(true);
        arm(now + config.policy().idleTimeoutMs(), ctx);
    }

    private void emit(RunNoise.Outcome o, long now, Context ctx, Collector<ClickHouseRow> out) {
        if (o.point() != null) {
            out.collect(rows.gradientNoise(o.point(), now));
            noiseRows.inc();
        }
        if (o.advice() != null) {
            ctx.output(ADVICE, rows.record(BatchRows.runAdvice(o.advice(), now)));
            adviceChanges.inc();
        }
        if (o.progress() != null) {
            ctx.output(PROGRESS, o.progress());
        }
    }

    /** The idle timer, moved forward at most once per tenth of the timeout (not at every step). */
    private void armIdle(long now, Context ctx) throws Exception {
        long idle = config.policy().idleTimeoutMs();
        Long t = timer.value();
        if (t == null || t - now <= idle - idle / 10) {
            arm(now + idle, ctx);
        }
    }

    /** One processing-time timer per run: the idle timeout, the finish grace or the finished marker's expiry. */
    private void arm(long at, Context ctx) throws Exception {
        Long t = timer.value();
        if (t != null) {
            ctx.timerService().deleteProcessingTimeTimer(t);
        }
        ctx.timerService().registerProcessingTimeTimer(at);
        timer.update(at);
    }
}
