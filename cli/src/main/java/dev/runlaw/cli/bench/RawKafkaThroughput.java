package dev.runlaw.cli.bench;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The baseline of the ingest benchmark: the same encoded records produced to and consumed from Kafka with no
 * processing, producer and consumer running at once, timed from the first send to the last record consumed.
 */
final class RawKafkaThroughput {
    private RawKafkaThroughput() {
    }

    /** Returns elapsed nanoseconds for producing and consuming every record once. */
    static long measure(String bootstrap, String topic, int partitions, Map<String, Object> producerProps,
                        List<byte[]> keys, List<byte[]> values) throws Exception {
        int n = values.size();
        Map<String, Object> cp = new HashMap<>();
        cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        cp.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000);
        cp.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1);
        cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cp)) {
            List<TopicPartition> tps = new java.util.ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                tps.add(new TopicPartition(topic, p));
            }
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            consumer.poll(Duration.ZERO); // join before the clock starts

            Map<String, Object> pp = new HashMap<>(producerProps);
            pp.put("bootstrap.servers", bootstrap);
            pp.put("key.serializer", ByteArraySerializer.class);
            pp.put("value.serializer", ByteArraySerializer.class);
            long start = System.nanoTime();
            CompletableFuture<Void> produced = CompletableFuture.runAsync(() -> {
                try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp)) {
                    for (int i = 0; i < n; i++) {
                        producer.send(new ProducerRecord<>(topic, keys.get(i), values.get(i)));
                    }
                    producer.flush();
                }
            });
            long seen = 0;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (seen < n) {
                ConsumerRecords<byte[], byte[]> recs = consumer.poll(Duration.ofMillis(100));
                seen += recs.count();
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("raw Kafka consumed only " + seen + " of " + n + " in 10 min");
                }
            }
            long elapsed = System.nanoTime() - start;
            produced.get(1, TimeUnit.MINUTES);
            return elapsed;
        }
    }
}
