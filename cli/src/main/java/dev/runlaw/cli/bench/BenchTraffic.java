package dev.runlaw.cli.bench;

import dev.runlaw.cli.LocalStack;
import dev.runlaw.local.Await;
import dev.runlaw.producers.TelemetryProducer;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.codec.TelemetryCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * What the pipeline benchmarks ({@code bench ingest}, {@code bench alerts}, {@code bench batch}) share: the seeded
 * step-metric records they time, the producer library's Kafka settings, producing pre-encoded bytes (a list, or passes
 * of a {@link RecordPool}), and waiting on a ClickHouse count (the end point: rows visible to a query). The
 * measurement protocol is {@link Repeats}.
 */
final class BenchTraffic {
    /** Wall time of step 0 of every benchmark run. */
    static final long T0 = 1_760_000_000_000L;

    private BenchTraffic() {
    }

    /** Pre-encoded records with their Kafka keys, in send order. */
    record Encoded(List<byte[]> keys, List<byte[]> values) {
        int size() {
            return values.size();
        }

        Encoded subList(int from, int to) {
            return new Encoded(keys.subList(from, to), values.subList(from, to));
        }
    }

    /**
     * {@code records} step metrics spread round-robin over {@code runs} runs named {@code <runPrefix>-0000, ...}
     * (record i is step {@code i / runs} of run {@code i % runs}): a falling loss with 1 % uniform noise, a grad norm
     * in [0.5, 1.5), drawn from {@code rnd} in that order.
     */
    static Encoded stepMetrics(TelemetryCodec codec, String runPrefix, int records, int runs, SplittableRandom rnd) {
        List<byte[]> keys = new ArrayList<>(records);
        List<byte[]> values = new ArrayList<>(records);
        for (int i = 0; i < records; i++) {
            String run = runName(runPrefix, i % runs);
            int step = i / runs;
            StepMetrics m = StepMetrics.newBuilder().setRunId(run).setStep(step).setWallTimeMs(T0 + step * 1000L)
                    .setTokensSeen(step * 1_048_576L).setLr(3e-4).setLoss(2.0 + 3.0 / (1 + step) + 0.01 * rnd.nextDouble())
                    .setGradNorm(0.5 + rnd.nextDouble()).setThroughputTokensPerS(1.2e6).build();
            keys.add(run.getBytes(StandardCharsets.UTF_8));
            values.add(codec.encode(m));
        }
        return new Encoded(keys, values);
    }

    static String runName(String runPrefix, int run) {
        return String.format("%s-%04d", runPrefix, run);
    }

    /** The producer library's Kafka settings, blocking instead of dropping (a benchmark must deliver everything). */
    static Map<String, Object> producerProps() {
        Map<String, Object> props = new HashMap<>(TelemetryProducer.builder("unused").kafkaProperties());
        props.remove("bootstrap.servers");
        props.remove("client.id");
        // The library never blocks a trainer (it drops instead); a benchmark must deliver every record, so wait.
        props.put("max.block.ms", 120_000);
        return props;
    }

    /** Produces every record to {@code topic} and flushes. */
    static void produce(String bootstrap, Map<String, Object> props, String topic, Encoded records) {
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(withBootstrap(bootstrap, props))) {
            for (int i = 0; i < records.size(); i++) {
                p.send(new ProducerRecord<>(topic, records.keys().get(i), records.values().get(i)));
            }
            p.flush();
        }
    }

    /** Sends {@code passes} passes of {@code pool} to {@code topic} and flushes; returns the records sent. */
    static long produce(String bootstrap, Map<String, Object> props, String topic, RecordPool pool, long passes) {
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(withBootstrap(bootstrap, props))) {
            long n = pool.send(p, topic, passes);
            p.flush();
            return n;
        }
    }

    /** {@code props} with the bootstrap servers and byte-array serializers. */
    static Map<String, Object> withBootstrap(String bootstrap, Map<String, Object> props) {
        Map<String, Object> pp = new HashMap<>(props);
        pp.put("bootstrap.servers", bootstrap);
        pp.put("key.serializer", ByteArraySerializer.class);
        pp.put("value.serializer", ByteArraySerializer.class);
        return pp;
    }

    /** Waits (up to 10 minutes) until {@code countSql}, a {@code SELECT count() ...}, returns at least {@code n}. */
    static void awaitCount(LocalStack stack, String countSql, long n) throws InterruptedException {
        Await.until(Duration.ofMinutes(10), n + " from " + countSql,
                () -> Long.parseLong(stack.http().queryValue(countSql).trim()) >= n);
    }
}
