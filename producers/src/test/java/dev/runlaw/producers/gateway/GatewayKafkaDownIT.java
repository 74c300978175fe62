package dev.runlaw.producers.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runlaw.local.Await;
import dev.runlaw.local.EmbeddedKafka;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.codec.TelemetryCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker goes away while a Python training loop keeps logging through the gateway: the gateway must answer
 * 429/503 instead of buffering without bound, the Python client must retry and, once its own queue is full, drop
 * and count; when the broker is back, every record still queued must arrive exactly once.
 */
@Timeout(300)
class GatewayKafkaDownIT {
    static final String PREFIX = "down.";
    static final String TOKEN = "kafka-down-token-0123456789";
    static EmbeddedKafka kafka;
    static Gateway gateway;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.start();
        kafka.createTopics(1, Arrays.stream(RecordKind.values()).map(k -> PREFIX + k.topic()).toArray(String[]::new));
        GatewayConfig c = GatewayConfig.fromArgs(new String[] {"--bootstrap.servers", kafka.bootstrapServers(),
            "--port", "0", "--topic.prefix", PREFIX, "--advice", "false", "--retry-after-s", "1"},
                Map.of(GatewayConfig.TOKENS_ENV, TOKEN))
                // ~1,200 step records fit in the gateway's budget; Kafka counts as stalled after 2 s without acks.
                .withBackpressure(256 * 1024, 2_000);
        gateway = Gateway.start(c);
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void pythonLoopRidesOutABrokerOutageDroppingOnlyWhatItsQueueCannotHoldAndNothingTwice(@TempDir Path tmp)
            throws Exception {
        int steps = 8_000;
        int maxQueue = 2_000;
        Path go = tmp.resolve("go");
        kafka.stopBroker();
        JsonNode result;
        try (PythonProcess py = PythonProcess.start(Path.of("src/test/python/train_loop.py"), List.of(
                "--client-dir", Path.of("python").toAbsolutePath().toString(), "--url", gateway.baseUrl(),
                "--token", TOKEN, "--run", "outage-run", "--steps", String.valueOf(steps),
                "--max-queue", String.valueOf(maxQueue), "--batch-size", "200", "--max-backoff", "1",
                "--go", go.toString()))) {
            py.awaitLine("LOGGED", 120);
            // The client hits the closed door: budget full (429), then Kafka stalled (503) and the gateway not
            // ready. Wait until the gateway has refused it and says so on /readyz.
            GatewayClient anonymous = new GatewayClient(gateway.baseUrl(), null);
            AtomicLong ownProbes503 = new AtomicLong(); // our own /readyz answers count among the 503s
            Await.until(Duration.ofSeconds(60), "the gateway to refuse the client (429/503) and report not ready",
                    () -> {
                        long refusedClient = refusals(anonymous.get("/metrics").body()) - ownProbes503.get();
                        boolean notReady = anonymous.get("/readyz").status() == 503;
                        if (notReady) {
                            ownProbes503.incrementAndGet();
                        }
                        return refusedClient > 0 && notReady;
                    });
            GatewayClient.Answer ready = anonymous.get("/readyz");
            assertThat(ready.status()).as(ready.body()).isEqualTo(503);
            kafka.restartBroker();
            Files.createFile(go);
            result = py.awaitStats(180);
            assertThat(py.waitFor(30)).as(py.output()).isZero();
        }
        JsonNode stats = result.get("stats");
        JsonNode codes = stats.get("status_counts");
        assertThat(codes.has("429") || codes.has("503")).as(stats.toString()).isTrue();
        assertThat(stats.get("retries").asLong()).isPositive();
        long dropped = stats.get("dropped").asLong();
        long sent = stats.get("sent").asLong();
        assertThat(dropped).as("the client's queue (%d) cannot hold %d steps", maxQueue, steps).isPositive();
        assertThat(stats.get("failed").asLong()).isZero();
        // Every record logged was sent or dropped (the NaN one may be either refused or dropped).
        long logged = steps + 1 + 2;
        assertThat(sent + dropped + stats.get("rejected").asLong()).isEqualTo(logged);
        assertThat(stats.get("queue_size").asLong()).isZero();

        // Exactly what the gateway accepted is in Kafka, each step once.
        List<String> topics = Arrays.stream(RecordKind.values()).map(k -> PREFIX + k.topic()).toList();
        List<ConsumerRecord<byte[], byte[]>> got = GatewayClient.readAll(kafka, topics, sent);
        java.util.TreeSet<Long> seen = new java.util.TreeSet<>();
        TelemetryCodec c0 = new TelemetryCodec();
        for (ConsumerRecord<byte[], byte[]> r : got) {
            if (r.topic().endsWith("step-metrics")) {
                seen.add(((StepMetrics) c0.decode(RecordKind.STEP_METRICS, r.value())).getStep());
            }
        }
        java.util.List<Long> gaps = new java.util.ArrayList<>();
        for (long s = seen.isEmpty() ? 0 : seen.first(); !seen.isEmpty() && s <= seen.last(); s++) {
            if (!seen.contains(s)) {
                gaps.add(s);
            }
        }
        assertThat(got).as("stats %s, gateway %s accepted %d, step range %s..%s gaps %s", stats,
                gateway.producerCounters(), gateway.acceptedRecords(), seen.isEmpty() ? null : seen.first(),
                seen.isEmpty() ? null : seen.last(), gaps.size() > 50 ? gaps.subList(0, 50) : gaps)
                .hasSize((int) sent);
        assertThat(gateway.acceptedRecords()).isEqualTo(sent);
        assertThat(gateway.producerCounters().failed()).isZero();
        TelemetryCodec codec = new TelemetryCodec();
        Set<Long> steps2 = new HashSet<>();
        long stepRecords = 0;
        Set<String> kinds = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : got) {
            RecordKind k = RecordKind.forTopic(r.topic().substring(PREFIX.length())).orElseThrow();
            kinds.add(k.name());
            assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("outage-run");
            if (k == RecordKind.STEP_METRICS) {
                stepRecords++;
                steps2.add(((StepMetrics) codec.decode(k, r.value())).getStep());
            }
        }
        assertThat(steps2).hasSize((int) stepRecords);
        assertThat(kinds).contains("RUN_STARTED", "RUN_FINISHED", "STEP_METRICS");
    }

    /** The 429 and 503 answers counted in the gateway's Prometheus text. */
    private static long refusals(String metrics) {
        long n = 0;
        for (String line : metrics.split("\n")) {
            if (line.startsWith("runlaw_gateway_responses_total{code=\"429\"}")
                    || line.startsWith("runlaw_gateway_responses_total{code=\"503\"}")) {
                n += Long.parseLong(line.substring(line.lastIndexOf(' ') + 1).trim());
            }
        }
        return n;
    }
}
