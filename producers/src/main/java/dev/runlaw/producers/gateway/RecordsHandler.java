package dev.runlaw.producers.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runlaw.producers.TelemetryProducer;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.Topics;
import dev.runlaw.schema.validate.RecordValidator;
import dev.runlaw.schema.validate.Rejection;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.apache.avro.specific.SpecificRecord;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * {@code POST /v1/records/{kind}}: one JSON object or an array of them (gzip allowed), each mapped to the kind's
 * Avro record and validated; the valid ones go to Kafka all-or-nothing ({@link TelemetryProducer#offer}), the
 * rejected ones are listed with their reason. See {@link Gateway} for the status codes.
 */
final class RecordsHandler {
    private static final int MAX_ERRORS_LISTED = 100;

    private final GatewayConfig config;
    private final TelemetryProducer producer;
    private final Replies replies;
    private final GatewayMetrics metrics;
    private final RecordValidator validator;
    private final JsonRecordMapper mapper = new JsonRecordMapper();
    private final ObjectMapper json;
    private final Map<String, RecordKind> kinds = new TreeMap<>();

    RecordsHandler(GatewayConfig config, TelemetryProducer producer, Replies replies, GatewayMetrics metrics) {
        this.config = config;
        this.producer = producer;
        this.replies = replies;
        this.metrics = metrics;
        this.validator = new RecordValidator(config.limits());
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(config.maxJsonDepth())
                        .maxNumberLength(config.maxNumberChars())
                        .maxStringLength(config.maxStringChars())
                        .maxDocumentLength(config.maxDecodedBytes())
                        .build())
                // Python's json writes NaN/Infinity for a diverged loss; let validation refuse it with its reason.
                .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        this.json = new ObjectMapper(factory).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        for (RecordKind k : RecordKind.values()) {
            kinds.put(k.topic().substring(Topics.NAMESPACE.length()), k);
        }
    }

    /** Handles a POST for the kind named {@code kindName} (the path after {@code /v1/records/}). */
    boolean handle(String kindName, Request request, Response response, Callback callback) {
        RecordKind kind = kinds.get(kindName);
        if (kind == null) {
            return replies.error(response, callback, 404, "unknown_kind",
                    "unknown record kind '" + Replies.clip(kindName) + "'; known: " + kinds.keySet());
        }
        long declared = request.getLength();
        // A body a little over the limit is read and discarded so that a client which does not use
        // "Expect: 100-continue" still sees the 413 instead of a connection reset; a far larger one is not worth
        // receiving, and the connection is closed after the answer.
        long drainLimit = 4L * config.maxBodyBytes();
        if (declared > drainLimit) {
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
            return replies.error(response, callback, 413, "body_too_large",
                    "body of " + declared + " bytes exceeds max-body-bytes=" + config.maxBodyBytes());
        }
        String encoding = request.getHeaders().get(HttpHeader.CONTENT_ENCODING);
        boolean gzip = false;
        if (encoding != null && !encoding.isBlank() && !encoding.equalsIgnoreCase("identity")) {
            if (!encoding.equalsIgnoreCase("gzip")) {
                return replies.error(response, callback, 415, "unsupported_encoding",
                        "Content-Encoding '" + Replies.clip(encoding) + "' not supported; use gzip or none");
            }
            gzip = true;
        }
        byte[] body;
        try (InputStream in = Request.asInputStream(request)) {
            body = readAtMost(in, config.maxBodyBytes());
            if (body == null) {
                if (discardAtMost(in, drainLimit) > drainLimit) {
                    response.getHeaders().put(HttpHeader.CONNECTION, "close");
                }
                return replies.error(response, callback, 413, "body_too_large",
                        "body exceeds max-body-bytes=" + config.maxBodyBytes());
            }
            if (gzip) {
                try (InputStream z = new GZIPInputStream(new ByteArrayInputStream(body))) {
                    body = readAtMost(z, config.maxDecodedBytes());
                } catch (ZipException | EOFException e) {
                    return replies.error(response, callback, 400, "bad_gzip",
                            "body is not valid gzip: " + e.getMessage());
                }
                if (body == null) {
                    return replies.error(response, callback, 413, "body_too_large",
                            "decompressed body exceeds max-decoded-bytes=" + config.maxDecodedBytes());
                }
            }
        } catch (IOException e) {
            return replies.error(response, callback, 400, "bad_body", "could not read the body: " + e.getMessage());
        }
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (StreamConstraintsException e) {
            return replies.error(response, callback, 400, "json_over_limit", firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            return replies.error(response, callback, 400, "malformed_json", firstLine(e.getMessage()));
        }
        if (root == null || root.isMissingNode()) {
            return replies.error(response, callback, 400, "malformed_json", "empty body");
        }
        List<JsonNode> items = new ArrayList<>();
        if (root.isArray()) {
            if (root.size() > config.maxBatchRecords()) {
                return replies.error(response, callback, 413, "too_many_records",
                        root.size() + " records exceed max-batch-records=" + config.maxBatchRecords());
            }
            root.forEach(items::add);
        } else if (root.isObject()) {
            items.add(root);
        } else {
            return replies.error(response, callback, 400, "malformed_json",
                    "body must be a JSON object or an array of objects, got " + JsonRecordMapper.abbreviate(root));
        }
        return offer(kind, items, response, callback);
    }

    /** Maps and validates each item, queues the valid ones for Kafka all-or-nothing, and answers. */
    private boolean offer(RecordKind kind, List<JsonNode> items, Response response, Callback callback) {
        List<SpecificRecord> valid = new ArrayList<>(items.size());
        ArrayNode errors = JsonNodeFactory.instance.arrayNode();
        int rejected = 0;
        for (int i = 0; i < items.size(); i++) {
            String code;
            String message;
            try {
                SpecificRecord r = mapper.toRecord(items.get(i), kind.schema());
                Optional<Rejection> rej = validator.validate(r);
                if (rej.isEmpty()) {
                    valid.add(r);
                    continue;
                }
                code = rej.get().reason().name();
                message = rej.get().message();
            } catch (JsonRecordMapper.MappingException e) {
                code = e.code();
                message = e.getMessage();
            }
            rejected++;
            metrics.rejection(code);
            if (errors.size() < MAX_ERRORS_LISTED) {
                errors.add(Replies.obj().put("index", i).put("reason", code).put("message", message));
            }
        }
        if (!valid.isEmpty()) {
            if (producer.stalledFor().toMillis() > config.kafkaStallMs()) {
                return replies.unavailable(response, callback, 503, "kafka_unavailable",
                        "Kafka has acknowledged nothing for " + producer.stalledFor().toSeconds() + " s");
            }
            TelemetryProducer.Offer offer = producer.offer(valid);
            switch (offer) {
                case FULL -> {
                    return replies.unavailable(response, callback, 429, "backpressure",
                            "the gateway's buffer for Kafka is full; retry later");
                }
                case TOO_LARGE -> {
                    return replies.error(response, callback, 413, "too_many_records",
                            "the records exceed the gateway's whole in-flight budget; send smaller batches");
                }
                case CLOSED -> {
                    return replies.unavailable(response, callback, 503, "shutting_down", "the gateway is stopping");
                }
                case QUEUED -> metrics.accepted(valid.size());
                default -> throw new IllegalStateException(offer.name());
            }
        }
        ObjectNode out = Replies.obj().put("accepted", valid.size()).put("rejected", rejected);
        out.set("errors", errors);
        if (rejected > errors.size()) {
            out.put("errors_truncated", true);
        }
        int status = valid.isEmpty() && rejected > 0 ? 400 : 200;
        return replies.send(response, callback, status, out);
    }

    /** Reads and drops the rest of a stream, stopping after {@code max} bytes; returns the bytes read. */
    private static long discardAtMost(InputStream in, long max) throws IOException {
        byte[] chunk = new byte[16 * 1024];
        long total = 0;
        int n;
        while (total <= max && (n = in.read(chunk)) > 0) {
            total += n;
        }
        return total;
    }

    /** Reads at most {@code max} bytes; null if there were more. */
    private static byte[] readAtMost(InputStream in, int max) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(Math.min(max, 64 * 1024));
        byte[] chunk = new byte[16 * 1024];
        int n;
        long total = 0;
        while ((n = in.read(chunk)) > 0) {
            total += n;
            if (total > max) {
                return null;
            }
            buf.write(chunk, 0, n);
        }
        return buf.toByteArray();
    }

    /** The first line of a parser message (the second is Jackson's source location), at most 200 chars. */
    private static String firstLine(String s) {
        if (s == null || s.isBlank()) {
            return "unreadable JSON";
        }
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 200 ? line.substring(0, 200) + "…" : line;
    }
}
