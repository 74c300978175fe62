package dev.runlaw.jobs.forecast;

/**
 * A record for one of the forecast job's output topics: topic (prefix included), key (run id, UTF-8) and value
 * (Avro single-object encoding).
 */
public record KafkaOut(String topic, byte[] key, byte[] value) {
}
