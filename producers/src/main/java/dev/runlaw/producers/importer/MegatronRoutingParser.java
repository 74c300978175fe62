package dev.runlaw.producers.importer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runlaw.schema.RoutingTraceBatch;
import dev.runlaw.schema.TokenRoute;
import dev.runlaw.schema.validate.Limits;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.specific.SpecificRecord;

/**
 * Megatron-LM's router traces ({@code --moe-routing-trace-path DIR}: {@code router_trace_rank<R>.jsonl}, one file
 * per rank, written by {@code megatron/core/transformer/moe/router_tracer.py}) to {@code RoutingTraceBatch} records.
 *
 * <p>Each line is one router call: one layer, the tokens this rank routed at one step:
 * <pre>
 * {"step": 12, "stage": "pre_dispatch", "block": "decoder", "layer": 3, "rank": 0, "num_tokens": 4096,
 *  "topk": 2, "top_indices": [[5, 1], [0, 7], ...]}
 * </pre>
 * Read: {@code step} (required, >= 0), {@code layer} (required), {@code top_indices} (required: one array of expert
 * ids per token, best first), {@code rank} (default: the {@code rank<R>} in the file name, else 0), {@code block}
 * ({@code decoder} or {@code mtp}) with {@code mtp_idx}, and the checks {@code num_tokens} and {@code topk} when
 * present. Not Megatron's, but accepted so other tracers can send gate weights: {@code gate_weights}, one array of
 * floats per token. Megatron's optional logits and hidden states live in binary sidecar files
 * ({@code logits_rank<R>.bin}) and are not read.
 *
 * <p>Mapping: {@code source} = the run id, {@code step} = the line's step, {@code sequence_id} = {@code rank<R>}
 * ({@code rank<R>/mtp<I>} for multi-token-prediction layers, whose layer numbers repeat the decoder's),
 * {@code token_position} = the token's index among all tokens this rank routed through this layer in this step
 * (several micro-batches of one step write several lines; positions continue across them), wall time synthetic.
 * The trace has no sequence boundaries, so a "sequence" here is a rank's token stream of one step.
 *
 * <p>Tokens are batched per step up to {@link ImportSettings#batchTokens()} per record. Resuming restarts at the
 * first line of the step in progress, so positions are re-derived identically and re-sent batches collapse onto
 * their first copies in ClickHouse. This assumes a file lists its steps in order (Megatron appends one step at a
 * time); a step appearing again after another step would restart its positions at 0.
 */
final class MegatronRoutingParser implements RecordParser {
    private static final Pattern RANK_IN_NAME = Pattern.compile("rank(\\d+)");

    private final String source;
    private final long originMs;
    private final ImportSettings settings;
    private final Limits limits;
    private final int fileRank;

    private boolean inStep;
    private long step;
    private Position stepStart;
    private final Map<String, Integer> nextPosition = new HashMap<>();
    private List<TokenRoute> batch = new ArrayList<>();

    MegatronRoutingParser(String source, long originMs, ImportSettings settings, String fileName) {
        this.source = source;
        this.originMs = originMs;
        this.settings = settings;
        this.limits = settings.limits();
        Matcher m = RANK_IN_NAME.matcher(fileName);
        int rank = 0;
        if (m.find() && m.group(1).length() <= 9) {
            rank = Integer.parseInt(m.group(1));
        }
        this.fileRank = rank;
    }

    @Override
    public void accept(Unit unit, Consumer<SpecificRecord> out) throws MalformedUnitException {
        long n = unit.number();
        if (JsonlStepParser.isBlank(unit)) {
            return;
        }
        JsonNode o = JsonlStepParser.readObject(unit);
        long lineStep = JsonlStepParser.integer(n, o, "step", null);
        if (lineStep < 0) {
            throw new MalformedUnitException(n, "step must be >= 0, got " + lineStep);
        }
        long layer = JsonlStepParser.integer(n, o, "layer", null);
        if (layer < 0 || layer >= limits.maxLayers()) {
            throw new MalformedUnitException(n, "layer " + layer + " outside 0.." + (limits.maxLayers() - 1));
        }
        long rank = JsonlStepParser.integer(n, o, "rank", (long) fileRank);
        String block = o.hasNonNull("block") ? JsonlStepParser.text(n, o, "block") : "decoder";
        String seq = "rank" + rank;
        if (block.equals("mtp")) {
            seq += "/mtp" + JsonlStepParser.integer(n, o, "mtp_idx", 0L);
        } else if (!block.equals("decoder")) {
            throw new MalformedUnitException(n, "block must be decoder or mtp, got '" + block + "'");
        }
        JsonNode rows = o.get("top_indices");
        if (rows == null || !rows.isArray()) {
            throw new MalformedUnitException(n, "top_indices (an array of expert-id arrays) is missing");
        }
        if (o.hasNonNull("num_tokens") && JsonlStepParser.integer(n, o, "num_tokens", null) != rows.size()) {
            throw new MalformedUnitException(n, "num_tokens " + o.get("num_tokens") + " but top_indices has "
                    + rows.size() + " rows");
        }
        long topk = o.hasNonNull("topk") ? JsonlStepParser.integer(n, o, "topk", null) : -1;
        JsonNode weights = o.get("gate_weights");
        if (weights != null && !weights.isNull() && (!weights.isArray() || weights.size() != rows.size())) {
            throw new MalformedUnitException(n, "gate_weights must be an array with one row per token");
        }
        // Check the whole line before sending any of it: a line is imported entirely or not at all.
        List<TokenRoute> tokens = new ArrayList<>(rows.size());
        for (int t = 0; t < rows.size(); t++) {
            JsonNode row = rows.get(t);
            if (!row.isArray() || row.isEmpty() || row.size() > limits.maxTopK()) {
                throw new MalformedUnitException(n, "top_indices[" + t + "] must be an array of 1.."
                        + limits.maxTopK() + " expert ids");
            }
            if (topk >= 0 && row.size() != topk) {
                throw new MalformedUnitException(n, "top_indices[" + t + "] has " + row.size() + " ids, topk is "
                        + topk);
            }
            List<Integer> ids = new ArrayList<>(row.size());
            for (JsonNode id : row) {
                if (!id.canConvertToInt() || !id.isIntegralNumber() || id.intValue() < 0
                        || id.intValue() >= limits.maxExperts()) {
                    throw new MalformedUnitException(n, "top_indices[" + t + "] expert id " + id + " outside 0.."
                            + (limits.maxExperts() - 1));
                }
                ids.add(id.intValue());
            }
            List<Float> gw = List.of();
            if (weights != null && !weights.isNull()) {
                JsonNode wr = weights.get(t);
                if (!wr.isArray() || wr.size() != row.size()) {
                    throw new MalformedUnitException(n, "gate_weights[" + t + "] must have one weight per expert");
                }
                gw = new ArrayList<>(wr.size());
                for (JsonNode w : wr) {
                    if (!w.isNumber() || !Float.isFinite(w.floatValue())) {
                        throw new MalformedUnitException(n, "gate_weights[" + t + "] holds " + w);
                    }
                    gw.add(w.floatValue());
                }
            }
            tokens.add(TokenRoute.newBuilder().setSequenceId(seq).setTokenPosition(0).setLayer((int) layer)
                    .setExpertIds(ids).setGateWeights(gw).build());
        }
        if (inStep && lineStep != step) {
            flush(out);
            nextPosition.clear();
            inStep = false;
        }
        if (!inStep) {
            inStep = true;
            step = lineStep;
            stepStart = new Position(unit.start(), unit.number() - 1);
        }
        String posKey = seq + "#" + layer;
        int pos = nextPosition.getOrDefault(posKey, 0);
        for (TokenRoute t : tokens) {
            t.setTokenPosition(pos++);
            batch.add(t);
            if (batch.size() >= settings.batchTokens()) {
                flush(out);
            }
        }
        nextPosition.put(posKey, pos);
    }

    private void flush(Consumer<SpecificRecord> out) {
        if (batch.isEmpty()) {
            return;
        }
        out.accept(RoutingTraceBatch.newBuilder()
                .setSource(source)
                .setSourceKind(settings.sourceKind())
                .setStep(step)
                .setWallTimeMs(settings.wallTimeMs(originMs, step))
                .setTokens(batch)
                .build());
        batch = new ArrayList<>();
    }

    @Override
    public void end(Consumer<SpecificRecord> out) {
        flush(out);
        inStep = false;
        nextPosition.clear();
    }

    @Override
    public Position pending() {
        return inStep ? stepStart : null;
    }
}
