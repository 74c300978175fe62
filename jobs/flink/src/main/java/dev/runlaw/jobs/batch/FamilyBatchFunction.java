package dev.runlaw.jobs.batch;

import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.jobs.forecast.KafkaOut;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The batch-size sweep of one family (keyed by family id): state in ({@link FamilySweep}), the run's progress
 * through it, state out, emit the family's current {@code batch_size_laws} rows, its {@code batch_size_scaling} row
 * and, when it changed, the advice for the family's next run ({@link RunNoiseFunction#ADVICE}).
 *
 * <p><b>State</b>: bounded per family ({@code batch.max-runs-per-family} curves), as the logic's versioned bytes;
 * dropped after {@code idleTimeoutMs} without an update. Metrics, in group {@code runlaw_batch}: {@code family_fits}.
 */
public final class FamilyBatchFunction extends KeyedProcessFunction<String, RunProgress, ClickHouseRow> {
    private static final long serialVersionUID = 1L;

    private final BatchConfig config;

    private transient BatchRows rows;
    private transient ValueState<byte[]> sweep;
    private transient ValueState<Long> timer;
    private transient Counter fits;

    public FamilyBatchFunction(BatchConfig config) {
        this.config = config;
    }

    @Override
    public void open(OpenContext openContext) {
        rows = new BatchRows(config.adviceTopic());
        sweep = getRuntimeContext().getState(new ValueStateDescriptor<>("family-sweep",
                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        timer = getRuntimeContext().getState(new ValueStateDescriptor<>("idle-timer", Types.LONG));
        fits = getRuntimeContext().getMetricGroup().addGroup("runlaw_batch").counter("family_fits");
    }

    @Override
    public void processElement(RunProgress p, Context ctx, Collector<ClickHouseRow> out) throws Exception {
        long now = ctx.timerService().currentProcessingTime();
        String family = ctx.getCurrentKey();
        byte[] bytes = sweep.value();
        FamilySweep f = bytes == null ? new FamilySweep(config.policy(), family)
                : FamilySweep.fromBytes(config.policy(), bytes);
        FamilySweep.Outcome o = f.update(p);
        sweep.update(f.toBytes());
        fits.inc();
        for (FamilySweep.Law l : o.laws()) {
            out.collect(rows.law(family, o, l, config.policy(), now));
        }
        if (o.scaling() != null) {
            out.collect(rows.scaling(family, o, now));
            if (o.adviceSeq() > 0) {
                KafkaOut advice = rows.record(BatchRows.familyAdvice(family, o, now));
                ctx.output(RunNoiseFunction.ADVICE, advice);
            }
        }
        Long t = timer.value();
        if (t != null) {
            ctx.timerService().deleteProcessingTimeTimer(t);
        }
        long at = now + config.policy().idleTimeoutMs();
        ctx.timerService().registerProcessingTimeTimer(at);
        timer.update(at);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<ClickHouseRow> out) throws Exception {
        Long t = timer.value();
        if (t != null && t == timestamp) {
            sweep.clear();
            timer.clear();
        }
    }
}
