package dev.runlaw.producers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.local.EmbeddedKafka;
import dev.runlaw.schema.DataMovement;
import dev.runlaw.schema.EvalMetrics;
import dev.runlaw.schema.ExpertLoad;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.RoutingTraceBatch;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.codec.TelemetryCodec;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The producer against a real KRaft broker running in this JVM. */
@Timeout(180)
class TelemetryProducerIT {
    private static final String PREFIX = "it.";
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start();
        kafka.createTopics(3, Arrays.stream(RecordKind.values()).map(k -> PREFIX + k.topic()).toArray(String[]::new));
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void deliversSimulatedAndReplayedRunsExactlyOnceKeyedByRunAndInStepOrder() throws Exception {
        EnumMap<RecordKind, Long> expected = new EnumMap<>(RecordKind.class);
        TelemetryProducer.Counters counters;
        try (TelemetryProducer p = TelemetryProducer.builder(kafka.bootstrapServers()).topicPrefix(PREFIX).build()) {
            for (String run : List.of("sim-a", "sim-b")) {
                MoeRunSimulator sim = MoeRunSimulator.builder().runId(run).seed(run.hashCode()).steps(300).layers(4)
                        .evalEvery(50).traceEvery(50).build();
                sim.run(p::send).counts().forEach((k, n) -> expected.merge(k, n, Long::sum));
            }
            RunReplayer replay = SampleRuns.get("mpl-25m-cosine_24000").replayer().withMaxFraction(0.05);
            RunReplayer.Result r = replay.replay(p::send);
            expected.merge(RecordKind.RUN_STARTED, 1L, Long::sum);
            expected.merge(RecordKind.STEP_METRICS, r.steps(), Long::sum);
            expected.merge(RecordKind.EVAL_METRICS, r.evals(), Long::sum);
            p.flush();
            counters = p.counters();
        }
        long total = expected.values().stream().mapToLong(Long::longValue).sum();
        assertThat(counters).isEqualTo(new TelemetryProducer.Counters(total, total, 0, 0));

        List<ConsumerRecord<byte[], byte[]>> consumed = consumeAll(total);
        assertThat(consumed).hasSize((int) total);

        TelemetryCodec codec = new TelemetryCodec();
        EnumMap<RecordKind, Long> counts = new EnumMap<>(RecordKind.class);
        Map<String, List<Long>> stepsPerTopicAndKey = new HashMap<>();
        Map<String, Set<Integer>> partitionsPerTopicAndKey = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> rec : consumed) {
            RecordKind kind = RecordKind.forTopic(rec.topic().substring(PREFIX.length())).orElseThrow();
            SpecificRecord value = codec.decode(kind, rec.value());
            String key = new String(rec.key(), StandardCharsets.UTF_8);
            assertThat(key).isEqualTo(kind.keyOf(value));
            counts.merge(kind, 1L, Long::sum);
            String tk = rec.topic() + "/" + key;
            partitionsPerTopicAndKey.computeIfAbsent(tk, x -> new HashSet<>()).add(rec.partition());
            Long step = stepOf(value);
            if (step != null) {
                stepsPerTopicAndKey.computeIfAbsent(tk, x -> new ArrayList<>()).add(step);
            }
        }
        assertThat(counts).isEqualTo(expected);
        assertThat(partitionsPerTopicAndKey.values()).allMatch(s -> s.size() == 1);
        assertThat(stepsPerTopicAndKey.keySet()).contains(PREFIX + RecordKind.STEP_METRICS.topic() + "/sim-a",
                PREFIX + RecordKind.STEP_METRICS.topic() + "/mpl-25m-cosine_24000");
        stepsPerTopicAndKey.forEach((tk, steps) -> assertThat(steps).as(tk).isSorted());
        assertThat(stepsPerTopicAndKey.get(PREFIX + RecordKind.STEP_METRICS.topic() + "/sim-b"))
                .hasSize(300).doesNotHaveDuplicates();
    }

    @Test
    void dropsAndCountsWithinBoundedTimeWhenTheBrokerIsUnreachable() throws IOException {
        String deadAddress;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            deadAddress = "127.0.0.1:" + s.getLocalPort(); // closed again: nothing listens there
        }
        TelemetryProducer p = TelemetryProducer.builder(deadAddress).maxInFlightBytes(64 * 1024).build();
        int n = 20_000;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            p.send(StepMetrics.newBuilder().setRunId("r").setStep(i).setWallTimeMs(1_700_000_000_000L)
                    .setLr(1e-4).setLoss(3.0).build());
        }
        Duration sending = Duration.ofNanos(System.nanoTime() - t0);
        TelemetryProducer.Counters c = p.counters();
        assertThat(sending).isLessThan(Duration.ofSeconds(5));
        assertThat(c.sent() + c.dropped()).isEqualTo(n);
        assertThat(c.dropped()).isGreaterThan(n - 2000);
        assertThat(c.acked()).isZero();

        long t1 = System.nanoTime();
        p.close(Duration.ofSeconds(2));
        assertThat(Duration.ofNanos(System.nanoTime() - t1)).isLessThan(Duration.ofSeconds(10));
        TelemetryProducer.Counters after = p.counters();
        assertThat(after.acked()).isZero();
        assertThat(after.failed()).isEqualTo(after.sent());
        assertThat(p.inFlightBytes()).isZero();
    }

    /**
     * Throughput of pre-generated simulator records through the producer (validate, encode, hand-off, Kafka) into
     * the broker, for choosing linger and compression. Run with {@code -Drunlaw.bench=true}; each setting runs
     * twice (the first warms the JIT) and prints the second.
     */


    private static Object metric(TelemetryProducer p, String name) {
        return p.kafkaMetrics().entrySet().stream()
                .filter(e -> e.getKey().name().equals(name) && e.getKey().group().equals("producer-metrics"))
                .map(e -> e.getValue().metricValue()).findFirst().orElse("?");
    }

    private static Long stepOf(SpecificRecord v) {
        if (v instanceof StepMetrics m) {
            return m.getStep();
        } else if (v instanceof EvalMetrics m) {
            return m.getStep();
        } else if (v instanceof ExpertLoad m) {
            return m.getStep();
        } else if (v instanceof RoutingTraceBatch m) {
            return m.getStep();
        } else if (v instanceof DataMovement m) {
            return m.getStep();
        }
        return null;
    }

    private static List<ConsumerRecord<byte[], byte[]>> consumeAll(long expected) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (RecordKind k : RecordKind.values()) {
                for (PartitionInfo pi : consumer.partitionsFor(PREFIX + k.topic())) {
                    partitions.add(new TopicPartition(pi.topic(), pi.partition()));
                }
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            // One more poll: anything beyond the expected count would be a duplicate.
            consumer.poll(Duration.ofMillis(500)).forEach(out::add);
        }
        return out;
    }
}
