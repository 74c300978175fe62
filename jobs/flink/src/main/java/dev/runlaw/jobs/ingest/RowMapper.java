package dev.runlaw.jobs.ingest;

import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.jobs.clickhouse.JsonRowWriter;
import dev.runlaw.math.moe.ExpertLoadStats;
import dev.runlaw.schema.DataMovement;
import dev.runlaw.schema.EvalMetrics;
import dev.runlaw.schema.ExpertLoad;
import dev.runlaw.schema.LrScheduleSpec;
import dev.runlaw.schema.ModelFacts;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.RoutingTraceBatch;
import dev.runlaw.schema.RunFinished;
import dev.runlaw.schema.RunStarted;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.TokenRoute;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.avro.specific.SpecificRecord;

/**
 * Turns validated telemetry records into rows of their raw ClickHouse tables ({@code sql/001..008}), one JSON
 * object per row with exactly the table's columns.
 *
 * <p>Time columns: {@code DateTime} columns get integer epoch seconds (floor of the record's epoch ms), and the
 * millisecond value goes to its own {@code Int64} column. {@code ingested_at_ms} is the version column of the
 * {@code ReplacingMergeTree}s: a replayed record gets a later value and replaces its earlier copy. A routing-trace
 * batch explodes into one row per token. Expert-load rows carry balance statistics from {@link ExpertLoadStats}.
 *
 * <p>Callers pass records that {@link dev.runlaw.schema.validate.RecordValidator} accepted. Not thread-safe (it
 * reuses its buffers): one instance per task.
 */
public final class RowMapper {
    public static final String RUNS = "runs";
    public static final String RUN_FINISHED = "run_finished";
    public static final String STEP_METRICS = "step_metrics";
    public static final String EVAL_METRICS = "eval_metrics";
    public static final String EXPERT_LOAD = "expert_load";
    public static final String ROUTING_TRACE = "routing_trace";
    public static final String DATA_MOVEMENT = "data_movement";
    public static final String DEAD_LETTERS = "dead_letters";

    private final JsonRowWriter w = new JsonRowWriter();
    private long[] tokens = new long[64];

    /** The raw table a kind is written to. */
    public static String tableOf(RecordKind kind) {
        return switch (kind) {
            case RUN_STARTED -> RUNS;
            case RUN_FINISHED -> RUN_FINISHED;
            case STEP_METRICS -> STEP_METRICS;
            case EVAL_METRICS -> EVAL_METRICS;
            case EXPERT_LOAD -> EXPERT_LOAD;
            case ROUTING_TRACE -> ROUTING_TRACE;
            case DATA_MOVEMENT -> DATA_MOVEMENT;
        };
    }

    /**
     * Emits the row(s) of one record.
     *
     * @return number of rows emitted (tokens for a routing-trace batch, else 1)
     */
    public int map(SpecificRecord record, long ingestedAtMs, Consumer<ClickHouseRow> out) {
        if (record instanceof StepMetrics r) {
            out.accept(stepMetrics(r, ingestedAtMs));
        } else if (record instanceof ExpertLoad r) {
            out.accept(expertLoad(r, ingestedAtMs));
        } else if (record instanceof RoutingTraceBatch r) {
            return routingTrace(r, ingestedAtMs, out);
        } else if (record instanceof EvalMetrics r) {
            out.accept(evalMetrics(r, ingestedAtMs));
        } else if (record instanceof DataMovement r) {
            out.accept(dataMovement(r, ingestedAtMs));
        } else if (record instanceof RunStarted r) {
            out.accept(runStarted(r, ingestedAtMs));
        } else if (record instanceof RunFinished r) {
            out.accept(runFinished(r, ingestedAtMs));
        } else {
            throw new IllegalArgumentException("no table for " + record.getClass().getName());
        }
        return 1;
    }

    public ClickHouseRow stepMetrics(StepMetrics r, long ingestedAtMs) {
        w.begin()
                .field("run_id", r.getRunId())
                .field("step", r.getStep())
                .field("time", seconds(r.getWallTimeMs()))
                .field("wall_time_ms", r.getWallTimeMs())
                .field("tokens_seen", r.getTokensSeen())
                .field("lr", r.getLr())
                .field("loss", r.getLoss())
                .field("grad_norm", r.getGradNorm())
                .field("grad_sq_norm_small", r.getGradSqNormSmall())
                .field("batch_small", r.getBatchSmall())
                .field("grad_sq_norm_big", r.getGradSqNormBig())
                .field("batch_big", r.getBatchBig())
                .field("throughput_tokens_per_s", r.getThroughputTokensPerS())
                .stringArray("group_lr_names", r.getGroupLrs().keySet())
                .doubleArray("group_lr_values", r.getGroupLrs().values())
                .field("ingested_at_ms", ingestedAtMs);
        return new ClickHouseRow(STEP_METRICS, w.end());
    }

    public ClickHouseRow evalMetrics(EvalMetrics r, long ingestedAtMs) {
        w.begin()
                .field("run_id", r.getRunId())
                .field("eval_set", r.getEvalSet())
                .field("step", r.getStep())
                .field("time", seconds(r.getWallTimeMs()))
                .field("wall_time_ms", r.getWallTimeMs())
                .field("loss", r.getLoss())
                .field("accuracy", r.getAccuracy())
                .field("ingested_at_ms", ingestedAtMs);
        return new ClickHouseRow(EVAL_METRICS, w.end());
    }

    public ClickHouseRow expertLoad(ExpertLoad r, long ingestedAtMs) {
        List<Long> perExpert = r.getTokensPerExpert();
        int n = perExpert.size();
        if (tokens.length < n) {
            tokens = new long[Math.max(n, tokens.length * 2)];
        }
        for (int e = 0; e < n; e++) {
            tokens[e] = perExpert.get(e);
        }
        ExpertLoadStats s = ExpertLoadStats.of(tokens, n);
        w.begin()
                .field("run_id", r.getRunId())
                .field("layer", r.getLayer())
                .field("step", r.getStep())
                .field("time", seconds(r.getWallTimeMs()))
                .field("wall_time_ms", r.getWallTimeMs())
                .longArray("tokens_per_expert", perExpert)
                .field("dropped_tokens", r.getDroppedTokens())
                .field("aux_loss", r.getAuxLoss())
                .field("z_loss", r.getZLoss())
                .field("total_tokens", s.totalTokens())
                .field("max_over_mean", s.maxOverMean())
                .field("cv", s.cv())
                .field("norm_entropy", s.normEntropy())
                .field("zero_experts", s.zeroExperts())
                .field("ingested_at_ms", ingestedAtMs);
        return new ClickHouseRow(EXPERT_LOAD, w.end());
    }

    /** One row per token of the batch; returns how many. */
    public int routingTrace(RoutingTraceBatch r, long ingestedAtMs, Consumer<ClickHouseRow> out) {
        String kind = r.getSourceKind().name();
        long time = seconds(r.getWallTimeMs());
        List<TokenRoute> routes = r.getTokens();
        for (TokenRoute t : routes) {
            w.begin()
                    .field("source", r.getSource())
                    .field("source_kind", kind)
                    .field("step", r.getStep())
                    .field("layer", t.getLayer())
                    .field("sequence_id", t.getSequenceId())
                    .field("token_position", t.getTokenPosition())
                    .field("time", time)
                    .field("wall_time_ms", r.getWallTimeMs())
                    .intArray("expert_ids", t.getExpertIds())
                    .floatArray("gate_weights", t.getGateWeights())
                    .field("ingested_at_ms", ingestedAtMs);
            out.accept(new ClickHouseRow(ROUTING_TRACE, w.end()));
        }
        return routes.size();
    }

    public ClickHouseRow dataMovement(DataMovement r, long ingestedAtMs) {
        w.begin()
                .field("source", r.getSource())
                .field("step", r.getStep())
                .field("wall_time_ms", r.getWallTimeMs())
                .field("layer", r.getLayer())
                .field("src_device", r.getSrcDevice())
                .field("dst_device", r.getDstDevice())
                .field("time", seconds(r.getWallTimeMs()))
                .field("bytes", r.getBytes())
                .field("ingested_at_ms", ingestedAtMs);
        return new ClickHouseRow(DATA_MOVEMENT, w.end());
    }

    public ClickHouseRow runStarted(RunStarted r, long ingestedAtMs) {
        ModelFacts m = r.getModel();
        LrScheduleSpec s = r.getSchedule();
        // Sorted, so a re-sent RunStarted gives the same row whatever map order the decoder produced.
        Map<String, String> tags = new TreeMap<>(r.getTags());
        w.begin()
                .field("run_id", r.getRunId())
                .field("family_id", r.getFamilyId())
                .field("started_at", seconds(r.getStartedAtMs()))
                .field("started_at_ms", r.getStartedAtMs())
                .field("total_params", m.getTotalParams())
                .field("active_params", m.getActiveParams())
                .field("layers", m.getLayers())
                .field("experts", m.getExperts())
                .field("top_k", m.getTopK())
                .field("hidden_size", m.getHiddenSize())
                .field("planned_total_steps", r.getPlannedTotalSteps())
                .field("has_schedule", s != null)
                .field("schedule_kind", s == null ? "" : s.getKind().name())
                .field("warmup_steps", s == null ? 0L : s.getWarmupSteps())
                .field("warmup_init_lr", s == null ? 0.0 : s.getWarmupInitLr())
                .field("peak_lr", s == null ? 0.0 : s.getPeakLr())
                .field("min_lr", s == null ? 0.0 : s.getMinLr())
                .field("decay_start_step", s == null ? 0L : s.getDecayStartStep())
                .field("schedule_total_steps", s == null ? 0L : s.getTotalSteps())
                .longArray("milestones", s == null ? List.of() : s.getMilestones())
                .field("gamma", s == null ? 0.0 : s.getGamma())
                .field("cycle_steps", s == null ? 0L : s.getCycleSteps())
                .doubleArray("lr_per_step", r.getLrPerStep())
                .field("batch_size_sequences", r.getBatchSizeSequences())
                .field("batch_size_tokens", r.getBatchSizeTokens())
                .field("seq_len", r.getSeqLen())
                .stringArray("tag_keys", tags.keySet())
                .stringArray("tag_values", tags.values())
                .field("ingested_at_ms", ingestedAtMs);
        return new ClickHouseRow(RUNS, w.end());
    }

    public ClickHouseRow runFinished(RunFinished r, long ingestedAtMs) {
        w.begin()
                .field("run_id", r.getRunId())
                .field("finished_at", seconds(r.getFinishedAtMs()))
                .field("finished_at_ms", r.getFinishedAtMs())
                .field("final_step", r.getFinalStep())
                .field("status", r.getStatus().name())
                .field("message", r.getMessage())
                .field("ingested_at_ms", ingestedAtMs);
        return new ClickHouseRow(RUN_FINISHED, w.end());
    }

    /** The {@code dead_letters} row of a refused record; the original value bytes are kept as base64. */
    public ClickHouseRow deadLetter(DeadLetterEvent d, long ingestedAtMs) {
        w.begin()
                .field("topic", d.topic())
                .field("partition", d.partition())
                .field("offset", d.offset())
                .field("reason_code", d.reasonCode())
                .field("reason", d.reason())
                .field("failed_at", seconds(d.failedAtMs()))
                .field("value_base64", d.value() == null ? "" : Base64.getEncoder().encodeToString(d.value()))
                .field("ingested_at_ms", ingestedAtMs);
        return new ClickHouseRow(DEAD_LETTERS, w.end());
    }

    private static long seconds(long epochMs) {
        return Math.floorDiv(epochMs, 1000L);
    }
}
