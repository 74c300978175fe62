package dev.runlaw.producers.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runlaw.producers.AdviceSubscriber;
import dev.runlaw.producers.TelemetryProducer;
import dev.runlaw.schema.Advice;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.RunForecast;
import dev.runlaw.schema.Topics;
import dev.runlaw.schema.validate.RecordValidator;
import dev.runlaw.schema.validate.Rejection;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP gateway for trainers that are not on the JVM (PyTorch, Megatron-LM, torchtitan): telemetry as JSON in,
 * validated Avro records to Kafka out, and the forecast job's advice back.
 *
 * <h2>Endpoints</h2>
 * <table>
 *   <caption>endpoints</caption>
 *   <tr><td>{@code POST /v1/records/{kind}}</td><td>one JSON object or an array of them; {@code kind} is the topic
 *   suffix: {@code run-started}, {@code run-finished}, {@code step-metrics}, {@code eval-metrics},
 *   {@code expert-load}, {@code routing-traces}, {@code data-movement}. {@code Content-Encoding: gzip} allowed.
 *   Answer: {@code {"accepted":n,"rejected":m,"errors":[{"index":i,"reason":"…","message":"…"}]}}</td></tr>
 *   <tr><td>{@code GET /v1/runs/{run}/advice?wait_ms=&after_seq=}</td><td>latest advice; with {@code wait_ms} a
 *   long-poll until advice with {@code seq > after_seq} exists (204 when none came)</td></tr>
 *   <tr><td>{@code GET /v1/runs/{run}/forecast}</td><td>latest forecast (404 when none)</td></tr>
 *   <tr><td>{@code GET /v1/runs/{run}/events}</td><td>server-sent events {@code advice} and {@code forecast}</td></tr>
 *   <tr><td>{@code GET /healthz}, {@code /readyz}, {@code /metrics}</td><td>liveness; readiness (503 while Kafka
 *   is stalled); Prometheus text metrics. No token needed.</td></tr>
 * </table>
 *
 * <h2>Status codes</h2>
 * 200 at least one record accepted (rejected ones listed); 400 malformed JSON, JSON over a nesting/number/string
 * limit, or every record rejected; 401 missing or unknown bearer token; 404 unknown path or kind; 405 wrong method;
 * 413 body, decompressed body or record count over its limit; 415 an encoding other than gzip; 429 the in-flight
 * budget for Kafka is full; 503 Kafka has not acknowledged anything for {@code kafka-stall-ms}. 429 and 503 carry
 * {@code Retry-After}; nothing of such a request was queued, so resending it cannot duplicate records.
 *
 * <h2>Delivery</h2>
 * Records are validated with {@link RecordValidator} (the ingest job's rules and limits), encoded to Avro and
 * handed to a {@link TelemetryProducer} all-or-nothing per request ({@link TelemetryProducer#offer}). "Accepted"
 * means held by the gateway for Kafka: the idempotent producer delivers it exactly once unless Kafka stays away
 * longer than {@code delivery-timeout-ms} or the gateway process dies. Memory is bounded by
 * {@code max-in-flight-bytes}; when it is used up the gateway answers 429 instead of buffering more.
 *
 * <h2>Why Jetty</h2>
 * Jetty 12 core (the {@link Handler} API, no servlets): maintained by the Eclipse Foundation with frequent
 * releases, runs on Java 17 (Helidon 4 needs 21), small (three jars), and asynchronous, so long-polls and
 * server-sent event streams hold no thread while they wait.
 */
public final class Gateway implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
    private static final String RECORDS = "/v1/records/";
    private static final String RUNS = "/v1/runs/";
    private static final int MAX_ERRORS_LISTED = 100;
    private static final long SSE_KEEPALIVE_MS = 10_000;

    private final GatewayConfig config;
    private final TelemetryProducer producer;
    private final AdviceSubscriber advice;
    private final RecordValidator validator;
    private final JsonRecordMapper mapper = new JsonRecordMapper();
    private final ObjectMapper json;
    private final Map<String, RecordKind> kinds = new TreeMap<>();
    private final Server server;
    private final ServerConnector connector;

    private final ConcurrentHashMap<String, LongAdder> responses = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> rejections = new ConcurrentHashMap<>();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong sseClients = new AtomicLong();

    private Gateway(GatewayConfig config, TelemetryProducer producer, AdviceSubscriber advice) {
        this.config = config;
        this.producer = producer;
        this.advice = advice;
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
        QueuedThreadPool threads = new QueuedThreadPool(config.maxThreads(), 2);
        threads.setName("runlaw-gateway");
        threads.setDaemon(true);
        this.server = new Server(threads);
        this.connector = new ServerConnector(server, 1, 1);
        connector.setHost(config.host());
        connector.setPort(config.port());
        connector.setIdleTimeout(Math.max(30_000, config.maxAdviceWaitMs() + 5_000));
        server.addConnector(connector);
        // Errors Jetty answers itself (header too large, bad request line, ...) come as JSON like every other answer.
        server.setErrorHandler(new ErrorHandler() {
            @Override
            protected void generateResponse(Request request, Response response, int code, String message,
                                            Throwable cause, Callback callback) {
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                String text = obj().put("error", "http_" + code)
                        .put("message", message == null || message.isBlank() ? "HTTP " + code : message).toString();
                count(code);
                response.write(true, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), callback);
            }
        });
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                return route(request, response, callback);
            }
        });
    }

    /** Starts a gateway with its own Kafka producer (and advice subscriber, if enabled). */
    public static Gateway start(GatewayConfig config) {
        TelemetryProducer producer = TelemetryProducer.builder(config.bootstrapServers())
                .topicPrefix(config.topicPrefix())
                .limits(config.limits())
                .maxInFlightBytes(config.maxInFlightBytes())
                .property(ProducerConfig.BUFFER_MEMORY_CONFIG, config.maxInFlightBytes() + (8L << 20))
                .property(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE,
                        config.deliveryTimeoutMs()))
                .property(ProducerConfig.CLIENT_ID_CONFIG, "runlaw-gateway")
                // Only the producer's I/O thread waits here, never an HTTP request (those see 429/503 through the
                // in-flight budget and the stall check). A short wait would fail accepted records whenever topic
                // metadata is briefly missing, e.g. while a restarted broker loads its partitions.
                .property(ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000)
                .build();
        // With topic metadata cached, records accepted while the brokers are away wait in Kafka's buffer instead
        // of failing after max.block.ms.
        // Each missing topic can take max.block.ms; wait at most 10 s here and let the rest finish in the background.
        Thread warmUp = new Thread(() -> {
            List<String> missing = producer.warmUpTopics();
            if (!missing.isEmpty()) {
                LOG.warn("no metadata for topics {}: do they exist? Records for them wait for Kafka", missing);
            }
        }, "runlaw-gateway-warm-up");
        warmUp.setDaemon(true);
        warmUp.start();
        try {
            warmUp.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        AdviceSubscriber sub = null;
        if (config.advice()) {
            sub = AdviceSubscriber.builder(config.bootstrapServers()).topicPrefix(config.topicPrefix())
                    .maxRuns(config.adviceMaxRuns()).start();
        }
        Gateway g = new Gateway(config, producer, sub);
        try {
            g.server.start();
        } catch (Exception e) {
            g.close();
            throw new IllegalStateException("cannot start the gateway on " + config.host() + ":" + config.port(), e);
        }
        LOG.info("runlaw gateway listening on {} ({})", g.baseUrl(), config);
        return g;
    }

    /** {@code http://host:port} the gateway listens on. */
    public String baseUrl() {
        return "http://" + config.host() + ":" + connector.getLocalPort();
    }

    /** The port the gateway listens on (useful with port 0). */
    public int port() {
        return connector.getLocalPort();
    }

    /** The producer's delivery counters. */
    public TelemetryProducer.Counters producerCounters() {
        return producer.counters();
    }

    /** Records accepted from clients so far. */
    public long acceptedRecords() {
        return accepted.get();
    }

    /** Stops accepting requests, then flushes and closes the producer (waiting up to 30 s for Kafka). */
    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("stopping the HTTP server: {}", e.toString());
        }
        producer.close();
        if (advice != null) {
            advice.close();
        }
    }

    /** Runs a gateway until the process is stopped; flags as in {@link GatewayConfig#fromArgs}. */
    public static void main(String[] args) throws InterruptedException {
        GatewayConfig config;
        try {
            config = GatewayConfig.fromArgs(args, System.getenv());
        } catch (IllegalArgumentException | UncheckedIOException e) {
            System.err.println("runlaw gateway: " + e.getMessage());
            System.exit(2);
            return;
        }
        Gateway g = start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(g::close, "runlaw-gateway-shutdown"));
        System.out.println("runlaw gateway listening on " + g.baseUrl());
        g.server.join();
    }

    // ---------------------------------------------------------------- routing

    private boolean route(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        try {
            switch (path) {
                case "/healthz" -> {
                    return send(response, callback, 200, obj().put("status", "up"));
                }
                case "/readyz" -> {
                    return ready(response, callback);
                }
                case "/metrics" -> {
                    return metrics(response, callback);
                }
                default -> {
                    // fall through to the authenticated API
                }
            }
            if (!path.startsWith(RECORDS) && !path.startsWith(RUNS)) {
                return error(response, callback, 404, "not_found", "no such endpoint: " + path);
            }
            if (!config.authDisabled()
                    && !config.tokens().acceptsHeader(request.getHeaders().get(HttpHeader.AUTHORIZATION))) {
                response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"runlaw\"");
                return error(response, callback, 401, "unauthorized",
                        "missing or unknown bearer token (header Authorization: Bearer <token>)");
            }
            if (path.startsWith(RECORDS)) {
                if (!method.equals("POST")) {
                    response.getHeaders().put(HttpHeader.ALLOW, "POST");
                    return error(response, callback, 405, "method_not_allowed", "use POST for " + path);
                }
                return records(path.substring(RECORDS.length()), request, response, callback);
            }
            if (!method.equals("GET")) {
                response.getHeaders().put(HttpHeader.ALLOW, "GET");
                return error(response, callback, 405, "method_not_allowed", "use GET for " + path);
            }
            return runs(path.substring(RUNS.length()), request, response, callback);
        } catch (RuntimeException e) {
            // A bug must cost one request, not the server; the client gets a 500 it can report.
            LOG.error("gateway request {} {} failed", method, path, e);
            return error(response, callback, 500, "internal_error", e.getClass().getSimpleName());
        }
    }

    // ---------------------------------------------------------------- records

    private boolean records(String kindName, Request request, Response response, Callback callback) {
        RecordKind kind = kinds.get(kindName);
        if (kind == null) {
            return error(response, callback, 404, "unknown_kind",
                    "unknown record kind '" + clip(kindName) + "'; known: " + kinds.keySet());
        }
        long declared = request.getLength();
        // A body a little over the limit is read and discarded so that a client which does not use
        // "Expect: 100-continue" still sees the 413 instead of a connection reset; a far larger one is not worth
        // receiving, and the connection is closed after the answer.
        long drainLimit = 4L * config.maxBodyBytes();
        if (declared > drainLimit) {
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
            return error(response, callback, 413, "body_too_large",
                    "body of " + declared + " bytes exceeds max-body-bytes=" + config.maxBodyBytes());
        }
        String encoding = request.getHeaders().get(HttpHeader.CONTENT_ENCODING);
        boolean gzip = false;
        if (encoding != null && !encoding.isBlank() && !encoding.equalsIgnoreCase("identity")) {
            if (!encoding.equalsIgnoreCase("gzip")) {
                return error(response, callback, 415, "unsupported_encoding",
                        "Content-Encoding '" + clip(encoding) + "' not supported; use gzip or none");
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
                return error(response, callback, 413, "body_too_large",
                        "body exceeds max-body-bytes=" + config.maxBodyBytes());
            }
            if (gzip) {
                try (InputStream z = new GZIPInputStream(new java.io.ByteArrayInputStream(body))) {
                    body = readAtMost(z, config.maxDecodedBytes());
                } catch (ZipException | java.io.EOFException e) {
                    return error(response, callback, 400, "bad_gzip", "body is not valid gzip: " + e.getMessage());
                }
                if (body == null) {
                    return error(response, callback, 413, "body_too_large",
                            "decompressed body exceeds max-decoded-bytes=" + config.maxDecodedBytes());
                }
            }
        } catch (IOException e) {
            return error(response, callback, 400, "bad_body", "could not read the body: " + e.getMessage());
        }
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (StreamConstraintsException e) {
            return error(response, callback, 400, "json_over_limit", firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            return error(response, callback, 400, "malformed_json", firstLine(e.getMessage()));
        }
        if (root == null || root.isMissingNode()) {
            return error(response, callback, 400, "malformed_json", "empty body");
        }
        List<JsonNode> items = new ArrayList<>();
        if (root.isArray()) {
            if (root.size() > config.maxBatchRecords()) {
                return error(response, callback, 413, "too_many_records",
                        root.size() + " records exceed max-batch-records=" + config.maxBatchRecords());
            }
            root.forEach(items::add);
        } else if (root.isObject()) {
            items.add(root);
        } else {
            return error(response, callback, 400, "malformed_json",
                    "body must be a JSON object or an array of objects, got " + JsonRecordMapper.abbreviate(root));
        }

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
            rejections.computeIfAbsent(code, c -> new LongAdder()).increment();
            if (errors.size() < MAX_ERRORS_LISTED) {
                errors.add(obj().put("index", i).put("reason", code).put("message", message));
            }
        }
        if (!valid.isEmpty()) {
            if (producer.stalledFor().toMillis() > config.kafkaStallMs()) {
                return unavailable(response, callback, 503, "kafka_unavailable",
                        "Kafka has acknowledged nothing for " + producer.stalledFor().toSeconds() + " s");
            }
            TelemetryProducer.Offer offer = producer.offer(valid);
            switch (offer) {
                case FULL -> {
                    return unavailable(response, callback, 429, "backpressure",
                            "the gateway's buffer for Kafka is full; retry later");
                }
                case TOO_LARGE -> {
                    return error(response, callback, 413, "too_many_records",
                            "the records exceed the gateway's whole in-flight budget; send smaller batches");
                }
                case CLOSED -> {
                    return unavailable(response, callback, 503, "shutting_down", "the gateway is stopping");
                }
                case QUEUED -> accepted.addAndGet(valid.size());
                default -> throw new IllegalStateException(offer.name());
            }
        }
        ObjectNode out = obj().put("accepted", valid.size()).put("rejected", rejected);
        out.set("errors", errors);
        if (rejected > errors.size()) {
            out.put("errors_truncated", true);
        }
        int status = valid.isEmpty() && rejected > 0 ? 400 : 200;
        return send(response, callback, status, out);
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

    // ---------------------------------------------------------------- advice

    private boolean runs(String rest, Request request, Response response, Callback callback) {
        if (advice == null) {
            return error(response, callback, 404, "advice_disabled", "this gateway does not serve advice");
        }
        int slash = rest.lastIndexOf('/');
        if (slash <= 0) {
            return error(response, callback, 404, "not_found", "use /v1/runs/{run}/advice|forecast|events");
        }
        String run = rest.substring(0, slash);
        String what = rest.substring(slash + 1);
        Fields q = Request.extractQueryParameters(request);
        switch (what) {
            case "advice" -> {
                long waitMs;
                int afterSeq;
                try {
                    waitMs = Long.parseLong(q.getValue("wait_ms") == null ? "0" : q.getValue("wait_ms"));
                    afterSeq = Integer.parseInt(q.getValue("after_seq") == null ? "0" : q.getValue("after_seq"));
                } catch (NumberFormatException e) {
                    return error(response, callback, 400, "bad_parameter", "wait_ms and after_seq must be integers");
                }
                if (waitMs < 0 || waitMs > config.maxAdviceWaitMs()) {
                    return error(response, callback, 400, "bad_parameter",
                            "wait_ms must be within 0.." + config.maxAdviceWaitMs());
                }
                CompletableFuture<Advice> next = advice.nextAdvice(run, afterSeq);
                if (waitMs == 0 || next.isDone()) {
                    Advice a = next.getNow(null);
                    next.cancel(false);
                    return a == null ? sendEmpty(response, callback, 204) : send(response, callback, 200,
                            mapper.toJson(a));
                }
                // Long-poll without holding a thread: the response completes from the subscriber or the timer.
                next.orTimeout(waitMs, TimeUnit.MILLISECONDS).whenComplete((a, e) -> {
                    if (a != null) {
                        send(response, callback, 200, mapper.toJson(a));
                    } else if (e instanceof TimeoutException) {
                        sendEmpty(response, callback, 204);
                    } else {
                        error(response, callback, 503, "advice_unavailable", "the gateway is stopping");
                    }
                });
                return true;
            }
            case "forecast" -> {
                Optional<RunForecast> f = advice.latestForecast(run);
                return f.isPresent() ? send(response, callback, 200, mapper.toJson(f.get()))
                        : error(response, callback, 404, "no_forecast", "no forecast for run '" + clip(run) + "' yet");
            }
            case "events" -> {
                return events(run, request, response, callback);
            }
            default -> {
                return error(response, callback, 404, "not_found", "use /v1/runs/{run}/advice|forecast|events");
            }
        }
    }

    /**
     * Server-sent events: the run's latest advice and forecast at once, then every newer one, and a comment line
     * every {@value #SSE_KEEPALIVE_MS} ms so proxies and idle timeouts keep the stream open. Jetty allows one
     * pending write per response, so events queue here and are written one after another.
     */
    private boolean events(String run, Request request, Response response, Callback callback) {
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
        SseStream stream = new SseStream(response, callback);
        AutoCloseable registration = advice.addListener(new AdviceSubscriber.Listener() {
            @Override
            public void onAdvice(Advice a) {
                if (a.getRunId().equals(run)) {
                    stream.event("advice", mapper.toJson(a).toString());
                }
            }

            @Override
            public void onForecast(RunForecast f) {
                if (f.getRunId().equals(run)) {
                    stream.event("forecast", mapper.toJson(f).toString());
                }
            }
        });
        sseClients.incrementAndGet();
        Scheduler scheduler = server.getScheduler();
        Runnable[] keepAlive = new Runnable[1];
        keepAlive[0] = () -> {
            if (stream.comment("keep-alive")) {
                scheduler.schedule(keepAlive[0], SSE_KEEPALIVE_MS, TimeUnit.MILLISECONDS);
            }
        };
        stream.onEnd = () -> {
            sseClients.decrementAndGet();
            try {
                registration.close();
            } catch (Exception ignored) {
                // removing a listener cannot fail
            }
        };
        advice.latestForecast(run).ifPresent(f -> stream.event("forecast", mapper.toJson(f).toString()));
        advice.latestAdvice(run).ifPresent(a -> stream.event("advice", mapper.toJson(a).toString()));
        stream.comment("subscribed to " + run);
        scheduler.schedule(keepAlive[0], SSE_KEEPALIVE_MS, TimeUnit.MILLISECONDS);
        return true;
    }

    /** One SSE response: a queue of frames written one at a time; ends on the first failed write. */
    private static final class SseStream {
        private final Response response;
        private final Callback done;
        private final ArrayDeque<String> frames = new ArrayDeque<>();
        private boolean writing;
        private boolean ended;
        Runnable onEnd = () -> { };

        SseStream(Response response, Callback done) {
            this.response = response;
            this.done = done;
        }

        void event(String name, String data) {
            offer("event: " + name + "\ndata: " + data + "\n\n");
        }

        boolean comment(String text) {
            return offer(": " + text + "\n\n");
        }

        private boolean offer(String frame) {
            String next;
            synchronized (this) {
                if (ended) {
                    return false;
                }
                if (frames.size() > 1000) {
                    return true; // a client this slow gets the newest state at the next event; do not grow
                }
                frames.add(frame);
                if (writing) {
                    return true;
                }
                writing = true;
                next = frames.poll();
            }
            write(next);
            return true;
        }

        private void write(String frame) {
            response.write(false, ByteBuffer.wrap(frame.getBytes(StandardCharsets.UTF_8)), new Callback() {
                @Override
                public void succeeded() {
                    String next;
                    synchronized (SseStream.this) {
                        next = frames.poll();
                        if (next == null) {
                            writing = false;
                            return;
                        }
                    }
                    write(next);
                }

                @Override
                public void failed(Throwable x) {
                    synchronized (SseStream.this) {
                        if (ended) {
                            return;
                        }
                        ended = true;
                        frames.clear();
                    }
                    onEnd.run();
                    done.failed(x);
                }
            });
        }
    }

    // ---------------------------------------------------------------- health and metrics

    private boolean ready(Response response, Callback callback) {
        Duration stalled = producer.stalledFor();
        if (stalled.toMillis() > config.kafkaStallMs()) {
            return send(response, callback, 503, obj().put("status", "kafka_unavailable")
                    .put("stalled_ms", stalled.toMillis()));
        }
        return send(response, callback, 200, obj().put("status", "ready"));
    }

    private boolean metrics(Response response, Callback callback) {
        StringBuilder b = new StringBuilder(2048);
        TelemetryProducer.Counters c = producer.counters();
        b.append("# TYPE runlaw_gateway_responses_total counter\n");
        new TreeMap<>(responses).forEach((code, n) ->
                b.append("runlaw_gateway_responses_total{code=\"").append(code).append("\"} ").append(n.sum())
                        .append('\n'));
        b.append("# TYPE runlaw_gateway_records_accepted_total counter\n")
                .append("runlaw_gateway_records_accepted_total ").append(accepted.get()).append('\n');
        b.append("# TYPE runlaw_gateway_records_rejected_total counter\n");
        new TreeMap<>(rejections).forEach((reason, n) ->
                b.append("runlaw_gateway_records_rejected_total{reason=\"").append(reason).append("\"} ")
                        .append(n.sum()).append('\n'));
        b.append("# TYPE runlaw_gateway_kafka_acked_total counter\n")
                .append("runlaw_gateway_kafka_acked_total ").append(c.acked()).append('\n');
        b.append("# TYPE runlaw_gateway_kafka_failed_total counter\n")
                .append("runlaw_gateway_kafka_failed_total ").append(c.failed()).append('\n');
        b.append("# TYPE runlaw_gateway_in_flight_bytes gauge\n")
                .append("runlaw_gateway_in_flight_bytes ").append(producer.inFlightBytes()).append('\n');
        b.append("# TYPE runlaw_gateway_kafka_stalled_seconds gauge\n")
                .append("runlaw_gateway_kafka_stalled_seconds ")
                .append(producer.stalledFor().toMillis() / 1000.0).append('\n');
        b.append("# TYPE runlaw_gateway_sse_clients gauge\n")
                .append("runlaw_gateway_sse_clients ").append(sseClients.get()).append('\n');
        if (advice != null) {
            b.append("# TYPE runlaw_gateway_advice_runs gauge\n")
                    .append("runlaw_gateway_advice_runs ").append(advice.runsWithAdvice()).append('\n');
        }
        count(200);
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
        Content.Sink.write(response, true, b.toString(), callback);
        return true;
    }

    // ---------------------------------------------------------------- responses

    private boolean unavailable(Response response, Callback callback, int status, String code, String message) {
        response.getHeaders().put(HttpHeader.RETRY_AFTER, String.valueOf(config.retryAfterSeconds()));
        return error(response, callback, status, code, message);
    }

    private boolean error(Response response, Callback callback, int status, String code, String message) {
        return send(response, callback, status, obj().put("error", code).put("message", message));
    }

    private boolean send(Response response, Callback callback, int status, ObjectNode body) {
        count(status);
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        Content.Sink.write(response, true, body.toString(), callback);
        return true;
    }

    private boolean sendEmpty(Response response, Callback callback, int status) {
        count(status);
        response.setStatus(status);
        response.write(true, null, callback);
        return true;
    }

    private void count(int status) {
        responses.computeIfAbsent(String.valueOf(status), s -> new LongAdder()).increment();
    }

    private static ObjectNode obj() {
        return JsonNodeFactory.instance.objectNode();
    }

    private static String clip(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "…" : s;
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
