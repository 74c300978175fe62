package dev.runlaw.jobs.batch;

import dev.runlaw.jobs.common.ConfigParser;
import dev.runlaw.jobs.common.JobConfig;
import dev.runlaw.jobs.common.JobSettings;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.Topics;
import java.io.Serializable;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.flink.util.ParameterTool;

/**
 * Configuration of the {@link BatchJob}: the common {@link JobSettings} with the batch job's defaults, plus its own
 * keys, parsed once and validated (every problem in one message). The noise-scale estimator runs with
 * {@link dev.runlaw.math.cbs.NoiseScaleSettings#defaults()}, the same as {@code ./runlaw cbs gns}. Immutable.
 *
 * <table>
 *   <caption>the batch job's keys and defaults (the common keys are in {@link JobSettings}; {@code bounded} is
 *   refused: the job runs until cancelled)</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>group.id / job.name</td><td>runlaw-batch</td><td></td></tr>
 *   <tr><td>batch.emit-every-steps</td><td>50</td><td>a run's {@code gradient_noise} row at most once per this many
 *       steps (plus its last step when it finishes)</td></tr>
 *   <tr><td>batch.advice-ratio</td><td>4</td><td>advice INCREASE when the batch is at most B_simple's lower 90 %
 *       bound / ratio, DECREASE when it is at least ratio x the upper bound; KEEP in between</td></tr>
 *   <tr><td>batch.family-update-steps</td><td>200</td><td>a run's loss curve goes to its family's fit at most once per
 *       this many steps (and when the run finishes)</td></tr>
 *   <tr><td>batch.family-targets</td><td>(none)</td><td>target losses per family,
 *       {@code fam-a=3.2,3.1;fam-b=2.9}; a family without any uses the default levels</td></tr>
 *   <tr><td>batch.target-levels</td><td>3</td><td>default targets: this many levels between the finished runs' final
 *       (smoothed, lowest) losses, from the level the third-best run reached to the level every run reached</td></tr>
 *   <tr><td>batch.max-runs-per-family</td><td>64</td><td>runs kept per family (the least recently updated go
 *       first)</td></tr>
 *   <tr><td>batch.smoothing-window / batch.curve-resolution</td><td>20 / 0.001</td><td>the loss curve each run keeps
 *       for its crossings: moving-average window in logged losses, relative resolution of the kept minimum</td></tr>
 *   <tr><td>batch.base-batch / batch.overhead</td><td>256 / 0.2</td><td>Zhang et al.'s CBS = (1 + x) B0 + x B_noise,
 *       and tokens to a target = steps at B0 x B0 x seq_len</td></tr>
 *   <tr><td>batch.next-run-token-factor</td><td>2</td><td>the family's next run is advised for this many times the
 *       largest D (tokens to a target) its laws have</td></tr>
 *   <tr><td>batch.idle-timeout-ms</td><td>604800000 (7 days)</td><td>a run (or family) with no record for this long
 *       has its state dropped</td></tr>
 *   <tr><td>batch.finish-grace-ms</td><td>30000</td><td>after run-finished, the run is finished as soon as its
 *       final step has arrived, or after this long (steps may lag run-finished: another topic)</td></tr>
 *   <tr><td>sink.batch-rows / sink.flush-interval-ms</td><td>20000 / 1000</td><td>ClickHouse batching</td></tr>
 * </table>
 *
 * @param settings the common settings
 * @param policy   the batch job's own settings
 */
public record BatchConfig(JobSettings settings, Policy policy) implements JobConfig, Serializable {

    /** The telemetry kinds the job reads. */
    public static final List<RecordKind> INPUT_KINDS =
            List.of(RecordKind.RUN_STARTED, RecordKind.STEP_METRICS, RecordKind.RUN_FINISHED);

    static final JobSettings.Defaults DEFAULTS = new JobSettings.Defaults("runlaw-batch", 20_000, 1_000, false);

    private static final Set<String> KEYS = Set.of("batch.emit-every-steps", "batch.advice-ratio",
            "batch.family-update-steps", "batch.family-targets", "batch.target-levels", "batch.max-runs-per-family",
            "batch.smoothing-window", "batch.curve-resolution", "batch.base-batch", "batch.overhead",
            "batch.next-run-token-factor", "batch.idle-timeout-ms", "batch.finish-grace-ms");

    /**
     * The batch job's own settings, shipped to the task managers (see the table on {@link BatchConfig}).
     *
     * @param familyTargets target losses per family id (an absent family uses the default levels)
     */
    public record Policy(int emitEverySteps, double adviceRatio, int familyUpdateSteps,
                         Map<String, double[]> familyTargets, int targetLevels, int maxRunsPerFamily,
                         int smoothingWindow, double curveResolution, double baseBatch, double overhead,
                         double nextRunTokenFactor, long idleTimeoutMs, long finishGraceMs) implements Serializable {
        public Policy {
            Map<String, double[]> copy = new HashMap<>();
            familyTargets.forEach((k, v) -> copy.put(k, v.clone()));
            familyTargets = copy;
        }

        /** The configured targets of {@code familyId}, or null for the default levels. */
        public double[] targetsOf(String familyId) {
            double[] t = familyTargets.get(familyId);
            return t == null ? null : t.clone();
        }

        /** The defaults, for tests and tools that run the logic without a job. */
        public static Policy defaults() {
            return new Policy(50, 4, 200, Map.of(), 3, 64, 20, 1e-3, 256, 0.2, 2, 7 * 86_400_000L, 30_000);
        }

        @Override
        public String toString() {
            Map<String, String> t = new TreeMap<>();
            familyTargets.forEach((k, v) -> t.put(k, Arrays.toString(v)));
            return "emit-every-steps=" + emitEverySteps + ", advice-ratio=" + adviceRatio + ", family-update-steps="
                    + familyUpdateSteps + ", family-targets=" + t + ", target-levels=" + targetLevels
                    + ", max-runs-per-family=" + maxRunsPerFamily + ", base-batch=" + baseBatch + ", overhead="
                    + overhead + ", next-run-token-factor=" + nextRunTokenFactor + ", idle-timeout-ms="
                    + idleTimeoutMs;
        }
    }

    /** Parses {@code --key value} arguments. */
    public static BatchConfig fromArgs(String... args) {
        return fromMap(ParameterTool.fromArgs(args).toMap());
    }

    /**
     * Parses and validates a flat key/value map.
     *
     * @throws IllegalArgumentException listing every missing, unknown or invalid setting
     */
    public static BatchConfig fromMap(Map<String, String> conf) {
        ConfigParser p = new ConfigParser(conf);
        Set<String> known = new HashSet<>(JobSettings.KEYS);
        known.addAll(KEYS);
        p.rejectUnknown(known);
        JobSettings settings = JobSettings.parse(p, DEFAULTS);
        Policy d = Policy.defaults();
        int every = (int) p.integer("batch.emit-every-steps", d.emitEverySteps(), 1, 1_000_000);
        double ratio = p.decimal("batch.advice-ratio", d.adviceRatio(), 1, 1_000);
        int familyEvery = (int) p.integer("batch.family-update-steps", d.familyUpdateSteps(), 1, 10_000_000);
        Map<String, double[]> targets = familyTargets(p, p.string("batch.family-targets", ""));
        int levels = (int) p.integer("batch.target-levels", d.targetLevels(), 1, 20);
        int maxRuns = (int) p.integer("batch.max-runs-per-family", d.maxRunsPerFamily(), 3, 1_000);
        int window = (int) p.integer("batch.smoothing-window", d.smoothingWindow(), 1, 10_000);
        double resolution = p.decimal("batch.curve-resolution", d.curveResolution(), 1e-6, 0.5);
        double base = p.decimal("batch.base-batch", d.baseBatch(), 1, 1e9);
        double overhead = p.decimal("batch.overhead", d.overhead(), 1e-3, 10);
        double nextFactor = p.decimal("batch.next-run-token-factor", d.nextRunTokenFactor(), 1e-3, 1e6);
        long idleMs = p.integer("batch.idle-timeout-ms", d.idleTimeoutMs(), 1_000, 366 * 86_400_000L);
        long graceMs = p.integer("batch.finish-grace-ms", d.finishGraceMs(), 0, 3_600_000);
        p.throwIfErrors("batch");
        return new BatchConfig(settings, new Policy(every, ratio, familyEvery, targets, levels, maxRuns, window,
                resolution, base, overhead, nextFactor, idleMs, graceMs));
    }

    /** {@code fam-a=3.2,3.1;fam-b=2.9}: each family's target losses, finite and > 0. */
    static Map<String, double[]> familyTargets(ConfigParser p, String spec) {
        Map<String, double[]> out = new HashMap<>();
        if (spec.isBlank()) {
            return out;
        }
        for (String entry : spec.split(";")) {
            String[] kv = entry.split("=", 2);
            if (kv.length != 2 || kv[0].isBlank() || kv[1].isBlank()) {
                p.error("batch.family-targets entries must be family=loss[,loss...], got '" + entry.trim() + "'");
                continue;
            }
            try {
                double[] losses = Arrays.stream(kv[1].split(",")).mapToDouble(s -> Double.parseDouble(s.trim()))
                        .toArray();
                if (Arrays.stream(losses).anyMatch(l -> !(l > 0 && Double.isFinite(l)))) {
                    p.error("batch.family-targets losses must be finite and > 0, got '" + kv[1].trim() + "'");
                    continue;
                }
                out.put(kv[0].trim(), losses);
            } catch (NumberFormatException e) {
                p.error("batch.family-targets losses must be numbers, got '" + kv[1].trim() + "'");
            }
        }
        return out;
    }

    /** The input topics (run-started, step-metrics, run-finished), with the prefix. */
    public List<String> inputTopics() {
        return settings.topics(INPUT_KINDS.stream().map(RecordKind::topic).toList());
    }

    /** The batch-advice topic, with the prefix. */
    public String adviceTopic() {
        return settings.topic(Topics.BATCH_ADVICE);
    }

    /** Usage text for {@code main}. */
    public static String usage() {
        return """
                usage: BatchJob --bootstrap.servers HOST:PORT --clickhouse.url http://HOST:PORT [options]
                  --group.id runlaw-batch  --topic.prefix ''  --starting.offsets earliest|latest|committed
                  --checkpoint.interval-ms 5000  --state.backend hashmap|rocksdb  --checkpoint.dir URI  --parallelism N
                  --batch.emit-every-steps 50  --batch.advice-ratio 4  --batch.family-update-steps 200
                  --batch.family-targets 'fam=3.2,3.1;fam2=2.9'  --batch.target-levels 3  --batch.max-runs-per-family 64
                  --batch.smoothing-window 20  --batch.curve-resolution 0.001  --batch.base-batch 256
                  --batch.overhead 0.2  --batch.next-run-token-factor 2  --batch.idle-timeout-ms 604800000
                  --batch.finish-grace-ms 30000
                  --sink.batch-rows 20000  --sink.flush-interval-ms 1000  --job.name runlaw-batch  --limits.*
                  --dead-letter.topic runlaw.dead-letters  --dead-letter.transactional-id-prefix runlaw-batch-dlq
                  --dead-letter.transaction-timeout-ms 600000""";
    }
}
