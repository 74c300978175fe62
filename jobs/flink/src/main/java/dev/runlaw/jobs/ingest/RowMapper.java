package dev.runlaw.jobs.ingest;

import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.jobs.clickhouse.RowBinaryWriter;
import dev.runlaw.jobs.kafka.DeadLetterEvent;
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
import dev.runlaw.schema.RunStatus;
import dev.runlaw.schema.SourceKind;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.TokenRoute;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.avro.specific.SpecificRecord;

/**
 * Turns validated telemetry records into rows of their raw ClickHouse tables ({@code sql/001..008}), each row in
 * {@code RowBinary} with exactly the table's columns in table order ({@link #COLUMNS}, the insert's column list).
 *
 * <p>Time columns: {@code DateTime} columns get integer epoch seconds (floor of the record's epoch ms), and the
 * millisecond value goes to its own {@code Int64} column. The {@code ReplacingMergeTree}s are versioned by the
 * record's own time ({@code wall_time_ms}, {@code started_at_ms}, {@code finished_at_ms}; see each {@code sql/}
 * file), so an exact replay changes nothing and a re-logged step replaces the old one; {@code ingested_at_ms} is
 * processing time, kept for freshness checks only. A routing-trace batch explodes into one row per token. Expert-load rows carry balance statistics from {@link ExpertLoadStats}.
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

    /**
     * Every table's columns, in the order the rows below write them (RowBinary has no names); the sink names them
     * in each insert. The same order as the tables in {@code sql/}, which {@code RowMapperTest} checks, along with
     * each value's binary type.
     */
    public static final Map<String, List<String>> COLUMNS = columns();

    private final RowBinaryWriter w = new RowBinaryWriter();
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
        Map<String, Double> groups = r.getGroupLrs();
        w.begin()
                .string(r.getRunId())                               // run_id String
                .int64(r.getStep())                                 // step Int64
                .dateTime(seconds(r.getWallTimeMs()))               // time DateTime
                .int64(r.getWallTimeMs())                           // wall_time_ms Int64
                .int64(r.getTokensSeen())                           // tokens_seen Int64
                .float64(r.getLr())                                 // lr Float64
                .nullableFloat64(r.getLoss())                       // loss Nullable(Float64)
                .nullableFloat64(r.getGradNorm())                   // grad_norm Nullable(Float64)
                .nullableFloat64(r.getGradSqNormSmall())            // grad_sq_norm_small Nullable(Float64)
                .nullableInt64(r.getBatchSmall())                   // batch_small Nullable(Int64)
                .nullableFloat64(r.getGradSqNormBig())              // grad_sq_norm_big Nullable(Float64)
                .nullableInt64(r.getBatchBig())                     // batch_big Nullable(Int64)
                .nullableFloat64(r.getThroughputTokensPerS())       // throughput_tokens_per_s Nullable(Float64)
                .stringArray(groups.keySet())                       // group_lr_names Array(String)
                .float64Array(groups.values())                      // group_lr_values Array(Float64), same order
                .int64(ingestedAtMs);                               // ingested_at_ms UInt64
        return new ClickHouseRow(STEP_METRICS, w.toByteArray());
    }

    public ClickHouseRow evalMetrics(EvalMetrics r, long ingestedAtMs) {
        w.begin()
                .string(r.getRunId())                               // run_id String
                .string(r.getEvalSet())                             // eval_set String
                .int64(r.getStep())                                 // step Int64
                .dateTime(seconds(r.getWallTimeMs()))               // time DateTime
                .int64(r.getWallTimeMs())                           // wall_time_ms Int64
                .float64(r.getLoss())                               // loss Float64
                .nullableFloat64(r.getAccuracy())                   // accuracy Nullable(Float64)
                .int64(ingestedAtMs);                               // ingested_at_ms UInt64
        return new ClickHouseRow(EVAL_METRICS, w.toByteArray());
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
                .string(r.getRunId())                               // run_id String
                .int32(r.getLayer())                                // layer Int32
                .int64(r.getStep())                                 // step Int64
                .dateTime(seconds(r.getWallTimeMs()))               // time DateTime
                .int64(r.getWallTimeMs())                           // wall_time_ms Int64
                .int64Array(tokens, n)                              // tokens_per_expert Array(Int64)
                .int64(r.getDroppedTokens())                        // dropped_tokens Int64
                .nullableFloat64(r.getAuxLoss())                    // aux_loss Nullable(Float64)
                .nullableFloat64(r.getZLoss())                      // z_loss Nullable(Float64)
                .int64(s.totalTokens())                             // total_tokens Int64
                .float64(s.maxOverMean())                           // max_over_mean Float64
                .float64(s.cv())                                    // cv Float64
                .float64(s.normEntropy())                           // norm_entropy Float64
                .int32(s.zeroExperts())                             // zero_experts Int32
                .int64(ingestedAtMs);                               // ingested_at_ms UInt64
        return new ClickHouseRow(EXPERT_LOAD, w.toByteArray());
    }

    /** One row per token of the batch; returns how many. */
    public int routingTrace(RoutingTraceBatch r, long ingestedAtMs, Consumer<ClickHouseRow> out) {
        int kind = sourceKind(r.getSourceKind());
        long time = seconds(r.getWallTimeMs());
        List<TokenRoute> routes = r.getTokens();
        for (int i = 0, n = routes.size(); i < n; i++) {
            TokenRoute t = routes.get(i);
            w.begin()
                    .string(r.getSource())                          // source String
                    .enum8(kind)                                    // source_kind Enum8
                    .int64(r.getStep())                             // step Int64
                    .int32(t.getLayer())                            // layer Int32
                    .string(t.getSequenceId())                      // sequence_id String
                    .int32(t.getTokenPosition())                    // token_position Int32
                    .dateTime(time)                                 // time DateTime
                    .int64(r.getWallTimeMs())                       // wall_time_ms Int64
                    .int32Array(t.getExpertIds())                   // expert_ids Array(Int32)
                    .float32Array(t.getGateWeights())               // gate_weights Array(Float32)
                    .int64(ingestedAtMs);                           // ingested_at_ms UInt64
            out.accept(new ClickHouseRow(ROUTING_TRACE, w.toByteArray()));
        }
        return routes.size();
    }

    public ClickHouseRow dataMovement(DataMovement r, long ingestedAtMs) {
        w.begin()
                .string(r.getSource())                              // source String
                .int64(r.getStep())                                 // step Int64
                .int64(r.getWallTimeMs())                           // wall_time_ms Int64
                .int32(r.getLayer())                                // layer Int32
                .int32(r.getSrcDevice())                            // src_device Int32
                .int32(r.getDstDevice())                            // dst_device Int32
                .dateTime(seconds(r.getWallTimeMs()))               // time DateTime
                .int64(r.getBytes())                                // bytes Int64
                .int64(ingestedAtMs);                               // ingested_at_ms UInt64
        return new ClickHouseRow(DATA_MOVEMENT, w.toByteArray());
    }

    public ClickHouseRow runStarted(RunStarted r, long ingestedAtMs) {
        ModelFacts m = r.getModel();
        LrScheduleSpec s = r.getSchedule();
        // Sorted, so a re-sent RunStarted gives the same row whatever map order the decoder produced.
        Map<String, String> tags = new TreeMap<>(r.getTags());
        w.begin()
                .string(r.getRunId())                               // run_id String
                .string(r.getFamilyId())                            // family_id String
                .dateTime(seconds(r.getStartedAtMs()))              // started_at DateTime
                .int64(r.getStartedAtMs())                          // started_at_ms Int64
                .int64(m.getTotalParams())                          // total_params Int64
                .int64(m.getActiveParams())                         // active_params Int64
                .int32(m.getLayers())                               // layers Int32
                .int32(m.getExperts())                              // experts Int32
                .int32(m.getTopK())                                 // top_k Int32
                .int32(m.getHiddenSize())                           // hidden_size Int32
                .int64(r.getPlannedTotalSteps())                    // planned_total_steps Int64
                .uint8(s != null)                                   // has_schedule UInt8
                .string(s == null ? "" : s.getKind().name())        // schedule_kind String
                .int64(s == null ? 0L : s.getWarmupSteps())         // warmup_steps Int64
                .float64(s == null ? 0.0 : s.getWarmupInitLr())     // warmup_init_lr Float64
                .float64(s == null ? 0.0 : s.getPeakLr())           // peak_lr Float64
                .float64(s == null ? 0.0 : s.getMinLr())            // min_lr Float64
                .int64(s == null ? 0L : s.getDecayStartStep())      // decay_start_step Int64
                .int64(s == null ? 0L : s.getTotalSteps())          // schedule_total_steps Int64
                .int64Array(s == null ? null : s.getMilestones())   // milestones Array(Int64)
                .float64(s == null ? 0.0 : s.getGamma())            // gamma Float64
                .int64(s == null ? 0L : s.getCycleSteps())          // cycle_steps Int64
                .float64Array(r.getLrPerStep())                     // lr_per_step Array(Float64)
                .int64(r.getBatchSizeSequences())                   // batch_size_sequences Int64
                .int64(r.getBatchSizeTokens())                      // batch_size_tokens Int64
                .int32(r.getSeqLen())                               // seq_len Int32
                .stringArray(tags.keySet())                         // tag_keys Array(String)
                .stringArray(tags.values())                         // tag_values Array(String)
                .int64(ingestedAtMs);                               // ingested_at_ms UInt64
        return new ClickHouseRow(RUNS, w.toByteArray());
    }

    public ClickHouseRow runFinished(RunFinished r, long ingestedAtMs) {
        w.begin()
                .string(r.getRunId())                               // run_id String
                .dateTime(seconds(r.getFinishedAtMs()))             // finished_at DateTime
                .int64(r.getFinishedAtMs())                         // finished_at_ms Int64
                .int64(r.getFinalStep())                            // final_step Int64
                .enum8(runStatus(r.getStatus()))                    // status Enum8
                .nullableString(r.getMessage())                     // message Nullable(String)
                .int64(ingestedAtMs);                               // ingested_at_ms UInt64
        return new ClickHouseRow(RUN_FINISHED, w.toByteArray());
    }

    /** The {@code dead_letters} row of a refused record; the original value bytes are kept as base64. */
    public ClickHouseRow deadLetter(DeadLetterEvent d, long ingestedAtMs) {
        w.begin()
                .string(d.topic())                                  // topic String
                .int32(d.partition())                               // partition Int32
                .int64(d.offset())                                  // offset Int64
                .string(d.reasonCode())                             // reason_code String
                .string(d.reason())                                 // reason String
                .dateTime(seconds(d.failedAtMs()))                  // failed_at DateTime
                .string(d.value() == null ? "" : Base64.getEncoder().encodeToString(d.value())) // value_base64
                .int64(ingestedAtMs);                               // ingested_at_ms UInt64
        return new ClickHouseRow(DEAD_LETTERS, w.toByteArray());
    }

    /** {@code run_finished.status}: the value of the status's name in the table's Enum8. */
    static int runStatus(RunStatus status) {
        return switch (status) {
            case COMPLETED -> 1;
            case STOPPED_EARLY -> 2;
            case FAILED -> 3;
            case CANCELLED -> 4;
            case UNKNOWN -> 5;
        };
    }

    /** {@code routing_trace.source_kind}: the value of the kind's name in the table's Enum8. */
    static int sourceKind(SourceKind kind) {
        return switch (kind) {
            case TRAINING -> 1;
            case INFERENCE -> 2;
        };
    }

    private static Map<String, List<String>> columns() {
        Map<String, List<String>> c = new LinkedHashMap<>();
        c.put(RUNS, List.of("run_id", "family_id", "started_at", "started_at_ms", "total_params", "active_params",
                "layers", "experts", "top_k", "hidden_size", "planned_total_steps", "has_schedule", "schedule_kind",
                "warmup_steps", "warmup_init_lr", "peak_lr", "min_lr", "decay_start_step", "schedule_total_steps",
                "milestones", "gamma", "cycle_steps", "lr_per_step", "batch_size_sequences", "batch_size_tokens",
                "seq_len", "tag_keys", "tag_values", "ingested_at_ms"));
        c.put(RUN_FINISHED, List.of("run_id", "finished_at", "finished_at_ms", "final_step", "status", "message",
                "ingested_at_ms"));
        c.put(STEP_METRICS, List.of("run_id", "step", "time", "wall_time_ms", "tokens_seen", "lr", "loss",
                "grad_norm", "grad_sq_norm_small", "batch_small", "grad_sq_norm_big", "batch_big",
                "throughput_tokens_per_s", "group_lr_names", "group_lr_values", "ingested_at_ms"));
        c.put(EVAL_METRICS, List.of("run_id", "eval_set", "step", "time", "wall_time_ms", "loss", "accuracy",
                "ingested_at_ms"));
        c.put(EXPERT_LOAD, List.of("run_id", "layer", "step", "time", "wall_time_ms", "tokens_per_expert",
                "dropped_tokens", "aux_loss", "z_loss", "total_tokens", "max_over_mean", "cv", "norm_entropy",
                "zero_experts", "ingested_at_ms"));
        c.put(ROUTING_TRACE, List.of("source", "source_kind", "step", "layer", "sequence_id", "token_position", "time",
                "wall_time_ms", "expert_ids", "gate_weights", "ingested_at_ms"));
        c.put(DATA_MOVEMENT, List.of("source", "step", "wall_time_ms", "layer", "src_device", "dst_device", "time",
                "bytes", "ingested_at_ms"));
        c.put(DEAD_LETTERS, List.of("topic", "partition", "offset", "reason_code", "reason", "failed_at",
                "value_base64", "ingested_at_ms"));
        return Collections.unmodifiableMap(c);
    }

    private static long seconds(long epochMs) {
        return Math.floorDiv(epochMs, 1000L);
    }
}
