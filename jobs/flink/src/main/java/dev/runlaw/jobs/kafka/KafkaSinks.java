package dev.runlaw.jobs.kafka;

import dev.runlaw.jobs.common.JobSettings;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.KafkaSinkBuilder;

/**
 * The one place a job's Kafka producers are configured: the brokers and the job's {@code kafka.*} client properties
 * (security settings and the like); the caller adds the serializer, the delivery guarantee and its own properties.
 */
public final class KafkaSinks {
    private KafkaSinks() {
    }

    /** A sink builder on the job's brokers with its {@code kafka.*} client properties. */
    public static <T> KafkaSinkBuilder<T> builder(JobSettings settings) {
        return KafkaSink.<T>builder()
                .setBootstrapServers(settings.bootstrapServers())
                .setKafkaProducerConfig(settings.kafka().toProperties());
    }
}
