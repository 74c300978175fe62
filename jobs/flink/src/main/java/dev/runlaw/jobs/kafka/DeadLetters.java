package dev.runlaw.jobs.kafka;

import dev.runlaw.jobs.common.JobSettings;
import dev.runlaw.schema.validate.RejectReason;
import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.util.OutputTag;

/**
 * The dead-letter path every job shares: the side output refused records go to, their per-reason counters, and
 * the exactly-once Kafka sink of the dead-letter topic.
 */
public final class DeadLetters {
    /** Side output of refused records. */
    public static final OutputTag<DeadLetterEvent> TAG = new OutputTag<>("dead-letters") { };

    private DeadLetters() {
    }

    /** One counter {@code dead_letters_<REASON>} per {@link RejectReason}, in {@code group}. */
    public static Map<RejectReason, Counter> counters(MetricGroup group) {
        Map<RejectReason, Counter> out = new EnumMap<>(RejectReason.class);
        for (RejectReason r : RejectReason.values()) {
            out.put(r, group.counter("dead_letters_" + r.name()));
        }
        return out;
    }

    /**
     * Exactly-once Kafka sink of the dead-letter topic (with the prefix); key = the original key, value = the Avro
     * {@link dev.runlaw.schema.DeadLetter}. Readers use {@code isolation.level=read_committed}.
     */
    public static KafkaSink<DeadLetterEvent> sink(JobSettings settings) {
        return KafkaSinks.<DeadLetterEvent>builder(settings)
                .setRecordSerializer(new DeadLetterSerializer(settings.deadLetterTopicName(), settings.jobName()))
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(settings.deadLetterTransactionalIdPrefix())
                .setProperty("transaction.timeout.ms", Long.toString(settings.deadLetterTransactionTimeoutMs()))
                .build();
    }
}
