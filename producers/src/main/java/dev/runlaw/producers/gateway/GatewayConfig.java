package dev.runlaw.producers.gateway;

import dev.runlaw.schema.config.KafkaClientProperties;
import dev.runlaw.schema.validate.Limits;
import java.util.Map;

/**
 * Immutable configuration of the {@link Gateway}; see {@link #fromArgs} for the flags and {@code producers/README.md}
 * for the table with defaults.
 *
 * @param host                interface to listen on; {@code 127.0.0.1} unless exposed on purpose
 * @param port                TCP port; 0 picks a free one
 * @param bootstrapServers    Kafka {@code host:port[,...]}
 * @param topicPrefix         prepended to every topic, as in the ingest job
 * @param tokens              accepted bearer tokens
 * @param authDisabled        accept requests without a token (local experiments only)
 * @param maxBodyBytes        most bytes of a request body as sent (compressed or not); larger gets 413
 * @param maxDecodedBytes     most bytes of a gzip request body once decompressed; larger gets 413
 * @param maxBatchRecords     most records in one request; more gets 413
 * @param maxJsonDepth        most nesting of JSON arrays and objects; deeper gets 400
 * @param maxNumberChars      longest JSON number literal; longer gets 400
 * @param maxStringChars      longest JSON string; longer gets 400
 * @param maxInFlightBytes    encoded bytes the gateway holds for Kafka; beyond it requests get 429
 * @param kafkaStallMs        records in flight this long without an ack means Kafka is unavailable: 503
 * @param retryAfterSeconds   the Retry-After value sent with 429 and 503
 * @param deliveryTimeoutMs   Kafka {@code delivery.timeout.ms}: how long an accepted record may wait for Kafka
 * @param limits              record limits, the same {@code limits.*} keys as the ingest job
 * @param advice              serve advice and forecasts (consumes {@code runlaw.advice} and {@code runlaw.forecasts})
 * @param maxAdviceWaitMs     longest long-poll a client may ask for
 * @param adviceMaxRuns       runs whose latest advice and forecast are kept in memory
 * @param maxThreads          Jetty worker threads
 * @param kafka               Kafka client properties (security and the like) for the gateway's producer and advice
 *                            consumer
 */
public record GatewayConfig(String host, int port, String bootstrapServers, String topicPrefix, BearerTokens tokens,
                            boolean authDisabled, int maxBodyBytes, int maxDecodedBytes, int maxBatchRecords,
                            int maxJsonDepth, int maxNumberChars, int maxStringChars, long maxInFlightBytes,
                            long kafkaStallMs, int retryAfterSeconds, long deliveryTimeoutMs, Limits limits,
                            boolean advice, long maxAdviceWaitMs, int adviceMaxRuns, int maxThreads,
                            KafkaClientProperties kafka) {

    /** Environment variable holding comma-separated tokens. */
    public static final String TOKENS_ENV = "RUNLAW_GATEWAY_TOKENS";

    /** A configuration without Kafka client properties (the constructor before they existed). */
    public GatewayConfig(String host, int port, String bootstrapServers, String topicPrefix, BearerTokens tokens,
                         boolean authDisabled, int maxBodyBytes, int maxDecodedBytes, int maxBatchRecords,
                         int maxJsonDepth, int maxNumberChars, int maxStringChars, long maxInFlightBytes,
                         long kafkaStallMs, int retryAfterSeconds, long deliveryTimeoutMs, Limits limits,
                         boolean advice, long maxAdviceWaitMs, int adviceMaxRuns, int maxThreads) {
        this(host, port, bootstrapServers, topicPrefix, tokens, authDisabled, maxBodyBytes, maxDecodedBytes,
                maxBatchRecords, maxJsonDepth, maxNumberChars, maxStringChars, maxInFlightBytes, kafkaStallMs,
                retryAfterSeconds, deliveryTimeoutMs, limits, advice, maxAdviceWaitMs, adviceMaxRuns, maxThreads,
                KafkaClientProperties.none());
    }

    public GatewayConfig {
        if (kafka == null) {
            kafka = KafkaClientProperties.none();
        }
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("--bootstrap.servers is required");
        }
        if (!authDisabled && tokens.size() == 0) {
            throw new IllegalArgumentException("no bearer tokens: give --token-file FILE or set " + TOKENS_ENV
                    + " (or --no-auth for a local experiment)");
        }
        positive("port", port + 1);
        positive("max-body-bytes", maxBodyBytes);
        positive("max-decoded-bytes", maxDecodedBytes);
        positive("max-batch-records", maxBatchRecords);
        positive("max-json-depth", maxJsonDepth);
        positive("max-number-chars", maxNumberChars);
        positive("max-string-chars", maxStringChars);
        positive("max-in-flight-bytes", maxInFlightBytes);
        positive("kafka-stall-ms", kafkaStallMs);
        positive("retry-after-s", retryAfterSeconds);
        positive("delivery-timeout-ms", deliveryTimeoutMs);
        positive("max-advice-wait-ms", maxAdviceWaitMs);
        positive("advice-max-runs", adviceMaxRuns);
        if (maxThreads < 4) {
            throw new IllegalArgumentException("--max-threads must be >= 4, got " + maxThreads);
        }
    }

    /** Defaults for a gateway on {@code bootstrapServers} with these tokens. */
    public static GatewayConfig defaults(String bootstrapServers, BearerTokens tokens) {
        return defaults(bootstrapServers, tokens, false);
    }

    static GatewayConfig defaults(String bootstrapServers, BearerTokens tokens, boolean authDisabled) {
        return new GatewayConfig("127.0.0.1", 8088, bootstrapServers, "", tokens, authDisabled, 8 << 20, 64 << 20,
                10_000, 32, 64, 1 << 20, 64L << 20, 5_000, 1, 300_000, Limits.defaults(), true, 60_000, 100_000, 32);
    }

    /**
     * Parses the {@code runlaw gateway} flags ({@code --key value} or {@code --key=value}, see
     * {@link GatewayCommand}); {@code env} supplies {@value #TOKENS_ENV}. Unknown flags are errors (a typo must not
     * silently leave a default in place).
     *
     * @throws IllegalArgumentException on an unknown flag, a malformed value or an invalid configuration
     */
    public static GatewayConfig fromArgs(String[] args, Map<String, String> env) {
        return GatewayCommand.parse(args, env);
    }

    /** A copy listening on {@code port}. */
    public GatewayConfig withPort(int port) {
        return new GatewayConfig(host, port, bootstrapServers, topicPrefix, tokens, authDisabled, maxBodyBytes,
                maxDecodedBytes, maxBatchRecords, maxJsonDepth, maxNumberChars, maxStringChars, maxInFlightBytes,
                kafkaStallMs, retryAfterSeconds, deliveryTimeoutMs, limits, advice, maxAdviceWaitMs, adviceMaxRuns,
                maxThreads, kafka);
    }

    /** A copy whose Kafka clients get these properties. */
    public GatewayConfig withKafka(KafkaClientProperties kafka) {
        return new GatewayConfig(host, port, bootstrapServers, topicPrefix, tokens, authDisabled, maxBodyBytes,
                maxDecodedBytes, maxBatchRecords, maxJsonDepth, maxNumberChars, maxStringChars, maxInFlightBytes,
                kafkaStallMs, retryAfterSeconds, deliveryTimeoutMs, limits, advice, maxAdviceWaitMs, adviceMaxRuns,
                maxThreads, kafka);
    }

    /** A copy with this in-flight budget and Kafka stall threshold. */
    public GatewayConfig withBackpressure(long maxInFlightBytes, long kafkaStallMs) {
        return new GatewayConfig(host, port, bootstrapServers, topicPrefix, tokens, authDisabled, maxBodyBytes,
                maxDecodedBytes, maxBatchRecords, maxJsonDepth, maxNumberChars, maxStringChars, maxInFlightBytes,
                kafkaStallMs, retryAfterSeconds, deliveryTimeoutMs, limits, advice, maxAdviceWaitMs, adviceMaxRuns,
                maxThreads, kafka);
    }

    /** A copy with these request size limits. */
    public GatewayConfig withRequestLimits(int maxBodyBytes, int maxDecodedBytes, int maxBatchRecords) {
        return new GatewayConfig(host, port, bootstrapServers, topicPrefix, tokens, authDisabled, maxBodyBytes,
                maxDecodedBytes, maxBatchRecords, maxJsonDepth, maxNumberChars, maxStringChars, maxInFlightBytes,
                kafkaStallMs, retryAfterSeconds, deliveryTimeoutMs, limits, advice, maxAdviceWaitMs, adviceMaxRuns,
                maxThreads, kafka);
    }

    private static void positive(String name, long v) {
        if (v <= 0) {
            throw new IllegalArgumentException("--" + name + " must be > 0, got " + v);
        }
    }

    @Override
    public String toString() {
        // Never print tokens.
        return "GatewayConfig[" + host + ":" + port + ", kafka=" + bootstrapServers + ", prefix='" + topicPrefix
                + "', tokens=" + tokens.size() + (authDisabled ? " (auth disabled)" : "") + ", maxBodyBytes="
                + maxBodyBytes + ", maxBatchRecords=" + maxBatchRecords + ", maxInFlightBytes=" + maxInFlightBytes
                + (kafka.isEmpty() ? "" : ", kafka " + kafka) + "]";
    }
}
