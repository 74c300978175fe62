package dev.runlaw.producers.importer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.validate.RecordValidator;
import dev.runlaw.schema.validate.Rejection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.avro.specific.SpecificRecord;

/**
 * JSON Lines of step metrics: one object per line with the {@code StepMetrics} Avro field names.
 *
 * <table>
 *   <caption>fields</caption>
 *   <tr><th>field</th><th></th></tr>
 *   <tr><td>{@code step}</td><td>required integer >= 0</td></tr>
 *   <tr><td>{@code lr}</td><td>required number >= 0</td></tr>
 *   <tr><td>{@code run_id}</td><td>string; required unless the import has a default run id (a line's own run id
 *       wins)</td></tr>
 *   <tr><td>{@code loss}</td><td>number or null</td></tr>
 *   <tr><td>{@code wall_time_ms}</td><td>integer epoch ms; default synthetic ({@link ImportSettings#wallTimeMs})</td></tr>
 *   <tr><td>{@code tokens_seen}, {@code batch_small}, {@code batch_big}</td><td>integers</td></tr>
 *   <tr><td>{@code grad_norm}, {@code grad_sq_norm_small}, {@code grad_sq_norm_big},
 *       {@code throughput_tokens_per_s}</td><td>numbers or null</td></tr>
 *   <tr><td>{@code group_lrs}</td><td>object of name to number</td></tr>
 * </table>
 * Other fields are ignored (trainers log more than the schema holds). {@code NaN} and {@code Infinity} are read so
 * that the validator can name them ({@code loss is NaN at step 7}) rather than fail as a JSON syntax error.
 */
final class JsonlStepParser implements RecordParser {
    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    private final String defaultRunId;
    private final long originMs;
    private final ImportSettings settings;
    private final RecordValidator validator;

    JsonlStepParser(String defaultRunId, long originMs, ImportSettings settings) {
        this.defaultRunId = defaultRunId;
        this.originMs = originMs;
        this.settings = settings;
        this.validator = new RecordValidator(settings.limits());
    }

    @Override
    public void accept(Unit unit, Consumer<SpecificRecord> out) throws MalformedUnitException {
        long n = unit.number();
        if (isBlank(unit)) {
            return;
        }
        JsonNode o = readObject(unit);
        String runId = o.hasNonNull("run_id") ? text(n, o, "run_id") : defaultRunId;
        if (runId == null) {
            throw new MalformedUnitException(n, "no run_id in the line and no --run-id given");
        }
        long step = integer(n, o, "step", null);
        if (step < 0) {
            throw new MalformedUnitException(n, "step must be >= 0, got " + step);
        }
        Double lr = number(n, o, "lr");
        if (lr == null) {
            throw new MalformedUnitException(n, "lr is missing");
        }
        StepMetrics.Builder b = StepMetrics.newBuilder()
                .setRunId(runId)
                .setStep(step)
                .setWallTimeMs(integer(n, o, "wall_time_ms", settings.wallTimeMs(originMs, step)))
                .setTokensSeen(integer(n, o, "tokens_seen", 0L))
                .setLr(lr)
                .setLoss(number(n, o, "loss"))
                .setGradNorm(number(n, o, "grad_norm"))
                .setGradSqNormSmall(number(n, o, "grad_sq_norm_small"))
                .setBatchSmall(optionalInteger(n, o, "batch_small"))
                .setGradSqNormBig(number(n, o, "grad_sq_norm_big"))
                .setBatchBig(optionalInteger(n, o, "batch_big"))
                .setThroughputTokensPerS(number(n, o, "throughput_tokens_per_s"));
        JsonNode groups = o.get("group_lrs");
        if (groups != null && !groups.isNull()) {
            if (!groups.isObject()) {
                throw new MalformedUnitException(n, "group_lrs must be an object of name to number");
            }
            Map<String, Double> g = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : groups.properties()) {
                if (!e.getValue().isNumber()) {
                    throw new MalformedUnitException(n, "group_lrs." + e.getKey() + " is not a number");
                }
                g.put(e.getKey(), e.getValue().doubleValue());
            }
            b.setGroupLrs(g);
        }
        StepMetrics r = b.build();
        Optional<Rejection> bad = validator.validate(r);
        if (bad.isPresent()) {
            throw new MalformedUnitException(n, bad.get().toString());
        }
        out.accept(r);
    }

    static boolean isBlank(Unit unit) {
        for (int i = 0; i < unit.length(); i++) {
            byte c = unit.data()[i];
            if (c != ' ' && c != '\t' && c != '\r') {
                return false;
            }
        }
        return true;
    }

    static JsonNode readObject(Unit unit) throws MalformedUnitException {
        JsonNode o;
        try {
            o = JSON.readTree(unit.data(), 0, unit.length());
        } catch (JsonProcessingException e) {
            throw new MalformedUnitException(unit.number(), "not JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new MalformedUnitException(unit.number(), "not JSON: " + e.getMessage());
        }
        if (o == null || !o.isObject()) {
            throw new MalformedUnitException(unit.number(), "not a JSON object");
        }
        return o;
    }

    static String text(long n, JsonNode o, String field) throws MalformedUnitException {
        JsonNode v = o.get(field);
        if (!v.isTextual()) {
            throw new MalformedUnitException(n, field + " must be a string");
        }
        return v.textValue();
    }

    /** An integral field; {@code dflt} when absent or null, an error when absent and {@code dflt} is null. */
    static long integer(long n, JsonNode o, String field, Long dflt) throws MalformedUnitException {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            if (dflt == null) {
                throw new MalformedUnitException(n, field + " is missing");
            }
            return dflt;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            // 1.0 is accepted: Python's json writes floats for values that went through numpy.
            if (v.isFloatingPointNumber() && v.doubleValue() == Math.rint(v.doubleValue())
                    && Math.abs(v.doubleValue()) < 9.0e15) {
                return (long) v.doubleValue();
            }
            throw new MalformedUnitException(n, field + " must be an integer, got " + abbreviate(v));
        }
        return v.longValue();
    }

    private static Long optionalInteger(long n, JsonNode o, String field) throws MalformedUnitException {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? null : integer(n, o, field, null);
    }

    /** A numeric field or null; NaN and infinities pass through for the validator to name. */
    static Double number(long n, JsonNode o, String field) throws MalformedUnitException {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber()) {
            throw new MalformedUnitException(n, field + " must be a number, got " + abbreviate(v));
        }
        return v.doubleValue();
    }

    static String abbreviate(JsonNode v) {
        return CsvStepParser.abbreviate(v.toString());
    }
}
