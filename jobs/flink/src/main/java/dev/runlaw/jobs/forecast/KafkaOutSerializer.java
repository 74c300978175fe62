package dev.runlaw.jobs.forecast;

import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Writes a {@link KafkaOut} to its own topic, keyed by run id so a run's outputs stay ordered in one partition. */
public final class KafkaOutSerializer implements KafkaRecordSerializationSchema<KafkaOut> {
    private static final long serialVersionUID = 1L;

    @Override
    public ProducerRecord<byte[], byte[]> serialize(KafkaOut out, KafkaSinkContext context, Long timestamp) {
        Long ts = timestamp == null || timestamp < 0 ? null : timestamp;
        return new ProducerRecord<>(out.topic(), null, ts, out.key(), out.value());
    }
}
