package dev.runlaw.jobs.ingest;

import dev.runlaw.jobs.common.ConfigParser;
import dev.runlaw.jobs.common.JobConfig;
import dev.runlaw.jobs.common.JobSettings;
import dev.runlaw.schema.Topics;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import org.apache.flink.util.ParameterTool;

/**
 * Configuration of the {@link IngestJob}: the common {@link JobSettings} (every key is listed there) with the ingest
 * job's defaults, parsed once from {@code --key value} arguments and validated; every problem is reported in one
 * message. The job has no keys of its own. Immutable.
 *
 * <table>
 *   <caption>defaults of the ingest job</caption>
 *   <tr><th>key</th><th>default</th></tr>
 *   <tr><td>group.id, job.name</td><td>runlaw-ingest</td></tr>
 *   <tr><td>sink.batch-rows</td><td>200000</td></tr>
 *   <tr><td>sink.flush-interval-ms</td><td>1000</td></tr>
 *   <tr><td>dead-letter.transactional-id-prefix</td><td>runlaw-ingest-dlq</td></tr>
 *   <tr><td>bounded</td><td>false; with true, {@code execute()} returns once everything up to the offsets latest
 *       at the start is in ClickHouse</td></tr>
 * </table>
 */
public record IngestConfig(JobSettings settings) implements JobConfig, Serializable {

    static final JobSettings.Defaults DEFAULTS = new JobSettings.Defaults("runlaw-ingest", 200_000, 1_000, true);

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
        p.rejectUnknown(JobSettings.KEYS);
        JobSettings settings = JobSettings.parse(p, DEFAULTS);
        p.throwIfErrors("ingest");
        return new IngestConfig(settings);
    }

    /** The telemetry topics the job reads (all seven), with the prefix. */
    public List<String> topics() {
        return settings.topics(Topics.inputs());
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
        return "IngestConfig[" + settings + "]";
    }
}
