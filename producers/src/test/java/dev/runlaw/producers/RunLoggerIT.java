package dev.runlaw.producers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.local.EmbeddedKafka;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.RunFinished;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.codec.TelemetryCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A JVM trainer's loop through {@link RunLogger} against a real KRaft broker: every step arrives once, in order,
 * keyed by the run, followed by RunFinished; closing the producer after the logger flushes everything.
 */
@Timeout(180)
class RunLoggerIT {
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start();
        kafka.createTopics(2, RecordKind.RUN_STARTED.topic(), RecordKind.STEP_METRICS.topic(),
                RecordKind.RUN_FINISHED.topic());
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void aTrainingLoopsStepsArriveOnceInOrderThenRunFinished() throws Exception {
        int steps = 5000;
        long slowest = 0;
        try (TelemetryProducer producer = TelemetryProducer.builder(kafka.bootstrapServers()).build();
             RunLogger run = RunLogger.start(producer, RunLoggerTest.started("jvm-trainer-1"))) {
            for (int s = 0; s < steps; s++) {
                long t0 = System.nanoTime();
                assertThat(run.logStep(s, 4.0 / Math.sqrt(s + 1), 3e-4)).isTrue();
                slowest = Math.max(slowest, System.nanoTime() - t0);
            }
        }
        // A step's logging is a validation, an encode and a queue append: far below any training step.
        assertThat(slowest).isLessThan(Duration.ofMillis(500).toNanos());

        List<ConsumerRecord<byte[], byte[]>> got = consume(List.of(RecordKind.STEP_METRICS.topic(),
                RecordKind.RUN_FINISHED.topic()), steps + 1);
        TelemetryCodec codec = new TelemetryCodec();
        List<Long> order = new ArrayList<>();
        RunFinished fin = null;
        for (ConsumerRecord<byte[], byte[]> r : got) {
            assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("jvm-trainer-1");
            Object v = codec.decode(RecordKind.forTopic(r.topic()).orElseThrow(), r.value());
            if (v instanceof StepMetrics m) {
                order.add(m.getStep());
            } else {
                fin = (RunFinished) v;
            }
        }
        assertThat(order).hasSize(steps).isSorted().doesNotHaveDuplicates();
        assertThat(fin).isNotNull();
        assertThat(fin.getFinalStep()).isEqualTo(steps - 1);
    }

    private static List<ConsumerRecord<byte[], byte[]>> consume(List<String> topics, int expected) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String t : topics) {
                for (PartitionInfo pi : consumer.partitionsFor(t)) {
                    partitions.add(new TopicPartition(pi.topic(), pi.partition()));
                }
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            consumer.poll(Duration.ofMillis(500)).forEach(out::add); // a duplicate would show up here
        }
        return out;
    }
}
