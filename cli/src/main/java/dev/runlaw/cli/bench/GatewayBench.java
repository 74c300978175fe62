package dev.runlaw.cli.bench;

import dev.runlaw.local.Await;
import dev.runlaw.local.EmbeddedKafka;
import dev.runlaw.producers.TelemetryProducer;
import dev.runlaw.producers.command.HelpOption;
import dev.runlaw.producers.gateway.BearerTokens;
import dev.runlaw.producers.gateway.Gateway;
import dev.runlaw.producers.gateway.GatewayConfig;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.StepMetrics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./runlaw bench gateway}: step records per second accepted through the HTTP gateway from several client
 * threads (JSON arrays, gzip, one request per batch, counted until Kafka acknowledged them all), against the Java
 * {@link TelemetryProducer} sending the same records straight to Kafka, in the same run on the same embedded
 * broker; and the p50 / p99 request latency seen by the HTTP clients.
 *
 * <p>Request bodies are built before the clock starts, so the figure is the gateway's (parse, validate, encode,
 * produce), not the client's JSON encoding. Client, gateway and broker share this JVM and machine.
 */
@Command(name = "gateway", sortOptions = false,
        description = "Step records/s through the HTTP gateway vs. the Java producer, request p50/p99.")
final class GatewayBench implements Callable<Integer> {
    private static final String TOKEN = "bench-gateway-token-0123456789";

    @Mixin
    HelpOption help;
    @Option(names = "--records", paramLabel = "N", description = "Step records (default ${DEFAULT-VALUE}).")
    int records = 300_000;
    @Option(names = "--threads", paramLabel = "T", description = "HTTP client threads (default ${DEFAULT-VALUE}).")
    int threads = 4;
    @Option(names = "--batch", paramLabel = "B", description = "Records per request (default ${DEFAULT-VALUE}).")
    int batch = 500;
    @Option(names = "--rounds", paramLabel = "R",
            description = "Rounds of both paths; all but the last warm up (default ${DEFAULT-VALUE}).")
    int rounds = 2;
    @Option(names = "--no-gzip", description = "Send request bodies uncompressed.")
    boolean noGzip;

    private final PrintStream out;

    GatewayBench(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws Exception {
        int records = this.records;
        int threads = this.threads;
        int batch = this.batch;
        boolean gzip = !noGzip;
        int rounds = this.rounds;
        out.printf(Locale.ROOT, "runlaw bench gateway: %d step records, %d HTTP client threads, %d records per"
                + " request, %s; Java producer baseline on the same broker%n", records, threads, batch,
                gzip ? "gzip" : "no compression");
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            kafka.createTopics(2, Arrays.stream(RecordKind.values()).map(k -> "java." + k.topic())
                    .toArray(String[]::new));
            kafka.createTopics(2, Arrays.stream(RecordKind.values()).map(k -> "http." + k.topic())
                    .toArray(String[]::new));
            List<StepMetrics> steps = new ArrayList<>(records);
            for (int i = 0; i < records; i++) {
                int run = i % 16;
                int step = i / 16;
                steps.add(StepMetrics.newBuilder().setRunId("bench-" + run).setStep(step)
                        .setWallTimeMs(1_760_000_000_000L + step * 1000L).setTokensSeen(step * 1_048_576L)
                        .setLr(3e-4).setLoss(2.0 + 3.0 / (1 + step)).setGradNorm(0.7).build());
            }

            // Both paths take turns; the first round also warms the JIT, the last one is the result.
            for (int round = 1; round <= rounds; round++) {
                out.printf(Locale.ROOT, " round %d of %d%s%n", round, rounds, round < rounds ? " (warm-up)" : "");
                // Java producer straight to Kafka: send everything, then wait for every ack.
                double javaRate;
                try (TelemetryProducer p = TelemetryProducer.builder(kafka.bootstrapServers()).topicPrefix("java.")
                        .maxInFlightBytes(256L << 20).property("buffer.memory", 300L << 20).build()) {
                    long t0 = System.nanoTime();
                    for (StepMetrics s : steps) {
                        p.send(s);
                    }
                    p.flush();
                    double secs = (System.nanoTime() - t0) / 1e9;
                    TelemetryProducer.Counters c = p.counters();
                    if (c.acked() != records) {
                        throw new IllegalStateException("Java producer acked " + c + " of " + records);
                    }
                    javaRate = records / secs;
                    out.printf(Locale.ROOT, "  Java TelemetryProducer -> Kafka : %,10.0f records/s (%.2f s)%n",
                            javaRate, secs);
                }

                // The same records through HTTP.
                List<byte[]> bodies = new ArrayList<>();
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < records; i += batch) {
                    sb.setLength(0);
                    sb.append('[');
                    for (int j = i; j < Math.min(records, i + batch); j++) {
                        StepMetrics s = steps.get(j);
                        if (j > i) {
                            sb.append(',');
                        }
                        sb.append("{\"run_id\":\"").append(s.getRunId()).append("\",\"step\":").append(s.getStep())
                                .append(",\"wall_time_ms\":").append(s.getWallTimeMs()).append(",\"tokens_seen\":")
                                .append(s.getTokensSeen()).append(",\"lr\":").append(s.getLr()).append(",\"loss\":")
                                .append(s.getLoss()).append(",\"grad_norm\":").append(s.getGradNorm()).append('}');
                    }
                    byte[] raw = sb.append(']').toString().getBytes(StandardCharsets.UTF_8);
                    bodies.add(gzip ? gzip(raw) : raw);
                }
                GatewayConfig cfg = GatewayConfig.defaults(kafka.bootstrapServers(), BearerTokens.of(List.of(TOKEN)))
                        .withPort(0);
                cfg = new GatewayConfig(cfg.host(), 0, cfg.bootstrapServers(), "http.", cfg.tokens(), false,
                        cfg.maxBodyBytes(), cfg.maxDecodedBytes(), cfg.maxBatchRecords(), cfg.maxJsonDepth(),
                        cfg.maxNumberChars(), cfg.maxStringChars(), cfg.maxInFlightBytes(), cfg.kafkaStallMs(),
                        cfg.retryAfterSeconds(), cfg.deliveryTimeoutMs(), cfg.limits(), false, cfg.maxAdviceWaitMs(),
                        cfg.adviceMaxRuns(), cfg.maxThreads());
                try (Gateway g = Gateway.start(cfg)) {
                    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                    URI uri = URI.create(g.baseUrl() + "/v1/records/step-metrics");
                    long[] latencies = new long[bodies.size()];
                    AtomicLong next = new AtomicLong();
                    AtomicLong refused = new AtomicLong();
                    boolean gz = gzip;
                    ExecutorService pool = Executors.newFixedThreadPool(threads);
                    long t0 = System.nanoTime();
                    List<Future<?>> futures = new ArrayList<>();
                    for (int t = 0; t < threads; t++) {
                        futures.add(pool.submit(() -> {
                            int i;
                            while ((i = (int) next.getAndIncrement()) < bodies.size()) {
                                HttpRequest.Builder rb = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                                        .header("Authorization", "Bearer " + TOKEN)
                                        .header("Content-Type", "application/json")
                                        .POST(HttpRequest.BodyPublishers.ofByteArray(bodies.get(i)));
                                if (gz) {
                                    rb.header("Content-Encoding", "gzip");
                                }
                                HttpRequest req = rb.build();
                                long r0 = System.nanoTime();
                                while (true) {
                                    HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
                                    if (resp.statusCode() == 200) {
                                        break;
                                    }
                                    if (resp.statusCode() != 429 && resp.statusCode() != 503) {
                                        throw new IllegalStateException(resp.statusCode() + " " + resp.body());
                                    }
                                    refused.incrementAndGet();
                                    // A client's back-off before it retries, part of the load it models.
                                    Thread.sleep(20);
                                }
                                latencies[i] = System.nanoTime() - r0;
                            }
                            return null;
                        }));
                    }
                    for (Future<?> f : futures) {
                        f.get();
                    }
                    pool.shutdown();
                    long sentRecords = records;
                    Await.until(Duration.ofMinutes(2), () -> "the gateway to ack " + sentRecords + " records: "
                            + g.producerCounters(), () -> g.producerCounters().acked() >= sentRecords);
                    double secs = (System.nanoTime() - t0) / 1e9;
                    if (g.producerCounters().acked() != records) {
                        throw new IllegalStateException("gateway acked " + g.producerCounters() + " of " + records);
                    }
                    double httpRate = records / secs;
                    Arrays.sort(latencies);
                    out.printf(Locale.ROOT, "  HTTP gateway -> Kafka           : %,10.0f records/s (%.2f s, %d"
                            + " requests, %d answered 429/503 and retried)%n", httpRate, secs, bodies.size(),
                            refused.get());
                    out.printf(Locale.ROOT, "  request latency (%d records)    : p50 %.1f ms, p99 %.1f ms,"
                            + " max %.1f ms%n", batch, pct(latencies, 0.50), pct(latencies, 0.99),
                            latencies[latencies.length - 1] / 1e6);
                    out.printf(Locale.ROOT, "  ratio HTTP / Java               : %.2f%n", httpRate / javaRate);
                }
            }
        }
        return 0;
    }

    private static double pct(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
    }

    private static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(raw.length / 4);
        try (GZIPOutputStream z = new GZIPOutputStream(buf)) {
            z.write(raw);
        }
        return buf.toByteArray();
    }
}
