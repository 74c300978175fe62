package dev.runlaw.cli.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The baseline of the ingest benchmark: the same encoded records produced to and consumed from Kafka with no
 * processing, producer and consumer running at once, timed from the first send to the last record consumed.
 */
final class RawKafkaThroughput {
    private RawKafkaThroughput() {
    }

    /** Produces {@code passes} passes of {@code pool} to {@code topic} (new, empty) while consuming them; one window. */
    static Repeats.Window measure(String bootstrap, String topic, int partitions, Map<String, Object> producerProps,
                                  RecordPool pool, long passes) throws Exception {
        long n = passes * pool.size();
        Map<String, Object> cp = new HashMap<>();
        cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        cp.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000);
        cp.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1);
        cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cp)) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                tps.add(new TopicPartition(topic, p));
            }
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            consumer.poll(Duration.ZERO); // join before the clock starts

            Map<String, Object> pp = BenchTraffic.withBootstrap(bootstrap, producerProps);
            long start = System.nanoTime();
            CompletableFuture<Void> produced = CompletableFuture.runAsync(() -> {
                try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp)) {
                    pool.send(producer, topic, passes);
                    producer.flush();
                }
            });
            long seen = 0;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
            while (seen < n) {
                ConsumerRecords<byte[], byte[]> recs = consumer.poll(Duration.ofMillis(100));
                seen += recs.count();
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("raw Kafka consumed only " + seen + " of " + n + " in 30 min");
                }
                if (produced.isCompletedExceptionally()) {
                    produced.join();
                }
            }
            long elapsed = System.nanoTime() - start;
            produced.get(1, TimeUnit.MINUTES);
            return new Repeats.Window(n, elapsed);
        }
    }
}
