package dev.runlaw.jobs.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes a dead letter to the dead-letter topic: key = the original record's key (so a run's refusals stay in one
 * partition, in order), value = the Avro {@link dev.runlaw.schema.DeadLetter} in single-object encoding.
 */
public final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetterEvent> {
    private static final long serialVersionUID = 1L;
    private final String topic;
    private final String refusedBy;

    /**
     * @param topic     the dead-letter topic
     * @param refusedBy the writing job's name, so consumers tell apart the letters two jobs write for one record
     */
    public DeadLetterSerializer(String topic, String refusedBy) {
        this.topic = topic;
        this.refusedBy = refusedBy;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(DeadLetterEvent e, KafkaSinkContext context, Long timestamp) {
        // Kafka refuses negative timestamps; a source record without one gets the broker's time instead.
        Long ts = timestamp == null || timestamp < 0 ? null : timestamp;
        return new ProducerRecord<>(topic, null, ts, e.key(), encode(e, refusedBy));
    }

    /** The Avro single-object encoding of {@code e} refused by job {@code refusedBy}, as written to the topic. */
    public static byte[] encode(DeadLetterEvent e, String refusedBy) {
        try {
            ByteBuffer buf = e.toAvro(refusedBy).toByteBuffer();
            byte[] out = new byte[buf.remaining()];
            buf.get(out);
            return out;
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
