package dev.runlaw.jobs.forecast;

import dev.runlaw.jobs.common.ConfigParser;
import dev.runlaw.jobs.common.JobConfig;
import dev.runlaw.jobs.common.JobSettings;
import dev.runlaw.math.live.ForecastSettings;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.Topics;
import dev.runlaw.schema.validate.Limits;
import java.io.Serializable;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.util.ParameterTool;

/**
 * Configuration of the {@link ForecastJob}: the common {@link JobSettings} with the forecast job's defaults, plus
 * its own keys, parsed once from {@code --key value} arguments and validated; every problem is reported in one
 * message. Immutable.
 *
 * <table>
 *   <caption>the forecast job's keys and defaults (the common keys are in {@link JobSettings}; {@code bounded}
 *   is refused: the job runs until cancelled)</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>group.id</td><td>runlaw-forecast</td><td>consumer group</td></tr>
 *   <tr><td>dead-letter.transactional-id-prefix</td><td>runlaw-forecast-dlq</td><td>records the job cannot use
 *       (undecodable, over limits, key not the run id) go to the dead-letter topic</td></tr>
 *   <tr><td>forecast.law</td><td>auto</td><td>momentum | multipower | auto (both, weighted by validation)</td></tr>
 *   <tr><td>forecast.refit-points</td><td>16</td><td>refit after this many new measured losses of a run</td></tr>
 *   <tr><td>forecast.refit-interval-ms</td><td>2000</td><td>... or this long after the first unfitted loss</td></tr>
 *   <tr><td>forecast.max-buffered-steps</td><td>4096</td><td>steps buffered between refits before they are folded
 *       into the run's summary without a forecast (bounds the buffer of runs that log LR but rarely a loss)</td></tr>
 *   <tr><td>forecast.curve-points</td><td>32</td><td>points of the forecast curve</td></tr>
 *   <tr><td>forecast.what-if-fractions</td><td>0.5,0.7,0.9</td><td>decay-start candidates, fractions of the
 *       planned length</td></tr>
 *   <tr><td>forecast.full-select-every</td><td>8</td><td>a full law selection (validation fits) every this many
 *       refits; warm-started refits in between</td></tr>
 *   <tr><td>forecast.max-references</td><td>8</td><td>finished runs of a family used as references (most recent);
 *       also the number kept per family in each task's reference state</td></tr>
 *   <tr><td>forecast.max-references-total</td><td>1000</td><td>finished runs kept as references over all families
 *       per task (the least recent go first); bounds the broadcast state</td></tr>
 *   <tr><td>forecast.tracker-cache-runs</td><td>1024</td><td>decoded run trackers kept in memory per task (25-100 KB each), so a
 *       refit neither reads nor decodes the run's state (the state is still written at every change and stays the
 *       truth; see {@link TrackerCache}); 0 turns the cache off</td></tr>
 *   <tr><td>forecast.what-if-every</td><td>1</td><td>what-ifs on a run's first forecast and every this many
 *       forecasts after it; the others carry none (the final forecast and the curve are always there). Raise it
 *       to save a few per cent of each refit at thousands of runs</td></tr>
 *   <tr><td>forecast.catch-up-lag-ms</td><td>2000</td><td>catch-up: a step read more than this long after it entered
 *       Kafka (processing time minus the record's Kafka timestamp) does not trigger a count refit; its run is refit
 *       by the interval timer instead (at most once per refit interval while behind), so a job with a backlog works
 *       it off instead of forecasting stale steps; 0 turns it off (refits then depend on the data alone: see
 *       {@link RunSession})</td></tr>
 *   <tr><td>forecast.idle-timeout-ms</td><td>604800000 (7 days)</td><td>a run with no record for this long gets a last
 *       forecast with status IDLE_EXPIRED and its state is dropped; a finished run's marker (which makes late
 *       records be ignored) is dropped after this long too</td></tr>
 *   <tr><td>forecast.finish-grace-ms</td><td>30000</td><td>after run-finished, the run is finished as soon as its
 *       final step has arrived, or after this long (steps of other topics may lag the run-finished record); a run
 *       whose end arrives before its run-started record waits at most this long for it</td></tr>
 *   <tr><td>advice.stop-below</td><td>0.05</td><td>STOP when P(beat target) is at most this</td></tr>
 *   <tr><td>advice.continue-above</td><td>0.95</td><td>CONTINUE when P(beat target) is at least this</td></tr>
 *   <tr><td>sink.batch-rows / sink.flush-interval-ms</td><td>50000 / 250</td><td>ClickHouse batching (short: forecast
 *       latency is a goal)</td></tr>
 *   <tr><td>job.name</td><td>runlaw-forecast</td><td></td></tr>
 * </table>
 */
public record ForecastConfig(JobSettings settings, Policy policy) implements JobConfig, Serializable {

    /** The kinds of record the job reads: run-started, step-metrics and run-finished. */
    public static final List<RecordKind> INPUT_KINDS =
            List.of(RecordKind.RUN_STARTED, RecordKind.STEP_METRICS, RecordKind.RUN_FINISHED);

    /**
     * The per-run forecasting policy, shipped to the task managers.
     *
     * @param whatIfFractions    decay-start candidates as fractions of the planned length
     * @param idleTimeoutMs      processing time without a record after which a run's state expires
     * @param maxReferencesTotal finished runs kept as references over all families, per task
     * @param trackerCacheRuns   decoded run trackers kept per task ({@link TrackerCache}); 0 = none
     * @param whatIfEvery        what-ifs on a run's first forecast and every this many forecasts after it
     * @param catchUpLagMs       record lag (processing time minus Kafka timestamp) above which count refits wait for
     *                           the interval timer; 0 = never
     */
    public record Policy(String law, int refitPoints, long refitIntervalMs, int maxBufferedSteps, int curvePoints,
                         double[] whatIfFractions, int fullSelectEvery, int maxReferences, long finishGraceMs,
                         double stopBelow, double continueAbove, long idleTimeoutMs, int maxReferencesTotal,
                         int trackerCacheRuns, int whatIfEvery, long catchUpLagMs)
            implements Serializable {
        /** The math engine's settings. */
        public ForecastSettings settings() {
            return new ForecastSettings(law, curvePoints, whatIfFractions.clone(), 0, fullSelectEvery, whatIfEvery);
        }

        @Override
        public String toString() {
            return "law=" + law + ", refit-points=" + refitPoints + ", refit-interval-ms=" + refitIntervalMs
                    + ", curve-points=" + curvePoints + ", what-ifs=" + Arrays.toString(whatIfFractions)
                    + ", full-select-every=" + fullSelectEvery + ", max-references=" + maxReferences
                    + ", max-references-total=" + maxReferencesTotal + ", idle-timeout-ms=" + idleTimeoutMs
                    + ", tracker-cache-runs=" + trackerCacheRuns + ", what-if-every=" + whatIfEvery
                    + ", catch-up-lag-ms=" + catchUpLagMs;
        }
    }

    /**
     * Default of {@code forecast.catch-up-lag-ms}: above the pipeline's normal record lag (tens of ms, a checkpoint
     * or GC pause a few hundred) with margin, and low enough that a job that falls behind settles near it instead
     * of drifting away (docs/benchmarks.md, session 7).
     */
    static final long DEFAULT_CATCH_UP_LAG_MS = 2_000;

    static final JobSettings.Defaults DEFAULTS = new JobSettings.Defaults("runlaw-forecast", 50_000, 250, false);

    /** The forecast job's own keys (the common ones are {@link JobSettings#KEYS}). */
    private static final Set<String> KEYS = Set.of("forecast.law", "forecast.refit-points",
            "forecast.refit-interval-ms", "forecast.max-buffered-steps", "forecast.curve-points",
            "forecast.what-if-fractions", "forecast.full-select-every", "forecast.max-references",
            "forecast.finish-grace-ms", "advice.stop-below", "advice.continue-above", "forecast.idle-timeout-ms",
            "forecast.max-references-total", "forecast.tracker-cache-runs",
            "forecast.what-if-every", "forecast.catch-up-lag-ms");

    /** Parses {@code --key value} arguments. */
    public static ForecastConfig fromArgs(String... args) {
        return fromMap(ParameterTool.fromArgs(args).toMap());
    }

    /**
     * Parses and validates a flat key/value map.
     *
     * @throws IllegalArgumentException listing every missing, unknown or invalid setting
     */
    public static ForecastConfig fromMap(Map<String, String> conf) {
        ConfigParser p = new ConfigParser(conf);
        Set<String> known = new HashSet<>(JobSettings.KEYS);
        known.addAll(KEYS);
        p.rejectUnknown(known);
        JobSettings settings = JobSettings.parse(p, DEFAULTS);
        String law = p.string("forecast.law", "auto");
        if (!List.of("momentum", "multipower", "auto").contains(law)) {
            p.error("forecast.law must be momentum, multipower or auto, got '" + law + "'");
        }
        int refitPoints = (int) p.integer("forecast.refit-points", 16, 1, 1_000_000);
        long refitMs = p.integer("forecast.refit-interval-ms", 2_000, 10, 86_400_000);
        int maxBuffered = (int) p.integer("forecast.max-buffered-steps", 4_096, 16, 1_000_000);
        int curvePoints = (int) p.integer("forecast.curve-points", 32, 2, 10_000);
        double[] fractions = null;
        String fr = p.string("forecast.what-if-fractions", "0.5,0.7,0.9");
        try {
            fractions = fr.isBlank() ? new double[0]
                    : Arrays.stream(fr.split(",")).mapToDouble(s -> Double.parseDouble(s.trim())).toArray();
            for (double f : fractions) {
                if (!(f > 0 && f < 1)) {
                    p.error("forecast.what-if-fractions must lie in (0, 1), got " + f);
                }
            }
        } catch (NumberFormatException e) {
            p.error("forecast.what-if-fractions must be comma-separated numbers, got '" + fr + "'");
        }
        int fullEvery = (int) p.integer("forecast.full-select-every", 8, 1, 1_000_000);
        int maxRefs = (int) p.integer("forecast.max-references", 8, 0, 1_000);
        long graceMs = p.integer("forecast.finish-grace-ms", 30_000, 0, 3_600_000);
        long idleMs = p.integer("forecast.idle-timeout-ms", 7 * 86_400_000L, 1_000, 366 * 86_400_000L);
        int maxRefsTotal = (int) p.integer("forecast.max-references-total", 1_000, 0, 1_000_000);
        int cacheRuns = (int) p.integer("forecast.tracker-cache-runs", 1_024, 0, 1_000_000);
        int whatIfEvery = (int) p.integer("forecast.what-if-every", 1, 1, 1_000_000);
        long catchUpLagMs = p.integer("forecast.catch-up-lag-ms", DEFAULT_CATCH_UP_LAG_MS, 0, 86_400_000);
        double stopBelow = p.decimal("advice.stop-below", 0.05, 0, 1);
        double continueAbove = p.decimal("advice.continue-above", 0.95, 0, 1);
        if (!(stopBelow < continueAbove)) {
            p.error("advice.stop-below (" + stopBelow + ") must be below advice.continue-above (" + continueAbove + ")");
        }
        p.throwIfErrors("forecast");
        return new ForecastConfig(settings, new Policy(law, refitPoints, refitMs, maxBuffered,
                curvePoints, fractions, fullEvery, maxRefs, graceMs, stopBelow, continueAbove, idleMs, maxRefsTotal,
                cacheRuns, whatIfEvery, catchUpLagMs));
    }

    /** The input topics (run-started, step-metrics, run-finished), with the prefix. */
    public List<String> inputTopics() {
        return settings.topics(INPUT_KINDS.stream().map(RecordKind::topic).toList());
    }

    /** The forecasts topic, with the prefix. */
    public String forecastsTopic() {
        return settings.topic(Topics.FORECASTS);
    }

    /** The advice topic, with the prefix. */
    public String adviceTopic() {
        return settings.topic(Topics.ADVICE);
    }

    /** The run-references topic, with the prefix. */
    public String referencesTopic() {
        return settings.topic(Topics.RUN_REFERENCES);
    }

    /** The topic prefix (shorthand for {@code settings().topicPrefix()}). */
    public String topicPrefix() {
        return settings.topicPrefix();
    }

    /** The record limits (shorthand for {@code settings().limits()}). */
    public Limits limits() {
        return settings.limits();
    }

    /** Usage text for {@code main}. */
    public static String usage() {
        return """
                usage: ForecastJob --bootstrap.servers HOST:PORT --clickhouse.url http://HOST:PORT [options]
                  --group.id runlaw-forecast  --topic.prefix ''  --starting.offsets earliest|latest|committed
                  --checkpoint.interval-ms 5000  --state.backend hashmap|rocksdb  --checkpoint.dir URI  --parallelism N
                  --forecast.law auto|momentum|multipower  --forecast.refit-points 16  --forecast.refit-interval-ms 2000
                  --forecast.curve-points 32  --forecast.what-if-fractions 0.5,0.7,0.9  --forecast.full-select-every 8
                  --forecast.max-references 8  --forecast.max-references-total 1000  --forecast.finish-grace-ms 30000
                  --forecast.max-buffered-steps 4096  --forecast.idle-timeout-ms 604800000
                  --forecast.tracker-cache-runs 1024  --forecast.what-if-every 1  --forecast.catch-up-lag-ms 2000
                  --advice.stop-below 0.05  --advice.continue-above 0.95  --sink.batch-rows 50000
                  --sink.flush-interval-ms 250  --job.name runlaw-forecast  --limits.* (see Limits)
                  --dead-letter.topic runlaw.dead-letters  --dead-letter.transactional-id-prefix runlaw-forecast-dlq
                  --dead-letter.transaction-timeout-ms 600000""";
    }
}
