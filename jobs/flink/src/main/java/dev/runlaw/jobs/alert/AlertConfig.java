package dev.runlaw.jobs.alert;

import dev.runlaw.jobs.common.ConfigParser;
import dev.runlaw.jobs.common.JobConfig;
import dev.runlaw.jobs.common.JobSettings;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.Topics;
import java.io.Serializable;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.flink.util.ParameterTool;

/**
 * Configuration of the {@link AlertJob}: the common {@link JobSettings} with the alert job's defaults, plus its own
 * keys, parsed once and validated (every problem in one message). The detectors' thresholds are
 * {@link dev.runlaw.math.anomaly.AnomalySettings#defaults()}, the same as {@code ./runlaw detect}'s. Immutable.
 *
 * <table>
 *   <caption>the alert job's keys and defaults (the common keys are in {@link JobSettings}; {@code bounded} is
 *   refused: STALL needs a job that keeps running)</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>group.id / job.name</td><td>runlaw-alert</td><td></td></tr>
 *   <tr><td>alert.idle-timeout-ms</td><td>604800000 (7 days)</td><td>a run with no record for this long has its
 *       detector state dropped (run-finished drops it at once)</td></tr>
 *   <tr><td>alert.stall-check-min-ms</td><td>1000</td><td>the STALL timer fires no sooner than this after a run's
 *       last step (the detectors decide whether the silence is a stall)</td></tr>
 *   <tr><td>sink.batch-rows / sink.flush-interval-ms</td><td>10000 / 250</td><td>ClickHouse batching (short:
 *       alert latency is a goal)</td></tr>
 * </table>
 *
 * @param settings        the common settings
 * @param idleTimeoutMs   processing time without a record after which a run's state is dropped
 * @param stallCheckMinMs shortest delay of the STALL timer after a step
 */
public record AlertConfig(JobSettings settings, long idleTimeoutMs, long stallCheckMinMs)
        implements JobConfig, Serializable {

    /** The telemetry kinds the job reads (plus the forecasts topic); data movement feeds HOT_LINK. */
    public static final List<RecordKind> INPUT_KINDS = List.of(RecordKind.STEP_METRICS, RecordKind.EXPERT_LOAD,
            RecordKind.RUN_FINISHED, RecordKind.DATA_MOVEMENT);

    static final JobSettings.Defaults DEFAULTS = new JobSettings.Defaults("runlaw-alert", 10_000, 250, false);

    private static final Set<String> KEYS = Set.of("alert.idle-timeout-ms", "alert.stall-check-min-ms");

    /** Parses {@code --key value} arguments. */
    public static AlertConfig fromArgs(String... args) {
        return fromMap(ParameterTool.fromArgs(args).toMap());
    }

    /**
     * Parses and validates a flat key/value map.
     *
     * @throws IllegalArgumentException listing every missing, unknown or invalid setting
     */
    public static AlertConfig fromMap(Map<String, String> conf) {
        ConfigParser p = new ConfigParser(conf);
        Set<String> known = new HashSet<>(JobSettings.KEYS);
        known.addAll(KEYS);
        p.rejectUnknown(known);
        JobSettings settings = JobSettings.parse(p, DEFAULTS);
        long idleMs = p.integer("alert.idle-timeout-ms", 7 * 86_400_000L, 1_000, 366 * 86_400_000L);
        long stallMs = p.integer("alert.stall-check-min-ms", 1_000, 10, 86_400_000L);
        p.throwIfErrors("alert");
        return new AlertConfig(settings, idleMs, stallMs);
    }

    /** The input topics (step-metrics, expert-load, run-finished, data-movement, forecasts), with the prefix. */
    public List<String> inputTopics() {
        return settings.topics(Stream.concat(INPUT_KINDS.stream().map(RecordKind::topic),
                Stream.of(Topics.FORECASTS)).toList());
    }

    /** The forecasts topic, with the prefix. */
    public String forecastsTopic() {
        return settings.topic(Topics.FORECASTS);
    }

    /** The alerts topic, with the prefix. */
    public String alertsTopic() {
        return settings.topic(Topics.ALERTS);
    }

    /** Usage text for {@code main}. */
    public static String usage() {
        return """
                usage: AlertJob --bootstrap.servers HOST:PORT --clickhouse.url http://HOST:PORT [options]
                  --group.id runlaw-alert  --topic.prefix ''  --starting.offsets earliest|latest|committed
                  --checkpoint.interval-ms 5000  --state.backend hashmap|rocksdb  --checkpoint.dir URI  --parallelism N
                  --alert.idle-timeout-ms 604800000  --alert.stall-check-min-ms 1000
                  --sink.batch-rows 10000  --sink.flush-interval-ms 250  --job.name runlaw-alert  --limits.*
                  --dead-letter.topic runlaw.dead-letters  --dead-letter.transactional-id-prefix runlaw-alert-dlq
                  --dead-letter.transaction-timeout-ms 600000""";
    }
}
