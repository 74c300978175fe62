package dev.runlaw.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(180)
class EmbeddedKafkaIT {

    @Test
    void producesConsumesAndCommitsTransactionsThenLeavesNoThreadBlockingExit() throws Exception {
        Set<Thread> before = nonDaemonThreads();
        Path dir;
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            dir = kafka.directory();
            assertThat(kafka.bootstrapServers()).startsWith("127.0.0.1:");
            kafka.createTopics(3, "plain", "txn");
            kafka.createTopics(3, "plain"); // idempotent

            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps(kafka, null))) {
                for (int i = 0; i < 100; i++) {
                    producer.send(new ProducerRecord<>("plain", "run-" + (i % 7), "v" + i));
                }
                producer.flush();
            }
            assertThat(consume(kafka, "plain", "read_uncommitted", 100)).hasSize(100);

            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps(kafka, "tx-1"))) {
                producer.initTransactions();
                producer.beginTransaction();
                for (int i = 0; i < 10; i++) {
                    producer.send(new ProducerRecord<>("txn", "run-1", "committed-" + i));
                }
                producer.commitTransaction();
                producer.beginTransaction();
                for (int i = 0; i < 5; i++) {
                    producer.send(new ProducerRecord<>("txn", "run-1", "aborted-" + i));
                }
                producer.flush();
                producer.abortTransaction();
            }
            List<String> committed = consume(kafka, "txn", "read_committed", 10);
            assertThat(committed).hasSize(10).allMatch(v -> v.startsWith("committed-"));
        }
        assertThat(Files.exists(dir)).as("temp dir deleted").isFalse();
        // Threads die shortly after their owners close: wait for them, and name the ones that stay.
        Await.until(Duration.ofSeconds(5), "no non-daemon threads left after close",
                () -> leftoverThreads(before), List::isEmpty);
    }

    @Test
    void startsAgainInTheSameJvmAfterClose() throws Exception {
        // Other modules' ITs run one broker per test class, one after another, in one failsafe JVM.
        for (int i = 0; i < 2; i++) {
            try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
                kafka.createTopics(2, "again");
                try (var admin = kafka.admin()) {
                    assertThat(admin.describeTopics(List.of("again")).allTopicNames().get()
                            .get("again").partitions()).hasSize(2);
                }
            }
        }
    }

    private static Properties producerProps(EmbeddedKafka kafka, String transactionalId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        if (transactionalId != null) {
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        }
        return p;
    }

    /** Reads until {@code expected} values arrived, then polls once more to catch any extra. */
    private static List<String> consume(EmbeddedKafka kafka, String topic, String isolation, int expected) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "g-" + topic);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
            consumer.poll(Duration.ofMillis(500)).forEach(r -> values.add(r.value()));
        }
        return values;
    }

    private static Set<Thread> nonDaemonThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !t.isDaemon())
                .collect(Collectors.toSet());
    }

    /** Names of the live non-daemon threads that were not there {@code before}. */
    private static List<String> leftoverThreads(Set<Thread> before) {
        return nonDaemonThreads().stream()
                .filter(t -> !before.contains(t))
                .map(Thread::getName)
                .sorted()
                .toList();
    }
}
