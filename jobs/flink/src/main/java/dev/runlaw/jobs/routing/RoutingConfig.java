package dev.runlaw.jobs.routing;

import dev.runlaw.jobs.common.ConfigParser;
import dev.runlaw.jobs.common.JobConfig;
import dev.runlaw.jobs.common.JobSettings;
import dev.runlaw.math.routing.RoutingSettings;
import dev.runlaw.schema.Topics;
import java.io.Serializable;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.flink.util.ParameterTool;

/**
 * Configuration of the {@link RoutingJob}: the common {@link JobSettings} with the routing job's defaults, plus the
 * source to analyse and the placement settings, parsed once and validated (every problem in one message). Immutable.
 *
 * <table>
 *   <caption>the routing job's keys and defaults (the common keys are in {@link JobSettings})</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>routing.source</td><td>(required)</td><td>the run or inference server whose traces are analysed (the
 *       Kafka key of its RoutingTraceBatch records)</td></tr>
 *   <tr><td>routing.devices</td><td>8</td><td>devices N of the compared placements (E/N experts each)</td></tr>
 *   <tr><td>routing.experts</td><td>0</td><td>experts per layer E; 0 = the largest id seen + 1</td></tr>
 *   <tr><td>routing.hidden-size</td><td>4096</td><td>hidden size, for the bytes a remote expert costs</td></tr>
 *   <tr><td>routing.bytes-per-element</td><td>2</td><td>bytes per hidden element (bf16 = 2)</td></tr>
 *   <tr><td>routing.spare-slots</td><td>0</td><td>EPLB-style replicas of the hottest experts</td></tr>
 *   <tr><td>routing.analysis-id</td><td>a new UUID</td><td>identity of this analysis' rows in the routing_* tables;
 *       fixed here, before the job runs, so a retried final stage rewrites the same rows</td></tr>
 *   <tr><td>bounded</td><td>true</td><td>always: the job reads from the starting offsets to the offsets latest when
 *       it starts, and ends; false is refused</td></tr>
 *   <tr><td>group.id / job.name</td><td>runlaw-routing</td><td></td></tr>
 *   <tr><td>sink.batch-rows / sink.flush-interval-ms</td><td>100000 / 1000</td><td></td></tr>
 * </table>
 *
 * <p>The job runs in Flink's BATCH execution mode; checkpoint keys are accepted but unused there.
 *
 * @param settings        the common settings
 * @param source          the source whose traces are analysed
 * @param devices         placement devices N
 * @param experts         experts per layer, 0 = largest id + 1
 * @param hiddenSize      hidden size H
 * @param bytesPerElement bytes per element B
 * @param spareSlots      EPLB replica slots R
 * @param analysisId      identity of this analysis' rows
 * @param analysedAtMs    version of this analysis' rows (epoch ms when configured)
 */
public record RoutingConfig(JobSettings settings, String source, int devices, int experts, int hiddenSize,
                            int bytesPerElement, int spareSlots, String analysisId, long analysedAtMs)
        implements JobConfig, Serializable {

    static final JobSettings.Defaults DEFAULTS = new JobSettings.Defaults("runlaw-routing", 100_000, 1_000, true);

    private static final Set<String> KEYS = Set.of("routing.source", "routing.devices", "routing.experts",
            "routing.hidden-size", "routing.bytes-per-element", "routing.spare-slots", "routing.analysis-id");

    /** Parses {@code --key value} arguments. */
    public static RoutingConfig fromArgs(String... args) {
        return fromMap(ParameterTool.fromArgs(args).toMap());
    }

    /**
     * Parses and validates a flat key/value map; {@code analysedAtMs} is now.
     *
     * @throws IllegalArgumentException listing every missing, unknown or invalid setting
     */
    public static RoutingConfig fromMap(Map<String, String> conf) {
        return fromMap(conf, System.currentTimeMillis());
    }

    /** As {@link #fromMap(Map)}, with the analysis' version given (tests, reproducible rows). */
    public static RoutingConfig fromMap(Map<String, String> conf, long analysedAtMs) {
        ConfigParser p = new ConfigParser(conf);
        Set<String> known = new HashSet<>(JobSettings.KEYS);
        known.addAll(KEYS);
        p.rejectUnknown(known);
        if (!p.bool("bounded", true)) {
            p.error("bounded=false is not supported by the routing job: an analysis reads up to the offsets latest"
                    + " at its start, and ends");
        }
        JobSettings parsed = JobSettings.parse(p, DEFAULTS);
        String source = p.required("routing.source");
        int devices = (int) p.integer("routing.devices", 8, 1, 1 << 16);
        int experts = (int) p.integer("routing.experts", 0, 0, 1 << 16);
        int hidden = (int) p.integer("routing.hidden-size", 4096, 1, 1 << 20);
        int bytes = (int) p.integer("routing.bytes-per-element", 2, 1, 16);
        int spare = (int) p.integer("routing.spare-slots", 0, 0, 1 << 16);
        String id = p.string("routing.analysis-id", UUID.randomUUID().toString());
        if (!id.matches("[A-Za-z0-9._:@+-]{1,128}")) {
            p.error("routing.analysis-id may hold 1..128 letters, digits and ._:@+-, got '" + id + "'");
        }
        try {
            new RoutingSettings(devices, experts, hidden, bytes, spare);
        } catch (IllegalArgumentException e) {
            p.error(e.getMessage());
        }
        p.throwIfErrors("routing");
        JobSettings settings = parsed.bounded() ? parsed : withBounded(parsed);
        return new RoutingConfig(settings, source, devices, experts, hidden, bytes, spare, id, analysedAtMs);
    }

    private static JobSettings withBounded(JobSettings s) {
        return new JobSettings(s.bootstrapServers(), s.groupId(), s.topicPrefix(), s.startingOffsets(), true,
                s.clickHouse(), s.batchRows(), s.flushIntervalMs(), s.checkpointIntervalMs(), s.stateBackend(),
                s.checkpointDir(), s.deadLetterTopic(), s.deadLetterTransactionalIdPrefix(),
                s.deadLetterTransactionTimeoutMs(), s.parallelism(), s.jobName(), s.limits(), s.kafka());
    }

    /** The analysis settings of the placements, as {@code routing analyze} takes them. */
    public RoutingSettings analysis() {
        return new RoutingSettings(devices, experts, hiddenSize, bytesPerElement, spareSlots);
    }

    /** The routing-traces topic, with the prefix. */
    public String tracesTopic() {
        return settings.topic(Topics.ROUTING_TRACES);
    }

    /** Usage text for {@code main}. */
    public static String usage() {
        return """
                usage: RoutingJob --bootstrap.servers HOST:PORT --clickhouse.url http://HOST:PORT --routing.source ID [options]
                  --routing.devices 8  --routing.experts 0 (largest id + 1)  --routing.hidden-size 4096
                  --routing.bytes-per-element 2  --routing.spare-slots 0  --routing.analysis-id (new UUID)
                  --group.id runlaw-routing  --topic.prefix ''  --starting.offsets earliest|latest|committed
                  --parallelism N  --sink.batch-rows 100000  --sink.flush-interval-ms 1000  --job.name runlaw-routing
                  --dead-letter.topic runlaw.dead-letters  --dead-letter.transactional-id-prefix runlaw-routing-dlq
                  --limits.*""";
    }
}
