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
 * {@link TelemetryProducer} sending the same records straight to Kafka, on the same embedded broker, measured in
 * turn under the {@link Repeats} protocol (a window sends whole passes over the records); and the p50 / p99 request
 * latency seen by the HTTP clients in each window.
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
    @Mixin
    RepeatOptions repeat;
    @Option(names = "--records", paramLabel = "N",
            description = "Step records per pass; windows send whole passes (default ${DEFAULT-VALUE}).")
    int records = 100_000;
    @Option(names = "--threads", paramLabel = "T", description = "HTTP client threads (default ${DEFAULT-VALUE}).")
    int threads = 4;
    @Option(names = "--batch", paramLabel = "B", description = "Records per request (default ${DEFAULT-VALUE}).")
    int batch = 500;
    @Option(names = "--no-gzip", description = "Send request bodies uncompressed.")
    boolean noGzip;

    private final PrintStream out;

    GatewayBench(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws Exception {
        repeat.check();
        boolean gzip = !noGzip;
        out.printf(Locale.ROOT, "runlaw bench gateway: passes of %d step records, %d HTTP client threads, %d records"
                + " per request, %s; Java producer baseline on the same broker; %d cores%n", records, threads, batch,
                gzip ? "gzip" : "no compression", Runtime.getRuntime().availableProcessors());
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
            List<byte[]> bodies = bodies(steps, gzip);
            Repeats.Arm java = new Repeats.Arm("Java TelemetryProducer", passes -> javaWindow(kafka, steps, passes));
            Repeats.Arm http = new Repeats.Arm("HTTP gateway", passes -> httpWindow(kafka, bodies, passes));
            Repeats.run(out, repeat, List.of(java, http), List.of(new Repeats.Ratio("ratio HTTP / Java", 1, 0)));
        }
        return 0;
    }

    /** The Java producer straight to Kafka: send every record of every pass, then wait for every ack. */
    private Repeats.Window javaWindow(EmbeddedKafka kafka, List<StepMetrics> steps, long passes) {
        long n = passes * steps.size();
        try (TelemetryProducer p = TelemetryProducer.builder(kafka.bootstrapServers()).topicPrefix("java.")
                .maxInFlightBytes(256L << 20).property("buffer.memory", 300L << 20)
                // The library gives up on a record after 1 s without topic metadata (a trainer must not block); a
                // benchmark on a loaded machine must deliver every record instead, as the gateway's producer does.
                .property("max.block.ms", 120_000).build()) {
            long t0 = System.nanoTime();
            for (long pass = 0; pass < passes; pass++) {
                for (StepMetrics s : steps) {
                    p.send(s);
                }
            }
            p.flush();
            long nanos = System.nanoTime() - t0;
            if (p.counters().acked() != n) {
                throw new IllegalStateException("Java producer acked " + p.counters() + " of " + n);
            }
            return new Repeats.Window(n, nanos);
        }
    }

    /** The same records through HTTP: T client threads post every body of every pass; done when Kafka acked all. */
    private Repeats.Window httpWindow(EmbeddedKafka kafka, List<byte[]> bodies, long passes) throws Exception {
        long n = passes * records;
        GatewayConfig cfg = GatewayConfig.defaults(kafka.bootstrapServers(), BearerTokens.of(List.of(TOKEN)));
        cfg = new GatewayConfig(cfg.host(), 0, cfg.bootstrapServers(), "http.", cfg.tokens(), false,
                cfg.maxBodyBytes(), cfg.maxDecodedBytes(), cfg.maxBatchRecords(), cfg.maxJsonDepth(),
                cfg.maxNumberChars(), cfg.maxStringChars(), cfg.maxInFlightBytes(), cfg.kafkaStallMs(),
                cfg.retryAfterSeconds(), cfg.deliveryTimeoutMs(), cfg.limits(), false, cfg.maxAdviceWaitMs(),
                cfg.adviceMaxRuns(), cfg.maxThreads());
        try (Gateway g = Gateway.start(cfg)) {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            URI uri = URI.create(g.baseUrl() + "/v1/records/step-metrics");
            long requests = passes * bodies.size();
            long[] latencies = new long[(int) requests];
            AtomicLong next = new AtomicLong();
            AtomicLong refused = new AtomicLong();
            boolean gz = !noGzip;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            long t0 = System.nanoTime();
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    long i;
                    while ((i = next.getAndIncrement()) < requests) {
                        HttpRequest.Builder rb = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                                .header("Authorization", "Bearer " + TOKEN)
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofByteArray(bodies.get((int) (i % bodies.size()))));
                        if (gz) {
                            rb.header("Content-Encoding", "gzip");
                        }
                        HttpRequest req = rb.build();
                        long r0 = System.nanoTime();
                        while (true) {
                            HttpResponse<String> resp = client.send(req, HttpResponse.BodyHandlers.ofString());
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
                        latencies[(int) i] = System.nanoTime() - r0;
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
            pool.shutdown();
            Await.until(Duration.ofMinutes(2), () -> "the gateway to ack " + n + " records: "
                    + g.producerCounters(), () -> g.producerCounters().acked() >= n);
            long nanos = System.nanoTime() - t0;
            if (g.producerCounters().acked() != n) {
                throw new IllegalStateException("gateway acked " + g.producerCounters() + " of " + n);
            }
            Arrays.sort(latencies);
            out.printf(Locale.ROOT, "    HTTP: %d requests, %d answered 429/503 and retried; request latency (%d"
                    + " records) p50 %.1f ms, p99 %.1f ms, max %.1f ms%n", requests, refused.get(), batch,
                    pct(latencies, 0.50), pct(latencies, 0.99), latencies[latencies.length - 1] / 1e6);
            return new Repeats.Window(n, nanos);
        }
    }

    /** JSON array bodies of {@code batch} records each, gzipped unless asked not to. */
    private List<byte[]> bodies(List<StepMetrics> steps, boolean gzip) throws IOException {
        List<byte[]> bodies = new ArrayList<>();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < steps.size(); i += batch) {
            sb.setLength(0);
            sb.append('[');
            for (int j = i; j < Math.min(steps.size(), i + batch); j++) {
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
        return bodies;
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
