package dev.runlaw.jobs.batch;

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
 * The batch job's gate, before records are keyed by run: a usable record passes on unchanged; one the job cannot use
 * (wrong topic, undecodable, unknown schema, over limits, invalid, among them squared norms that are negative,
 * non-finite, without their batch sizes or with batch_small ≥ batch_big, and a Kafka key that is not the run id)
 * becomes a {@link DeadLetterEvent} on {@link DeadLetters#TAG} with its reason, checked by the same
 * {@link TelemetryDecoder} as the other jobs. A step refused only for a non-finite loss passes: its norms are still
 * usable (the loss curve skips the value).
 *
 * <p>Metrics, in group {@code runlaw_batch}: {@code dead_letters_<REASON>}. Stateless.
 */
public final class BatchInputFunction extends ProcessFunction<KafkaRecord, KafkaRecord> {
    private static final long serialVersionUID = 1L;

    private final String topicPrefix;
    private final Limits limits;

    private transient TelemetryDecoder decoder;
    private transient Map<RejectReason, Counter> refused;

    public BatchInputFunction(String topicPrefix, Limits limits) {
        this.topicPrefix = topicPrefix == null ? "" : topicPrefix;
        this.limits = limits;
    }

    @Override
    public void open(OpenContext openContext) {
        decoder = new TelemetryDecoder(topicPrefix, BatchConfig.INPUT_KINDS, limits, true);
        refused = DeadLetters.counters(getRuntimeContext().getMetricGroup().addGroup("runlaw_batch"));
    }

    @Override
    public void processElement(KafkaRecord in, Context ctx, Collector<KafkaRecord> out) {
        TelemetryDecoder.Result r = decoder.decode(in);
        if (r.accepted() || (r.rejection().reason() == RejectReason.NON_FINITE_LOSS
                && r.record() instanceof StepMetrics)) {
            out.collect(in);
            return;
        }
        refused.get(r.rejection().reason()).inc();
        ctx.output(DeadLetters.TAG, DeadLetterEvent.of(in, r.rejection(), System.currentTimeMillis()));
    }
}
