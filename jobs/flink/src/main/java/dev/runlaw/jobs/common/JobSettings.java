package dev.runlaw.jobs.common;

import dev.runlaw.jobs.clickhouse.ClickHouseEndpoint;
import dev.runlaw.schema.Topics;
import dev.runlaw.schema.config.KafkaClientProperties;
import dev.runlaw.schema.validate.Limits;
import java.io.Serializable;
import java.util.List;
import java.util.Set;

/**
 * The settings every runlaw job shares, parsed once and validated with the job's own keys (see {@link ConfigParser}).
 * Immutable. Each job's {@code *Config} record holds one of these plus its own few keys, and gives the defaults
 * that differ per job ({@link Defaults}).
 *
 * <table>
 *   <caption>common keys</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>bootstrap.servers</td><td>(required)</td><td>Kafka brokers, host:port[,host:port]</td></tr>
 *   <tr><td>group.id</td><td>per job</td><td>consumer group (offsets committed on checkpoints)</td></tr>
 *   <tr><td>topic.prefix</td><td>(empty)</td><td>prepended to every topic name, dead-letter topic included</td></tr>
 *   <tr><td>starting.offsets</td><td>earliest</td><td>earliest | latest | committed (committed, else earliest);
 *       only without a checkpoint to restore</td></tr>
 *   <tr><td>bounded</td><td>false</td><td>stop at the offsets that are latest when the job starts (tests, demo,
 *       backfills); only jobs that can finish accept it</td></tr>
 *   <tr><td>clickhouse.url</td><td>(required)</td><td>http(s)://host:port or jdbc:clickhouse://host:port/db</td></tr>
 *   <tr><td>clickhouse.user</td><td>default</td><td></td></tr>
 *   <tr><td>clickhouse.password</td><td>(empty)</td><td></td></tr>
 *   <tr><td>clickhouse.database</td><td>from the URL, else default</td><td></td></tr>
 *   <tr><td>clickhouse.ssl.root-certificate</td><td>(none: the JVM's trusted CAs)</td><td>PEM file of the CA
 *       that signed an {@code https://} server's certificate</td></tr>
 *   <tr><td>clickhouse.ssl.trust-store</td><td>(none)</td><td>JKS or PKCS12 trust store instead of a PEM file
 *       ({@code clickhouse.ssl.trust-store-password})</td></tr>
 *   <tr><td>sink.batch-rows</td><td>per job</td><td>rows per insert and table, at most</td></tr>
 *   <tr><td>sink.flush-interval-ms</td><td>per job</td><td>buffered rows are sent at least this often</td></tr>
 *   <tr><td>checkpoint.interval-ms</td><td>5000</td><td>also the latency of dead letters on Kafka (transactions)</td></tr>
 *   <tr><td>state.backend</td><td>hashmap</td><td>hashmap | rocksdb</td></tr>
 *   <tr><td>checkpoint.dir</td><td>(none: JobManager memory)</td><td>e.g. file:///var/flink/checkpoints</td></tr>
 *   <tr><td>dead-letter.topic</td><td>runlaw.dead-letters</td><td>without the prefix</td></tr>
 *   <tr><td>dead-letter.transactional-id-prefix</td><td>per job</td><td>unique per job on a cluster</td></tr>
 *   <tr><td>dead-letter.transaction-timeout-ms</td><td>600000</td><td>must not exceed the broker's
 *       transaction.max.timeout.ms (15 min by default)</td></tr>
 *   <tr><td>parallelism</td><td>(environment default)</td><td>operator parallelism</td></tr>
 *   <tr><td>job.name</td><td>per job</td><td></td></tr>
 *   <tr><td>limits.*</td><td>see {@link Limits}</td><td>record size limits</td></tr>
 *   <tr><td>kafka.*</td><td>(none)</td><td>any Kafka client property, given to every Kafka source and sink of the
 *       job without the prefix, e.g. {@code kafka.security.protocol=SASL_SSL} (see {@link KafkaClientProperties},
 *       docs/security.md)</td></tr>
 * </table>
 *
 * @param parallelism 0 for the environment's default
 * @param checkpointDir null for JobManager memory
 * @param kafka         the {@code kafka.*} client properties, for every Kafka client of the job
 */
public record JobSettings(
        String bootstrapServers,
        String groupId,
        String topicPrefix,
        StartingOffsets startingOffsets,
        boolean bounded,
        ClickHouseEndpoint clickHouse,
        int batchRows,
        long flushIntervalMs,
        long checkpointIntervalMs,
        StateBackend stateBackend,
        String checkpointDir,
        String deadLetterTopic,
        String deadLetterTransactionalIdPrefix,
        long deadLetterTransactionTimeoutMs,
        int parallelism,
        String jobName,
        Limits limits,
        KafkaClientProperties kafka) implements Serializable {

    public JobSettings {
        if (kafka == null) {
            kafka = KafkaClientProperties.none();
        }
    }

    /** Settings without {@code kafka.*} client properties (the constructor before they existed). */
    public JobSettings(String bootstrapServers, String groupId, String topicPrefix, StartingOffsets startingOffsets,
                       boolean bounded, ClickHouseEndpoint clickHouse, int batchRows, long flushIntervalMs,
                       long checkpointIntervalMs, StateBackend stateBackend, String checkpointDir,
                       String deadLetterTopic, String deadLetterTransactionalIdPrefix,
                       long deadLetterTransactionTimeoutMs, int parallelism, String jobName, Limits limits) {
        this(bootstrapServers, groupId, topicPrefix, startingOffsets, bounded, clickHouse, batchRows, flushIntervalMs,
                checkpointIntervalMs, stateBackend, checkpointDir, deadLetterTopic, deadLetterTransactionalIdPrefix,
                deadLetterTransactionTimeoutMs, parallelism, jobName, limits, KafkaClientProperties.none());
    }

    /** Where a consumer group without a checkpoint starts. */
    public enum StartingOffsets { EARLIEST, LATEST, COMMITTED }

    /** Flink state backend. */
    public enum StateBackend { HASHMAP, ROCKSDB }

    /**
     * The defaults that differ per job.
     *
     * @param name              {@code job.name}, also the default {@code group.id}
     * @param batchRows         {@code sink.batch-rows}
     * @param flushIntervalMs   {@code sink.flush-interval-ms}
     * @param boundedSupported  whether the job accepts {@code bounded=true}
     */
    public record Defaults(String name, int batchRows, long flushIntervalMs, boolean boundedSupported) {
        /** {@code dead-letter.transactional-id-prefix}. */
        String transactionalIdPrefix() {
            return name + "-dlq";
        }
    }

    /** Every common key; {@code limits.*} and {@code kafka.*} keys come on top. */
    public static final Set<String> KEYS = Set.of("bootstrap.servers", "group.id", "topic.prefix",
            "starting.offsets", "bounded", "clickhouse.url", "clickhouse.user", "clickhouse.password",
            "clickhouse.database", "clickhouse.ssl.root-certificate", "clickhouse.ssl.trust-store",
            "clickhouse.ssl.trust-store-password", "sink.batch-rows", "sink.flush-interval-ms", "checkpoint.interval-ms",
            "state.backend", "checkpoint.dir", "dead-letter.topic", "dead-letter.transactional-id-prefix",
            "dead-letter.transaction-timeout-ms", "parallelism", "job.name");

    /** Reads the common keys from {@code p}, which collects any error (the caller throws them all at once). */
    public static JobSettings parse(ConfigParser p, Defaults d) {
        String bootstrap = p.bootstrapServers();
        String groupId = p.string("group.id", d.name());
        String prefix = p.topicPrefix();
        StartingOffsets offsets = p.choice("starting.offsets", StartingOffsets.class, StartingOffsets.EARLIEST);
        boolean bounded = p.bool("bounded", false);
        if (bounded && !d.boundedSupported()) {
            p.error("bounded is not supported by " + d.name() + " (it runs until cancelled)");
        }
        ClickHouseEndpoint ch = p.clickHouse();
        int batchRows = (int) p.integer("sink.batch-rows", d.batchRows(), 1, 10_000_000);
        long flushMs = p.integer("sink.flush-interval-ms", d.flushIntervalMs(), 1, 3_600_000);
        long checkpointMs = p.integer("checkpoint.interval-ms", 5_000, 10, 3_600_000);
        StateBackend backend = p.choice("state.backend", StateBackend.class, StateBackend.HASHMAP);
        String checkpointDir = p.checkpointDir();
        String dlTopic = p.string("dead-letter.topic", Topics.DEAD_LETTERS);
        String txPrefix = p.string("dead-letter.transactional-id-prefix", d.transactionalIdPrefix());
        long txTimeout = p.integer("dead-letter.transaction-timeout-ms", 600_000, 1_000, 3_600_000);
        if (txTimeout < checkpointMs) {
            p.error("dead-letter.transaction-timeout-ms (" + txTimeout
                    + ") must be longer than checkpoint.interval-ms (" + checkpointMs + ")");
        }
        int parallelism = (int) p.integer("parallelism", 0, 1, 32_768);
        String jobName = p.string("job.name", d.name());
        Limits limits = p.limits();
        KafkaClientProperties kafka = p.kafka();
        return new JobSettings(bootstrap, groupId, prefix, offsets, bounded, ch, batchRows, flushMs, checkpointMs,
                backend, checkpointDir, dlTopic, txPrefix, txTimeout, parallelism, jobName, limits, kafka);
    }

    /** {@code topic} with the prefix. */
    public String topic(String topic) {
        return topicPrefix + topic;
    }

    /** Each of {@code topics} with the prefix. */
    public List<String> topics(List<String> topics) {
        return topics.stream().map(this::topic).toList();
    }

    /** The dead-letter topic, with the prefix. */
    public String deadLetterTopicName() {
        return topic(deadLetterTopic);
    }

    @Override
    public String toString() {
        // Passwords stay out of logs (ClickHouseEndpoint's and KafkaClientProperties' toString omit them).
        return "bootstrap.servers=" + bootstrapServers + ", group.id=" + groupId + ", topic.prefix='" + topicPrefix
                + "', starting.offsets=" + startingOffsets + ", bounded=" + bounded + ", " + clickHouse
                + ", sink.batch-rows=" + batchRows + ", sink.flush-interval-ms=" + flushIntervalMs
                + ", checkpoint.interval-ms=" + checkpointIntervalMs + ", state.backend=" + stateBackend
                + ", checkpoint.dir=" + checkpointDir + ", dead-letter.topic=" + deadLetterTopicName()
                + ", parallelism=" + (parallelism == 0 ? "default" : parallelism) + ", job.name=" + jobName
                + ", " + limits + (kafka.isEmpty() ? "" : ", kafka." + kafka);
    }
}
