package dev.runlaw.jobs.kafka;

import dev.runlaw.jobs.common.JobSettings;
import dev.runlaw.jobs.common.JobSettings.StartingOffsets;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The raw-record Kafka source every job reads with: bytes plus topic, partition, offset, key and timestamp. The one
 * place a job's Kafka consumers are configured (the sinks: {@link KafkaSinks}).
 */
public final class KafkaSources {
    private KafkaSources() {
    }

    /**
     * A source builder over {@code topics} as a pattern (topics that do not exist yet are not an error, and are
     * picked up by partition discovery when they appear), reading committed transactions only and committing
     * offsets on checkpoints, with the job's {@code kafka.*} client properties (security settings and the like);
     * the caller adds boundedness or discovery.
     */
    public static KafkaSourceBuilder<KafkaRecord> raw(JobSettings settings, String groupId, String clientIdPrefix,
                                                      List<String> topics, OffsetsInitializer start) {
        return KafkaSource.<KafkaRecord>builder()
                .setProperties(settings.kafka().toProperties())
                .setBootstrapServers(settings.bootstrapServers())
                .setGroupId(groupId)
                .setTopicPattern(pattern(topics))
                .setStartingOffsets(start)
                .setDeserializer(new KafkaRecordDeserializer())
                .setProperty("client.id.prefix", clientIdPrefix)
                // Records of aborted producer transactions are not telemetry.
                .setProperty("isolation.level", "read_committed")
                .setProperty("commit.offsets.on.checkpoint", "true");
    }

    /** Where a consumer group without a checkpoint starts. */
    public static OffsetsInitializer startingOffsets(StartingOffsets s) {
        return switch (s) {
            case EARLIEST -> OffsetsInitializer.earliest();
            case LATEST -> OffsetsInitializer.latest();
            case COMMITTED -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
        };
    }

    /** A pattern matching exactly these topic names. */
    public static Pattern pattern(List<String> topics) {
        return Pattern.compile(topics.stream().map(Pattern::quote).collect(Collectors.joining("|")));
    }
}
