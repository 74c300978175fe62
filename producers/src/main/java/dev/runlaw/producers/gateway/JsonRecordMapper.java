package dev.runlaw.producers.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * Maps JSON telemetry to the Avro-generated record classes and back, driven by the Avro schema, so every record
 * kind (and every later schema version) is covered by one set of rules instead of one hand-written mapper per kind.
 *
 * <p>JSON field names are the Avro field names (snake_case). Rules, all strict so a typo is an error rather than
 * a silently missing value:
 * <ul>
 *   <li>an unknown field is an error ({@code UNKNOWN_FIELD}); a missing field takes its schema default, and is an
 *       error ({@code MISSING_FIELD}) when it has none;</li>
 *   <li>{@code long}/{@code int} need an integral JSON number in range ({@code 3.0} is refused: a step is never
 *       fractional); {@code double}/{@code float} take any number, and the tokens {@code NaN}, {@code Infinity},
 *       {@code -Infinity} (Python's {@code json} writes them), which validation then refuses with its own
 *       reason;</li>
 *   <li>strings must be JSON strings; enums take their symbol, case-insensitively; {@code ["null", T]} takes
 *       {@code null} or a T;</li>
 *   <li>any other mismatch is {@code WRONG_TYPE}. Messages name the field path, e.g. {@code tokens[3].layer}.</li>
 * </ul>
 * Stateless and thread-safe.
 */
public final class JsonRecordMapper {
    private static final ObjectMapper DEFAULTS = new ObjectMapper();
    private final SpecificData data = SpecificData.get();

    /** A JSON value that does not fit the schema; {@link #code()} is a stable machine-readable reason. */
    public static final class MappingException extends Exception {
        private final String code;

        MappingException(String code, String message) {
            super(message, null, false, false);
            this.code = code;
        }

        /** {@code WRONG_TYPE}, {@code MISSING_FIELD}, {@code UNKNOWN_FIELD} or {@code OUT_OF_RANGE}. */
        public String code() {
            return code;
        }
    }

    /** Converts one JSON object to an instance of the generated class of {@code schema}. */
    public SpecificRecord toRecord(JsonNode json, Schema schema) throws MappingException {
        return (SpecificRecord) convert(json, schema, "");
    }

    private Object convert(JsonNode node, Schema schema, String path) throws MappingException {
        switch (schema.getType()) {
            case RECORD:
                return record(node, schema, path);
            case UNION:
                return union(node, schema, path);
            case ARRAY: {
                if (!node.isArray()) {
                    throw wrong(path, "an array", node);
                }
                List<Object> list = new ArrayList<>(node.size());
                for (int i = 0; i < node.size(); i++) {
                    list.add(convert(node.get(i), schema.getElementType(), path + "[" + i + "]"));
                }
                return list;
            }
            case MAP: {
                if (!node.isObject()) {
                    throw wrong(path, "an object", node);
                }
                Map<String, Object> map = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    map.put(e.getKey(), convert(e.getValue(), schema.getValueType(), path + "." + e.getKey()));
                }
                return map;
            }
            case ENUM: {
                if (!node.isTextual()) {
                    throw wrong(path, "one of " + schema.getEnumSymbols(), node);
                }
                String symbol = node.textValue().toUpperCase(Locale.ROOT);
                if (!schema.hasEnumSymbol(symbol)) {
                    throw new MappingException("WRONG_TYPE", name(path) + " must be one of " + schema.getEnumSymbols()
                            + ", got " + abbreviate(node));
                }
                return data.createEnum(symbol, schema);
            }
            case STRING:
                if (!node.isTextual()) {
                    throw wrong(path, "a string", node);
                }
                return node.textValue();
            case LONG:
                if (!node.isIntegralNumber()) {
                    throw wrong(path, "an integer", node);
                }
                if (!node.canConvertToLong()) {
                    throw new MappingException("OUT_OF_RANGE", name(path) + " does not fit a 64-bit integer: "
                            + abbreviate(node));
                }
                return node.longValue();
            case INT:
                if (!node.isIntegralNumber()) {
                    throw wrong(path, "an integer", node);
                }
                if (!node.canConvertToInt()) {
                    throw new MappingException("OUT_OF_RANGE", name(path) + " does not fit a 32-bit integer: "
                            + abbreviate(node));
                }
                return node.intValue();
            case DOUBLE:
                if (!node.isNumber()) {
                    throw wrong(path, "a number", node);
                }
                return node.doubleValue();
            case FLOAT:
                if (!node.isNumber()) {
                    throw wrong(path, "a number", node);
                }
                return node.floatValue();
            case BOOLEAN:
                if (!node.isBoolean()) {
                    throw wrong(path, "true or false", node);
                }
                return node.booleanValue();
            case NULL:
                if (!node.isNull()) {
                    throw wrong(path, "null", node);
                }
                return null;
            default:
                // BYTES and FIXED: no telemetry field uses them, and JSON has no natural form for them.
                throw new MappingException("WRONG_TYPE", name(path) + ": type " + schema.getType()
                        + " is not accepted as JSON");
        }
    }

    private Object record(JsonNode node, Schema schema, String path) throws MappingException {
        if (!node.isObject()) {
            throw wrong(path, "an object", node);
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (schema.getField(f) == null) {
                throw new MappingException("UNKNOWN_FIELD", "unknown field " + join(path, f) + " (a "
                        + schema.getName() + " has " + fieldNames(schema) + ")");
            }
        }
        IndexedRecord rec = (IndexedRecord) data.newRecord(null, schema);
        for (Schema.Field f : schema.getFields()) {
            JsonNode v = node.get(f.name());
            String p = join(path, f.name());
            if (v == null) {
                if (!f.hasDefaultValue()) {
                    throw new MappingException("MISSING_FIELD", "missing required field " + p);
                }
                rec.put(f.pos(), convert(defaultOf(f), f.schema(), p));
            } else {
                rec.put(f.pos(), convert(v, f.schema(), p));
            }
        }
        return rec;
    }

    private Object union(JsonNode node, Schema schema, String path) throws MappingException {
        List<Schema> branches = schema.getTypes();
        if (node.isNull()) {
            for (Schema b : branches) {
                if (b.getType() == Schema.Type.NULL) {
                    return null;
                }
            }
            throw wrong(path, "a value (not null)", node);
        }
        MappingException first = null;
        for (Schema b : branches) {
            if (b.getType() == Schema.Type.NULL) {
                continue;
            }
            try {
                return convert(node, b, path);
            } catch (MappingException e) {
                first = first == null ? e : first;
            }
        }
        throw first != null ? first : wrong(path, "null", node);
    }

    /** The schema default as a JSON tree, so defaults go through the same conversion as given values. */
    private static JsonNode defaultOf(Schema.Field f) {
        Object d = f.defaultVal();
        if (d == null || d == JsonProperties.NULL_VALUE) {
            return JsonNodeFactory.instance.nullNode();
        }
        return DEFAULTS.valueToTree(d);
    }

    /** Converts an Avro record (generated or generic) to JSON with the same field names and plain unions. */
    public ObjectNode toJson(IndexedRecord record) {
        return (ObjectNode) write(record, record.getSchema());
    }

    private JsonNode write(Object value, Schema schema) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (value == null) {
            return f.nullNode();
        }
        switch (schema.getType()) {
            case RECORD: {
                IndexedRecord r = (IndexedRecord) value;
                ObjectNode o = f.objectNode();
                for (Schema.Field field : schema.getFields()) {
                    o.set(field.name(), write(r.get(field.pos()), field.schema()));
                }
                return o;
            }
            case UNION:
                return write(value, schema.getTypes().get(data.resolveUnion(schema, value)));
            case ARRAY: {
                ArrayNode a = f.arrayNode();
                for (Object item : (Collection<?>) value) {
                    a.add(write(item, schema.getElementType()));
                }
                return a;
            }
            case MAP: {
                ObjectNode o = f.objectNode();
                for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
                    o.set(e.getKey().toString(), write(e.getValue(), schema.getValueType()));
                }
                return o;
            }
            case ENUM:
                return f.textNode(value instanceof GenericEnumSymbol<?> g ? g.toString() : ((Enum<?>) value).name());
            case LONG:
                return f.numberNode((Long) value);
            case INT:
                return f.numberNode((Integer) value);
            case DOUBLE:
                return f.numberNode((Double) value);
            case FLOAT:
                return f.numberNode((Float) value);
            case BOOLEAN:
                return f.booleanNode((Boolean) value);
            case BYTES:
                return f.binaryNode(((ByteBuffer) value).array());
            default:
                return f.textNode(value.toString());
        }
    }

    private static MappingException wrong(String path, String expected, JsonNode got) {
        return new MappingException("WRONG_TYPE", name(path) + " must be " + expected + ", got " + abbreviate(got));
    }

    private static String name(String path) {
        return path.isEmpty() ? "the record" : path;
    }

    private static String join(String path, String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    private static List<String> fieldNames(Schema schema) {
        return schema.getFields().stream().map(Schema.Field::name).toList();
    }

    /** A short rendering of a bad value for an error message (never echo a megabyte back). */
    static String abbreviate(JsonNode node) {
        String kind = node.getNodeType().name().toLowerCase(Locale.ROOT);
        String text = node.isContainerNode() ? kind : node.toString();
        return text.length() > 40 ? text.substring(0, 40) + "…" : text;
    }
}
