package dev.runlaw.jobs.ingest;

import dev.runlaw.jobs.ConfigParser;
import dev.runlaw.jobs.clickhouse.ClickHouseEndpoint;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.validate.Limits;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.util.ParameterTool;

/**
 * Configuration of the {@link IngestJob}, parsed once from {@code --key value} arguments and validated; every
 * problem is reported in one message. Immutable.
 *
 * <table>
 *   <caption>keys</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>bootstrap.servers</td><td>(required)</td><td>Kafka brokers, host:port[,host:port]</td></tr>
 *   <tr><td>group.id</td><td>runlaw-ingest</td><td>consumer group (offsets committed on checkpoints)</td></tr>
 *   <tr><td>topic.prefix</td><td>(empty)</td><td>prepended to every topic name, dead-letter topic included</td></tr>
 *   <tr><td>starting.offsets</td><td>earliest</td><td>earliest | latest | committed (committed, else earliest);
 *       only without a checkpoint to restore</td></tr>
 *   <tr><td>bounded</td><td>false</td><td>stop at the offsets that are latest when the job starts (tests, demo,
 *       backfills): {@code execute()} returns once everything up to there is in ClickHouse</td></tr>
 *   <tr><td>clickhouse.url</td><td>(required)</td><td>http(s)://host:port or jdbc:clickhouse://host:port/db</td></tr>
 *   <tr><td>clickhouse.user</td><td>default</td><td></td></tr>
 *   <tr><td>clickhouse.password</td><td>(empty)</td><td></td></tr>
 *   <tr><td>clickhouse.database</td><td>from the URL, else default</td><td></td></tr>
 *   <tr><td>sink.batch-rows</td><td>200000</td><td>rows per insert and table, at most</td></tr>
 *   <tr><td>sink.flush-interval-ms</td><td>1000</td><td>buffered rows are sent at least this often</td></tr>
 *   <tr><td>checkpoint.interval-ms</td><td>5000</td><td>also the latency of dead letters on Kafka (transactions)</td></tr>
 *   <tr><td>state.backend</td><td>hashmap</td><td>hashmap | rocksdb (the job itself keeps only source and sink
 *       state; RocksDB matters when analytics share the cluster configuration)</td></tr>
 *   <tr><td>checkpoint.dir</td><td>(none: JobManager memory)</td><td>e.g. file:///var/flink/checkpoints</td></tr>
 *   <tr><td>dead-letter.topic</td><td>runlaw.dead-letters</td><td>without the prefix</td></tr>
 *   <tr><td>dead-letter.transactional-id-prefix</td><td>runlaw-ingest-dlq</td><td>unique per job on a cluster</td></tr>
 *   <tr><td>dead-letter.transaction-timeout-ms</td><td>600000</td><td>must not exceed the broker's
 *       transaction.max.timeout.ms (15 min by default)</td></tr>
 *   <tr><td>parallelism</td><td>(environment default)</td><td>source, decode and sink parallelism</td></tr>
 *   <tr><td>job.name</td><td>runlaw-ingest</td><td></td></tr>
 *   <tr><td>limits.*</td><td>see {@link Limits}</td><td>record size limits</td></tr>
 * </table>
 */
public record IngestConfig(
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
        Limits limits) {

    /** Where a consumer group without a checkpoint starts. */
    public enum StartingOffsets { EARLIEST, LATEST, COMMITTED }

    /** Flink state backend. */
    public enum StateBackend { HASHMAP, ROCKSDB }

    private static final Set<String> KEYS = Set.of("bootstrap.servers", "group.id", "topic.prefix",
            "starting.offsets", "bounded", "clickhouse.url", "clickhouse.user", "clickhouse.password",
            "clickhouse.database", "sink.batch-rows", "sink.flush-interval-ms", "checkpoint.interval-ms",
            "state.backend", "checkpoint.dir", "dead-letter.topic", "dead-letter.transactional-id-prefix",
            "dead-letter.transaction-timeout-ms", "parallelism", "job.name");

    /** Parses {@code --key value} arguments (Flink's {@link ParameterTool} syntax). */
    public static IngestConfig fromArgs(String... args) {
        return fromMap(ParameterTool.fromArgs(args).toMap());
    }

    /**
     * Parses and validates a flat key/value map.
     *
     * @throws IllegalArgumentException listing every missing, unknown or invalid setting
     */
    public static IngestConfig fromMap(Map<String, String> conf) {
        ConfigParser p = new ConfigParser(conf);
        p.rejectUnknown(KEYS);
        String bootstrap = p.bootstrapServers();
        String groupId = p.string("group.id", "runlaw-ingest");
        String prefix = p.topicPrefix();
        StartingOffsets offsets = p.choice("starting.offsets", StartingOffsets.class, StartingOffsets.EARLIEST);
        boolean bounded = p.bool("bounded", false);
        ClickHouseEndpoint ch = p.clickHouse();
        int batchRows = (int) p.integer("sink.batch-rows", 200_000, 1, 10_000_000);
        long flushMs = p.integer("sink.flush-interval-ms", 1_000, 1, 3_600_000);
        long checkpointMs = p.integer("checkpoint.interval-ms", 5_000, 10, 3_600_000);
        StateBackend backend = p.choice("state.backend", StateBackend.class, StateBackend.HASHMAP);
        String checkpointDir = p.checkpointDir();
        String dlTopic = p.string("dead-letter.topic", RecordKind.DEAD_LETTER_TOPIC);
        String txPrefix = p.string("dead-letter.transactional-id-prefix", "runlaw-ingest-dlq");
        long txTimeout = p.integer("dead-letter.transaction-timeout-ms", 600_000, 1_000, 3_600_000);
        if (txTimeout < checkpointMs) {
            p.error("dead-letter.transaction-timeout-ms (" + txTimeout
                    + ") must be longer than checkpoint.interval-ms (" + checkpointMs + ")");
        }
        int parallelism = (int) p.integer("parallelism", 0, 1, 32_768);
        String jobName = p.string("job.name", "runlaw-ingest");
        Limits limits = p.limits();
        p.throwIfErrors("ingest");
        return new IngestConfig(bootstrap, groupId, prefix, offsets, bounded, ch, batchRows, flushMs, checkpointMs,
                backend, checkpointDir, dlTopic, txPrefix, txTimeout, parallelism, jobName, limits);
    }

    /** The telemetry topics the job reads, with the prefix. */
    public List<String> topics() {
        List<String> out = new ArrayList<>();
        for (RecordKind k : RecordKind.values()) {
            out.add(topicPrefix + k.topic());
        }
        return out;
    }

    /** The dead-letter topic, with the prefix. */
    public String deadLetterTopicName() {
        return topicPrefix + deadLetterTopic;
    }

    /** A copy reading as another consumer group (e.g. to replay from the start). */
    public IngestConfig withGroupId(String newGroupId) {
        return new IngestConfig(bootstrapServers, newGroupId, topicPrefix, startingOffsets, bounded, clickHouse,
                batchRows, flushIntervalMs, checkpointIntervalMs, stateBackend, checkpointDir, deadLetterTopic,
                deadLetterTransactionalIdPrefix, deadLetterTransactionTimeoutMs, parallelism, jobName, limits);
    }

    /** A copy with the source bounded (or not) at the offsets latest at start. */
    public IngestConfig withBounded(boolean isBounded) {
        return new IngestConfig(bootstrapServers, groupId, topicPrefix, startingOffsets, isBounded, clickHouse,
                batchRows, flushIntervalMs, checkpointIntervalMs, stateBackend, checkpointDir, deadLetterTopic,
                deadLetterTransactionalIdPrefix, deadLetterTransactionTimeoutMs, parallelism, jobName, limits);
    }

    /** Usage text for {@code main}. */
    public static String usage() {
        return """
                usage: IngestJob --bootstrap.servers HOST:PORT --clickhouse.url http://HOST:PORT [options]
                  --group.id runlaw-ingest            --topic.prefix ''          --starting.offsets earliest|latest|committed
                  --bounded false                      --clickhouse.user default  --clickhouse.password ''
                  --clickhouse.database (from URL)     --sink.batch-rows 200000   --sink.flush-interval-ms 1000
                  --checkpoint.interval-ms 5000        --state.backend hashmap|rocksdb   --checkpoint.dir URI
                  --dead-letter.topic runlaw.dead-letters   --dead-letter.transactional-id-prefix runlaw-ingest-dlq
                  --dead-letter.transaction-timeout-ms 600000   --parallelism N   --job.name runlaw-ingest
                  --limits.max-experts 4096 --limits.max-tokens-per-batch 65536 ... (see Limits)""";
    }

    @Override
    public String toString() {
        return "IngestConfig[bootstrap.servers=" + bootstrapServers + ", group.id=" + groupId + ", topic.prefix='"
                + topicPrefix + "', starting.offsets=" + startingOffsets + ", bounded=" + bounded + ", " + clickHouse
                + ", sink.batch-rows=" + batchRows + ", sink.flush-interval-ms=" + flushIntervalMs
                + ", checkpoint.interval-ms=" + checkpointIntervalMs + ", state.backend=" + stateBackend
                + ", checkpoint.dir=" + checkpointDir + ", dead-letter.topic=" + deadLetterTopicName()
                + ", parallelism=" + (parallelism == 0 ? "default" : parallelism) + ", " + limits + "]";
    }
}
