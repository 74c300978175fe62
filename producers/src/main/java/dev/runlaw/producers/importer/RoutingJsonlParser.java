package dev.runlaw.producers.importer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runlaw.schema.RoutingTraceBatch;
import dev.runlaw.schema.TokenRoute;
import dev.runlaw.schema.validate.Limits;
import dev.runlaw.schema.validate.RecordValidator;
import dev.runlaw.schema.validate.Rejection;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.avro.specific.SpecificRecord;

/**
 * runlaw's per-token routing JSONL ({@code runlaw import routing-jsonl}, {@code runlaw routing analyze}): one line
 * per token and layer,
 * <pre>
 * {"source": "tiny-moe", "step": 200, "sequence_id": "s200-b3", "token_position": 17, "layer": 1,
 *  "expert_ids": [5, 2], "gate_weights": [0.61, 0.39]}
 * </pre>
 * {@code source} (an id; default {@code --run-id}), {@code step} (integer >= -1, -1 = inference traffic),
 * {@code sequence_id} (an id), {@code token_position} (integer >= 0), {@code layer} (0 .. limits.max-layers - 1)
 * and {@code expert_ids} (1 .. limits.max-top-k ids in 0 .. limits.max-experts - 1, in the tracer's order: best
 * first when it knows gates) are required; {@code gate_weights} (finite numbers, one per id) and
 * {@code wall_time_ms} are optional. Other fields are ignored. Ids are kept as listed, never reordered.
 *
 * <p>Records go out as {@code RoutingTraceBatch}es of consecutive lines with the same (source, step), at most
 * {@link ImportSettings#batchTokens()} tokens each, wall time the line's own or synthetic. Resuming restarts at the
 * first line of the batch in progress; re-sent tokens collapse in ClickHouse on their identity.
 */
final class RoutingJsonlParser implements RecordParser {
    private final String defaultSource;
    private final long originMs;
    private final ImportSettings settings;
    private final Limits limits;
    private final RecordValidator validator;

    private String source;
    private long step;
    private long wallTimeMs;
    private Position batchStart;
    private List<TokenRoute> batch = new ArrayList<>();

    RoutingJsonlParser(String defaultSource, long originMs, ImportSettings settings) {
        this.defaultSource = defaultSource;
        this.originMs = originMs;
        this.settings = settings;
        this.limits = settings.limits();
        this.validator = new RecordValidator(limits);
    }

    @Override
    public void accept(Unit unit, Consumer<SpecificRecord> out) throws MalformedUnitException {
        long n = unit.number();
        if (JsonlStepParser.isBlank(unit)) {
            return;
        }
        JsonNode o = JsonlStepParser.readObject(unit);
        String src = o.hasNonNull("source") ? JsonlStepParser.text(n, o, "source") : defaultSource;
        if (src == null) {
            throw new MalformedUnitException(n, "no source in the line and no --run-id given");
        }
        id(n, "source", src);
        long lineStep = JsonlStepParser.integer(n, o, "step", null);
        if (lineStep < -1) {
            throw new MalformedUnitException(n, "step must be >= 0 (or -1 for inference), got " + lineStep);
        }
        if (!o.hasNonNull("sequence_id")) {
            throw new MalformedUnitException(n, "sequence_id is missing");
        }
        String seq = JsonlStepParser.text(n, o, "sequence_id");
        id(n, "sequence_id", seq);
        long pos = JsonlStepParser.integer(n, o, "token_position", null);
        if (pos < 0 || pos > Integer.MAX_VALUE) {
            throw new MalformedUnitException(n, "token_position must be in 0.." + Integer.MAX_VALUE + ", got " + pos);
        }
        long layer = JsonlStepParser.integer(n, o, "layer", null);
        if (layer < 0 || layer >= limits.maxLayers()) {
            throw new MalformedUnitException(n, "layer " + layer + " outside 0.." + (limits.maxLayers() - 1));
        }
        List<Integer> ids = expertIds(n, o.get("expert_ids"));
        List<Float> weights = gateWeights(n, o.get("gate_weights"), ids.size());
        long wall = JsonlStepParser.integer(n, o, "wall_time_ms", settings.wallTimeMs(originMs, Math.max(0, lineStep)));
        TokenRoute t = TokenRoute.newBuilder().setSequenceId(seq).setTokenPosition((int) pos).setLayer((int) layer)
                .setExpertIds(ids).setGateWeights(weights).build();
        if (batchStart != null && (lineStep != step || !src.equals(source))) {
            flush(out);
        }
        if (batchStart == null) {
            batchStart = new Position(unit.start(), unit.number() - 1);
            source = src;
            step = lineStep;
            wallTimeMs = wall;
        }
        batch.add(t);
        if (batch.size() >= settings.batchTokens()) {
            flush(out);
        }
    }

    private void id(long n, String field, String value) throws MalformedUnitException {
        Optional<Rejection> bad = validator.checkId(field, value);
        if (bad.isPresent()) {
            throw new MalformedUnitException(n, bad.get().toString());
        }
    }

    private List<Integer> expertIds(long n, JsonNode a) throws MalformedUnitException {
        if (a == null || !a.isArray() || a.isEmpty() || a.size() > limits.maxTopK()) {
            throw new MalformedUnitException(n, "expert_ids must be an array of 1.." + limits.maxTopK()
                    + " expert ids");
        }
        List<Integer> ids = new ArrayList<>(a.size());
        for (JsonNode id : a) {
            if (!id.isIntegralNumber() || !id.canConvertToInt() || id.intValue() < 0
                    || id.intValue() >= limits.maxExperts()) {
                throw new MalformedUnitException(n, "expert id " + JsonlStepParser.abbreviate(id) + " outside 0.."
                        + (limits.maxExperts() - 1));
            }
            ids.add(id.intValue());
        }
        return ids;
    }

    private static List<Float> gateWeights(long n, JsonNode a, int count) throws MalformedUnitException {
        if (a == null || a.isNull()) {
            return List.of();
        }
        if (!a.isArray() || a.size() != count) {
            throw new MalformedUnitException(n, "gate_weights must be an array with one weight per expert id");
        }
        List<Float> w = new ArrayList<>(count);
        for (JsonNode x : a) {
            if (!x.isNumber() || !Float.isFinite(x.floatValue())) {
                throw new MalformedUnitException(n, "gate weight " + JsonlStepParser.abbreviate(x)
                        + " is not a finite number");
            }
            w.add(x.floatValue());
        }
        return w;
    }

    private void flush(Consumer<SpecificRecord> out) {
        if (!batch.isEmpty()) {
            out.accept(RoutingTraceBatch.newBuilder()
                    .setSource(source)
                    .setSourceKind(settings.sourceKind())
                    .setStep(step)
                    .setWallTimeMs(wallTimeMs)
                    .setTokens(batch)
                    .build());
            batch = new ArrayList<>();
        }
        batchStart = null;
    }

    @Override
    public void end(Consumer<SpecificRecord> out) {
        flush(out);
    }

    @Override
    public Position pending() {
        return batchStart;
    }
}
