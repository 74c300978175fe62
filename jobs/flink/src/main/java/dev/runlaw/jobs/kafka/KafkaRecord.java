package dev.runlaw.jobs.kafka;

/**
 * A Kafka record as read, before decoding: where it came from and its raw bytes.
 *
 * @param topic     topic it was read from
 * @param partition partition
 * @param offset    offset in the partition
 * @param timestamp Kafka record timestamp, epoch ms
 * @param key       key bytes, may be null
 * @param value     value bytes, may be null
 */
public record KafkaRecord(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value) {
}
