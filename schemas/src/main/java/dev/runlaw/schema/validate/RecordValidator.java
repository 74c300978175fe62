package dev.runlaw.schema.validate;

import dev.runlaw.schema.DataMovement;
import dev.runlaw.schema.EvalMetrics;
import dev.runlaw.schema.ExpertLoad;
import dev.runlaw.schema.LrScheduleSpec;
import dev.runlaw.schema.ModelFacts;
import dev.runlaw.schema.RoutingTraceBatch;
import dev.runlaw.schema.RunFinished;
import dev.runlaw.schema.RunStarted;
import dev.runlaw.schema.StopTarget;
import dev.runlaw.schema.StopTargetKind;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.TokenRoute;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;

/**
 * Checks decoded telemetry records against the data model's rules and the configured {@link Limits}.
 *
 * <p>The same rules run in the ingest job and in every producer-side entry point, so a record is refused for the
 * same reason wherever it enters. Stateless and thread-safe. The first violated rule is reported.
 *
 * <p>Identifiers (run id, family id, source, sequence id, eval set) follow one rule, {@link #checkId}: 1 to
 * {@code limits.max-id-length} characters from {@link #ID_CHARACTERS}. Ids end up in ClickHouse keys, Grafana
 * variables, file names and URLs; a closed, printable ASCII set keeps every one of those free of quoting
 * problems, where escaping each of them correctly would be four chances to get it wrong.
 */
public final class RecordValidator {
    /** Epoch ms of 2106-02-07, where ClickHouse's 32-bit DateTime ends. */
    static final long MAX_WALL_TIME_MS = 4_294_967_295_000L;

    /** The characters an identifier may hold, as documented: ASCII letters, digits and {@code ._:/@+-}. */
    public static final String ID_CHARACTERS = "letters A-Z a-z, digits 0-9 and ._:/@+-";

    private static final String ID_PUNCTUATION = "._:/@+-";

    private final Limits limits;

    public RecordValidator(Limits limits) {
        this.limits = limits;
    }

    public Limits limits() {
        return limits;
    }

    /** Returns why the record must be refused, or empty when it is valid. */
    public Optional<Rejection> validate(SpecificRecord record) {
        try {
            if (record instanceof StepMetrics r) {
                check(r);
            } else if (record instanceof EvalMetrics r) {
                check(r);
            } else if (record instanceof ExpertLoad r) {
                check(r);
            } else if (record instanceof RoutingTraceBatch r) {
                check(r);
            } else if (record instanceof DataMovement r) {
                check(r);
            } else if (record instanceof RunStarted r) {
                check(r);
            } else if (record instanceof RunFinished r) {
                check(r);
            } else {
                return Optional.of(Rejection.of(RejectReason.UNKNOWN_TOPIC,
                        "not a telemetry record: " + (record == null ? "null" : record.getClass().getName())));
            }
            return Optional.empty();
        } catch (Refused e) {
            return Optional.of(e.rejection);
        }
    }

    private void check(StepMetrics r) {
        id("run_id", r.getRunId(), RejectReason.MISSING_RUN_ID);
        step(r.getStep(), 0);
        time("wall_time_ms", r.getWallTimeMs());
        nonNegative("tokens_seen", r.getTokensSeen());
        if (r.getLoss() != null && !Double.isFinite(r.getLoss())) {
            refuse(RejectReason.NON_FINITE_LOSS, "loss is " + r.getLoss() + " at step " + r.getStep());
        }
        finiteNonNegative("lr", r.getLr());
        finiteNonNegative("grad_norm", r.getGradNorm());
        finiteNonNegative("grad_sq_norm_small", r.getGradSqNormSmall());
        finiteNonNegative("grad_sq_norm_big", r.getGradSqNormBig());
        finiteNonNegative("throughput_tokens_per_s", r.getThroughputTokensPerS());
        positive("batch_small", r.getBatchSmall());
        positive("batch_big", r.getBatchBig());
        if ((r.getGradSqNormSmall() == null) != (r.getBatchSmall() == null)
                || (r.getGradSqNormBig() == null) != (r.getBatchBig() == null)) {
            refuse(RejectReason.INCONSISTENT, "a squared gradient norm needs its batch size and vice versa");
        }
        if (r.getBatchSmall() != null && r.getBatchBig() != null && r.getBatchSmall() >= r.getBatchBig()) {
            refuse(RejectReason.INCONSISTENT,
                    "batch_small " + r.getBatchSmall() + " must be smaller than batch_big " + r.getBatchBig());
        }
        Map<String, Double> groups = r.getGroupLrs();
        mapSize("group_lrs", groups.size());
        for (Map.Entry<String, Double> e : groups.entrySet()) {
            length("group_lrs key", e.getKey());
            finiteNonNegative("group_lrs[" + e.getKey() + "]", e.getValue());
        }
    }

    private void check(EvalMetrics r) {
        id("run_id", r.getRunId(), RejectReason.MISSING_RUN_ID);
        step(r.getStep(), 0);
        time("wall_time_ms", r.getWallTimeMs());
        id("eval_set", r.getEvalSet(), RejectReason.OUT_OF_RANGE);
        if (!Double.isFinite(r.getLoss())) {
            refuse(RejectReason.NON_FINITE_LOSS, "eval loss is " + r.getLoss() + " at step " + r.getStep());
        }
        finiteNonNegative("accuracy", r.getAccuracy());
    }

    private void check(ExpertLoad r) {
        id("run_id", r.getRunId(), RejectReason.MISSING_RUN_ID);
        step(r.getStep(), 0);
        time("wall_time_ms", r.getWallTimeMs());
        layer(r.getLayer());
        List<Long> tokens = r.getTokensPerExpert();
        if (tokens.isEmpty()) {
            refuse(RejectReason.OUT_OF_RANGE, "tokens_per_expert is empty");
        }
        if (tokens.size() > limits.maxExperts()) {
            refuse(RejectReason.OVER_LIMIT,
                    "tokens_per_expert has " + tokens.size() + " experts, limit max-experts=" + limits.maxExperts());
        }
        for (int e = 0; e < tokens.size(); e++) {
            Long t = tokens.get(e);
            if (t == null || t < 0) {
                refuse(RejectReason.OUT_OF_RANGE, "tokens_per_expert[" + e + "] is " + t);
            }
        }
        nonNegative("dropped_tokens", r.getDroppedTokens());
        finite("aux_loss", r.getAuxLoss());
        finite("z_loss", r.getZLoss());
    }

    private void check(RoutingTraceBatch r) {
        id("source", r.getSource(), RejectReason.MISSING_RUN_ID);
        step(r.getStep(), -1);
        time("wall_time_ms", r.getWallTimeMs());
        List<TokenRoute> tokens = r.getTokens();
        if (tokens.isEmpty()) {
            refuse(RejectReason.OUT_OF_RANGE, "routing trace batch has no tokens");
        }
        if (tokens.size() > limits.maxTokensPerBatch()) {
            refuse(RejectReason.OVER_LIMIT, "routing trace batch has " + tokens.size()
                    + " tokens, limit max-tokens-per-batch=" + limits.maxTokensPerBatch());
        }
        for (int i = 0; i < tokens.size(); i++) {
            TokenRoute t = tokens.get(i);
            id("tokens[" + i + "].sequence_id", t.getSequenceId(), RejectReason.OUT_OF_RANGE);
            if (t.getTokenPosition() < 0) {
                refuse(RejectReason.OUT_OF_RANGE, "tokens[" + i + "].token_position is " + t.getTokenPosition());
            }
            layer(t.getLayer());
            List<Integer> ids = t.getExpertIds();
            if (ids.isEmpty() || ids.size() > limits.maxTopK()) {
                refuse(ids.isEmpty() ? RejectReason.OUT_OF_RANGE : RejectReason.OVER_LIMIT, "tokens[" + i
                        + "] selects " + ids.size() + " experts, allowed 1.." + limits.maxTopK() + " (max-top-k)");
            }
            for (Integer id : ids) {
                if (id == null || id < 0 || id >= limits.maxExperts()) {
                    refuse(RejectReason.OVER_LIMIT, "tokens[" + i + "] expert id " + id
                            + " outside 0.." + (limits.maxExperts() - 1) + " (max-experts)");
                }
            }
            List<Float> w = t.getGateWeights();
            if (!w.isEmpty() && w.size() != ids.size()) {
                refuse(RejectReason.INCONSISTENT, "tokens[" + i + "] has " + ids.size() + " expert ids but "
                        + w.size() + " gate weights");
            }
            for (Float g : w) {
                if (g == null || !Float.isFinite(g)) {
                    refuse(RejectReason.NON_FINITE_VALUE, "tokens[" + i + "] gate weight " + g);
                }
            }
        }
    }

    private void check(DataMovement r) {
        id("source", r.getSource(), RejectReason.MISSING_RUN_ID);
        step(r.getStep(), -1);
        time("wall_time_ms", r.getWallTimeMs());
        layer(r.getLayer());
        device("src_device", r.getSrcDevice());
        device("dst_device", r.getDstDevice());
        nonNegative("bytes", r.getBytes());
    }

    private void check(RunStarted r) {
        id("run_id", r.getRunId(), RejectReason.MISSING_RUN_ID);
        if (!r.getFamilyId().isEmpty()) { // empty: the run belongs to no family
            id("family_id", r.getFamilyId(), RejectReason.OUT_OF_RANGE);
        }
        time("started_at_ms", r.getStartedAtMs());
        if (r.getPlannedTotalSteps() <= 0) {
            refuse(RejectReason.OUT_OF_RANGE, "planned_total_steps must be > 0, got " + r.getPlannedTotalSteps());
        }
        ModelFacts m = r.getModel();
        nonNegative("model.total_params", m.getTotalParams());
        nonNegative("model.active_params", m.getActiveParams());
        nonNegative("model.layers", m.getLayers());
        nonNegative("model.hidden_size", m.getHiddenSize());
        if (m.getExperts() < 0 || m.getExperts() > limits.maxExperts()) {
            refuse(RejectReason.OVER_LIMIT, "model.experts " + m.getExperts() + " outside 0.." + limits.maxExperts());
        }
        if (m.getTopK() < 0 || m.getTopK() > limits.maxTopK() || (m.getExperts() > 0 && m.getTopK() > m.getExperts())) {
            refuse(RejectReason.INCONSISTENT, "model.top_k " + m.getTopK() + " with " + m.getExperts() + " experts");
        }
        if (m.getActiveParams() > m.getTotalParams() && m.getTotalParams() > 0) {
            refuse(RejectReason.INCONSISTENT, "active_params exceeds total_params");
        }
        finiteNonNegative("weight_decay", r.getWeightDecay());
        StopTarget t = r.getStopTarget();
        if (t != null && t.getKind() == StopTargetKind.LOSS
                && !(Double.isFinite(t.getTargetLoss()) && t.getTargetLoss() > 0)) {
            refuse(RejectReason.OUT_OF_RANGE, "stop_target.target_loss must be finite and > 0 for kind LOSS, got "
                    + t.getTargetLoss());
        }
        LrScheduleSpec s = r.getSchedule();
        if (s != null) {
            finiteNonNegative("schedule.peak_lr", s.getPeakLr());
            finiteNonNegative("schedule.min_lr", s.getMinLr());
            finiteNonNegative("schedule.warmup_init_lr", s.getWarmupInitLr());
            finiteNonNegative("schedule.gamma", s.getGamma());
            nonNegative("schedule.warmup_steps", s.getWarmupSteps());
            nonNegative("schedule.decay_start_step", s.getDecayStartStep());
            nonNegative("schedule.cycle_steps", s.getCycleSteps());
            if (s.getTotalSteps() <= 0) {
                refuse(RejectReason.OUT_OF_RANGE, "schedule.total_steps must be > 0, got " + s.getTotalSteps());
            }
            if (s.getMinLr() > s.getPeakLr()) {
                refuse(RejectReason.INCONSISTENT, "schedule.min_lr " + s.getMinLr() + " > peak_lr " + s.getPeakLr());
            }
            if (s.getMilestones().size() > limits.maxMapEntries()) {
                refuse(RejectReason.OVER_LIMIT, "schedule.milestones has " + s.getMilestones().size() + " entries");
            }
        }
        List<Double> lrs = r.getLrPerStep();
        if (lrs != null) {
            if (lrs.size() > limits.maxLrPerStep()) {
                refuse(RejectReason.OVER_LIMIT, "lr_per_step has " + lrs.size()
                        + " entries, limit max-lr-per-step=" + limits.maxLrPerStep());
            }
            for (int i = 0; i < lrs.size(); i++) {
                finiteNonNegative("lr_per_step[" + i + "]", lrs.get(i));
            }
        }
        nonNegative("batch_size_sequences", r.getBatchSizeSequences());
        nonNegative("batch_size_tokens", r.getBatchSizeTokens());
        nonNegative("seq_len", r.getSeqLen());
        mapSize("tags", r.getTags().size());
        r.getTags().forEach((k, v) -> {
            length("tag key", k);
            length("tag " + k, v);
        });
    }

    private void check(RunFinished r) {
        id("run_id", r.getRunId(), RejectReason.MISSING_RUN_ID);
        time("finished_at_ms", r.getFinishedAtMs());
        step(r.getFinalStep(), 0);
        if (r.getMessage() != null && r.getMessage().length() > 16 * limits.maxIdLength()) {
            refuse(RejectReason.FIELD_TOO_LONG, "message longer than " + 16 * limits.maxIdLength() + " chars");
        }
    }

    /**
     * Checks one identifier given outside a record (a command-line run id, an eval set option) by the same rule
     * as the records' ids: present, at most {@code limits.max-id-length} characters, only {@link #ID_CHARACTERS}.
     *
     * @param field what the value is, for the message (e.g. {@code "--run-id"})
     * @return why it must be refused ({@link RejectReason#MISSING_RUN_ID}, {@link RejectReason#FIELD_TOO_LONG} or
     *         {@link RejectReason#INVALID_ID}), or empty when it is a valid id
     */
    public Optional<Rejection> checkId(String field, String value) {
        try {
            id(field, value, RejectReason.MISSING_RUN_ID);
            return Optional.empty();
        } catch (Refused e) {
            return Optional.of(e.rejection);
        }
    }

    // --- rules shared by the kinds above ---

    private void id(String field, String value, RejectReason ifBlank) {
        if (value == null || value.isBlank()) {
            refuse(ifBlank, field + " is missing or blank");
        }
        length(field, value);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!isIdCharacter(c)) {
                // Name the character by code point, never echo it raw: it may be a newline or a control code.
                refuse(RejectReason.INVALID_ID, String.format(Locale.ROOT,
                        "%s has character U+%04X at index %d; ids may hold only %s", field, (int) c, i, ID_CHARACTERS));
            }
        }
    }

    private static boolean isIdCharacter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || ID_PUNCTUATION.indexOf(c) >= 0;
    }

    private void length(String field, String value) {
        if (value != null && value.length() > limits.maxIdLength()) {
            refuse(RejectReason.FIELD_TOO_LONG,
                    field + " has " + value.length() + " chars, limit max-id-length=" + limits.maxIdLength());
        }
    }

    private void step(long step, long min) {
        if (step < min) {
            refuse(RejectReason.NEGATIVE_STEP, "step is " + step + (min < 0 ? " (only -1 means no step)" : ""));
        }
    }

    private void time(String field, long ms) {
        if (ms < 0 || ms > MAX_WALL_TIME_MS) {
            refuse(RejectReason.OUT_OF_RANGE, field + " " + ms + " is not epoch milliseconds in 1970..2106");
        }
    }

    private void layer(int layer) {
        if (layer < 0 || layer >= limits.maxLayers()) {
            refuse(RejectReason.OUT_OF_RANGE, "layer " + layer + " outside 0.." + (limits.maxLayers() - 1));
        }
    }

    private void device(String field, int device) {
        if (device < 0 || device >= limits.maxDevices()) {
            refuse(RejectReason.OUT_OF_RANGE, field + " " + device + " outside 0.." + (limits.maxDevices() - 1));
        }
    }

    private void mapSize(String field, int size) {
        if (size > limits.maxMapEntries()) {
            refuse(RejectReason.OVER_LIMIT,
                    field + " has " + size + " entries, limit max-map-entries=" + limits.maxMapEntries());
        }
    }

    private static void nonNegative(String field, long v) {
        if (v < 0) {
            refuse(RejectReason.OUT_OF_RANGE, field + " is negative: " + v);
        }
    }

    private static void positive(String field, Long v) {
        if (v != null && v <= 0) {
            refuse(RejectReason.OUT_OF_RANGE, field + " must be > 0, got " + v);
        }
    }

    private static void finite(String field, Double v) {
        if (v != null && !Double.isFinite(v)) {
            refuse(RejectReason.NON_FINITE_VALUE, field + " is " + v);
        }
    }

    private static void finiteNonNegative(String field, Double v) {
        finite(field, v);
        if (v != null && v < 0) {
            refuse(RejectReason.OUT_OF_RANGE, field + " is negative: " + v);
        }
    }

    private static void refuse(RejectReason reason, String message) {
        throw new Refused(Rejection.of(reason, message));
    }

    /** Unwinds out of the nested checks with the first violation; never escapes this class. */
    private static final class Refused extends RuntimeException {
        final Rejection rejection;

        Refused(Rejection rejection) {
            super(null, null, false, false);
            this.rejection = rejection;
        }
    }
}
