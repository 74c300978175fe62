package dev.runlaw.jobs.kafka;

import dev.runlaw.schema.DeadLetter;
import dev.runlaw.schema.validate.Rejection;
import java.nio.ByteBuffer;

/**
 * A refused record inside the job: the Flink-serializable twin of the Avro {@link DeadLetter}, converted at the
 * Kafka sink (Avro classes would fall back to Kryo as Flink types).
 *
 * @param topic      topic the record was read from
 * @param partition  partition
 * @param offset     offset
 * @param key        original key bytes, may be null
 * @param value      original value bytes, unchanged, may be null
 * @param reasonCode stable reason, a {@link dev.runlaw.schema.validate.RejectReason} name
 * @param reason     human-readable explanation
 * @param failedAtMs when the job refused it, epoch ms
 */
public record DeadLetterEvent(String topic, int partition, long offset, byte[] key, byte[] value, String reasonCode,
                              String reason, long failedAtMs) {

    /** The dead letter of {@code in}, refused for {@code rejection} at {@code failedAtMs}. */
    public static DeadLetterEvent of(KafkaRecord in, Rejection rejection, long failedAtMs) {
        return new DeadLetterEvent(in.topic(), in.partition(), in.offset(), in.key(), in.value(),
                rejection.reason().name(), rejection.message(), failedAtMs);
    }

    /** The Avro dead letter, stamped with the job that refused it ({@code job.name}). */
    public DeadLetter toAvro(String refusedBy) {
        return DeadLetter.newBuilder()
                .setTopic(topic)
                .setPartition(partition)
                .setOffset(offset)
                .setKey(key == null ? null : ByteBuffer.wrap(key))
                .setValue(value == null ? null : ByteBuffer.wrap(value))
                .setReasonCode(reasonCode)
                .setReason(reason)
                .setFailedAtMs(failedAtMs)
                .setRefusedBy(refusedBy)
                .build();
    }
}
