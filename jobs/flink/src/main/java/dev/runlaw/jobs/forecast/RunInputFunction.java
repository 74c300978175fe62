package dev.runlaw.jobs.forecast;

import dev.runlaw.jobs.kafka.DeadLetterEvent;
import dev.runlaw.jobs.kafka.DeadLetters;
import dev.runlaw.jobs.kafka.KafkaRecord;
import dev.runlaw.jobs.kafka.TelemetryDecoder;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.validate.Limits;
import dev.runlaw.schema.validate.RejectReason;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The forecast job's gate, before records are keyed by run: a record the job can use passes on unchanged; one it
 * cannot (wrong topic, undecodable, unknown schema, over limits or otherwise invalid, Kafka key not the run id)
 * becomes a {@link DeadLetterEvent} on {@link DeadLetters#TAG} with its reason, as in the ingest job (the same
 * {@link TelemetryDecoder}). A step whose loss is NaN or infinite passes: it is a fact about the run (it probably
 * diverged), which the run's forecast reports, while the ingest job dead-letters the same record.
 *
 * <p>Metrics, in group {@code runlaw_forecast}: {@code dead_letters_<REASON>}. Stateless.
 */
public final class RunInputFunction extends ProcessFunction<KafkaRecord, KafkaRecord> {
    private static final long serialVersionUID = 1L;

    private final String topicPrefix;
    private final Limits limits;

    private transient TelemetryDecoder decoder;
    private transient Map<RejectReason, Counter> refused;

    public RunInputFunction(String topicPrefix, Limits limits) {
        this.topicPrefix = topicPrefix == null ? "" : topicPrefix;
        this.limits = limits;
    }

    @Override
    public void open(OpenContext openContext) {
        // The job keys runs by the Kafka key, so the key must be the record's run id.
        decoder = new TelemetryDecoder(topicPrefix, ForecastConfig.INPUT_KINDS, limits, true);
        refused = DeadLetters.counters(getRuntimeContext().getMetricGroup().addGroup("runlaw_forecast"));
    }

    @Override
    public void processElement(KafkaRecord in, Context ctx, Collector<KafkaRecord> out) {
        TelemetryDecoder.Result r = decoder.decode(in);
        if (r.accepted() || isDivergedStep(r)) {
            out.collect(in);
            return;
        }
        refused.get(r.rejection().reason()).inc();
        ctx.output(DeadLetters.TAG, DeadLetterEvent.of(in, r.rejection(), System.currentTimeMillis()));
    }

    /** A step refused only for its non-finite loss, with a usable step and LR: the forecast keeps it. */
    private static boolean isDivergedStep(TelemetryDecoder.Result r) {
        return r.rejection().reason() == RejectReason.NON_FINITE_LOSS && r.record() instanceof StepMetrics s
                && Double.isFinite(s.getLr()) && s.getStep() >= 0;
    }
}
