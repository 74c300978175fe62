package dev.runlaw.producers.gateway;

import dev.runlaw.producers.AdviceSubscriber;
import dev.runlaw.producers.TelemetryProducer;
import dev.runlaw.schema.validate.RecordValidator;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
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
 *   <tr><td>{@code GET /v1/runs/{run}/alerts?wait_ms=&after=}</td><td>the run's alert events newer than the
 *   cursor {@code after}: {@code {"alerts":[…],"next":n}}; with {@code wait_ms} a long-poll until one exists</td></tr>
 *   <tr><td>{@code GET /v1/runs/{run}/batch-advice?wait_ms=&after=}</td><td>the run's batch-size advice newer
 *   than the cursor {@code after}, the same way: {@code {"batch_advice":[…],"next":n}}</td></tr>
 *   <tr><td>{@code GET /v1/runs/{run}/events}</td><td>server-sent events {@code advice}, {@code forecast},
 *   {@code alert} and {@code batch_advice}</td></tr>
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
 * <h2>Structure</h2>
 * This class wires and runs the server; {@link GatewayRouter} routes and authenticates; one handler per endpoint
 * ({@link RecordsHandler}, {@link AdviceHandler}, {@link ForecastHandler}, {@link RunEventsHandler} for alerts and
 * batch advice, {@link EventsHandler},
 * {@link HealthHandlers}, {@link MetricsHandler}) answers through {@link Replies}; {@link GatewayCommand} is the
 * command line.
 *
 * <h2>Why Jetty</h2>
 * Jetty 12 core (the {@link Handler} API, no servlets): maintained by the Eclipse Foundation with frequent
 * releases, runs on Java 17 (Helidon 4 needs 21), small (three jars), and asynchronous, so long-polls and
 * server-sent event streams hold no thread while they wait.
 */
public final class Gateway implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

    private final GatewayConfig config;
    private final TelemetryProducer producer;
    private final AdviceSubscriber advice;
    private final GatewayMetrics metrics = new GatewayMetrics();
    private final Server server;
    private final ServerConnector connector;

    private Gateway(GatewayConfig config, TelemetryProducer producer, AdviceSubscriber advice) {
        this.config = config;
        this.producer = producer;
        this.advice = advice;
        QueuedThreadPool threads = new QueuedThreadPool(config.maxThreads(), 2);
        threads.setName("runlaw-gateway");
        threads.setDaemon(true);
        this.server = new Server(threads);
        this.connector = new ServerConnector(server, 1, 1);
        connector.setHost(config.host());
        connector.setPort(config.port());
        connector.setIdleTimeout(Math.max(30_000, config.maxAdviceWaitMs() + 5_000));
        server.addConnector(connector);
        Replies replies = new Replies(metrics, config.retryAfterSeconds());
        // Errors Jetty answers itself (header too large, bad request line, ...) come as JSON like every other answer.
        server.setErrorHandler(new ErrorHandler() {
            @Override
            protected void generateResponse(Request request, Response response, int code, String message,
                                            Throwable cause, Callback callback) {
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                String text = Replies.obj().put("error", "http_" + code)
                        .put("message", message == null || message.isBlank() ? "HTTP " + code : message).toString();
                replies.count(code);
                response.write(true, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), callback);
            }
        });
        Map<String, Endpoint> open = Map.of(
                "/healthz", HealthHandlers.liveness(replies),
                "/readyz", HealthHandlers.readiness(replies, producer, config.kafkaStallMs()),
                "/metrics", new MetricsHandler(replies, metrics, producer, advice));
        Map<String, RunEndpoint> runs = null;
        if (advice != null) {
            JsonRecordMapper mapper = new JsonRecordMapper();
            runs = Map.of(
                    "advice", new AdviceHandler(advice, replies, mapper, config.maxAdviceWaitMs()),
                    "forecast", new ForecastHandler(advice, replies, mapper),
                    "alerts", RunEventsHandler.alerts(advice, replies, mapper, config.maxAdviceWaitMs()),
                    "batch-advice", RunEventsHandler.batchAdvice(advice, replies, mapper, config.maxAdviceWaitMs()),
                    "events", new EventsHandler(advice, mapper, metrics, server::getScheduler));
        }
        server.setHandler(new GatewayRouter(config, replies, open,
                new RecordsHandler(config, producer, replies, metrics), runs));
    }

    /** Starts a gateway with its own Kafka producer (and advice subscriber, if enabled). */
    public static Gateway start(GatewayConfig config) {
        TelemetryProducer producer = TelemetryProducer.builder(config.bootstrapServers())
                .properties(config.kafka().asMap())
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
            sub = AdviceSubscriber.builder(config.bootstrapServers()).properties(config.kafka().asMap())
                    .topicPrefix(config.topicPrefix())
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
        return metrics.accepted();
    }

    /** Blocks until the server has stopped (after {@link #close()}, e.g. from a shutdown hook). */
    public void join() throws InterruptedException {
        server.join();
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
}
