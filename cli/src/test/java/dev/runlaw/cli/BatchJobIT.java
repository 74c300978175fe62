package dev.runlaw.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.runlaw.jobs.batch.BatchConfig;
import dev.runlaw.local.ProjectRoot;
import dev.runlaw.producers.SimulatedBatchSweep;
import dev.runlaw.schema.BatchAdvice;
import dev.runlaw.schema.BatchAdviceScope;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.Topics;
import dev.runlaw.schema.codec.TelemetryCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The batch-size job on the real stack (Kafka broker, Flink MiniClusters, ClickHouse server), next to the ingest job:
 * a simulated sweep of one family at five batch sizes with a known steps-versus-batch law and a known noise scale
 * ({@link SimulatedBatchSweep}) goes through Kafka; the noise scale, the laws at the default targets, the scaling and
 * the next-run advice land in ClickHouse and on {@code runlaw.batch-advice}, and every panel of the Batch size
 * dashboard returns rows for them.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class BatchJobIT {
    private static final TelemetryCodec CODEC = new TelemetryCodec();
    private static final String FAMILY = "sweep-it";
    private static final SimulatedBatchSweep SWEEP = SimulatedBatchSweep.defaults(FAMILY, 21);
    static LocalStack stack;
    static BatchConfig config;

    @BeforeAll
    static void runSweep() throws Exception {
        stack = LocalStack.start();
        stack.startIngest(stack.ingestConfig(Map.of("checkpoint.interval-ms", "500")));
        config = stack.batchConfig(Map.of("batch.smoothing-window", "5"));
        JobClient job = stack.startBatch(config);
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers",
                stack.kafka().bootstrapServers(), "key.serializer", ByteArraySerializer.class,
                "value.serializer", ByteArraySerializer.class, "linger.ms", 5))) {
            for (long b : SWEEP.batches()) {
                for (SpecificRecord r : SWEEP.run(b)) {
                    RecordKind k = RecordKind.of(r);
                    p.send(new ProducerRecord<>(k.topic(), k.keyOf(r).getBytes(StandardCharsets.UTF_8),
                            CODEC.encode(r)));
                }
            }
            p.flush();
        }
        JobWait.until(job, Duration.ofMinutes(3), "every run's last noise row and the family's scaling",
                () -> count("SELECT count() FROM gradient_noise FINAL WHERE startsWith(run_id, '" + FAMILY + "-')")
                        >= expectedNoiseRows()
                        && count("SELECT count() FROM batch_size_scaling WHERE family_id = '" + FAMILY + "'") > 0);
        // (The rows of a run made before its RunStarted arrived, on another topic, have no family: count by run.)
        // The jobs commit offsets on checkpoints, after their sinks flushed: caught up = every row is in.
        stack.awaitConsumerCaughtUp(config.settings().groupId(), Duration.ofMinutes(3));
        stack.awaitConsumerCaughtUp("runlaw-ingest", Duration.ofMinutes(3));
        assertThat(job.getJobStatus().get().isTerminalState()).isFalse();
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    @Order(1)
    void writesOneNoiseRowPerFiftyStepsPerRunTrackingTheTrueNoiseScale() {
        assertThat(count("SELECT count() FROM gradient_noise FINAL WHERE startsWith(run_id, '" + FAMILY + "-')"))
                .isEqualTo(expectedNoiseRows());
        List<List<String>> rows = stack.http().query("SELECT step, b_simple FROM gradient_noise FINAL"
                + " WHERE run_id = '" + SWEEP.runId(128) + "' AND status = 'OK' AND step >= 500 ORDER BY step");
        assertThat(rows).hasSizeGreaterThan(30);
        for (List<String> r : rows) {
            double truth = SimulatedBatchSweep.bNoise(SimulatedBatchSweep.loss(Long.parseLong(r.get(0)), 128));
            assertThat(Double.parseDouble(r.get(1))).as("B_simple at step %s", r.get(0))
                    .isCloseTo(truth, within(0.15 * truth));
        }
    }

    @Test
    @Order(2)
    void fitsTheStepsVersusBatchLawAtTheDefaultTargetsAndTheirScaling() {
        List<List<String>> laws = stack.http().query("SELECT target_loss, b_noise, points, target_source,"
                + " tokens_to_target FROM batch_size_laws FINAL WHERE family_id = '" + FAMILY + "' AND fit_seq ="
                + " (SELECT max(fit_seq) FROM batch_size_laws WHERE family_id = '" + FAMILY + "')"
                + " ORDER BY target_loss");
        assertThat(laws).hasSize(3);
        for (List<String> l : laws) {
            double truth = SimulatedBatchSweep.bNoise(Double.parseDouble(l.get(0)));
            assertThat(Double.parseDouble(l.get(1))).as("B_noise at target %s", l.get(0))
                    .isCloseTo(truth, within(0.2 * truth));
            assertThat(Integer.parseInt(l.get(2))).isGreaterThanOrEqualTo(3);
            assertThat(l.get(3)).isEqualTo("DEFAULT");
            assertThat(Double.parseDouble(l.get(4))).isPositive();
        }
        List<List<String>> scaling = stack.http().query("SELECT targets, b_noise_beta, suggested_batch, next_cbs"
                + " FROM batch_size_scaling FINAL WHERE family_id = '" + FAMILY + "'");
        assertThat(scaling).hasSize(1);
        assertThat(scaling.get(0).get(0)).isEqualTo("3");
        assertThat(Double.parseDouble(scaling.get(0).get(1))).as("B_noise grows with D").isPositive();
        long suggested = Long.parseLong(scaling.get(0).get(2));
        assertThat(Long.bitCount(suggested)).as("a power of two").isEqualTo(1);

        // The trainer hears the family's advice on its topic: the latest one is the table's suggestion.
        BatchAdvice latest = null;
        for (BatchAdvice a : adviceRecords()) {
            if (a.getScope() == BatchAdviceScope.FAMILY && a.getFamilyId().equals(FAMILY)
                    && (latest == null || a.getSeq() > latest.getSeq())) {
                latest = a;
            }
        }
        assertThat(latest).isNotNull();
        assertThat(latest.getSuggestedBatch()).isEqualTo(suggested);
        assertThat(latest.getTokens()).isPositive();
    }

    @Test
    @Order(3)
    void everyBatchSizeDashboardPanelReturnsRowsForTheJobsData() throws Exception {
        int panels = DashboardPanels.assertEveryPanelReturnsRows(stack,
                ProjectRoot.resolve("dashboards/batch-size.json"), SWEEP.runId(256));
        // Six panels, and the batch-advice history ./runlaw report reads.
        assertThat(panels).isEqualTo(7);
    }

    private static List<BatchAdvice> adviceRecords() {
        List<BatchAdvice> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers",
                stack.kafka().bootstrapServers(), "key.deserializer", ByteArrayDeserializer.class,
                "value.deserializer", ByteArrayDeserializer.class, "auto.offset.reset", "earliest",
                "group.id", "batch-it-reader"))) {
            c.subscribe(List.of(Topics.BATCH_ADVICE));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            // Read until two polls in a row bring nothing after something arrived (the topic is complete: the job
            // has caught up), or the deadline.
            int empty = 0;
            while (System.nanoTime() < deadline && (out.isEmpty() || empty < 2)) {
                var polled = c.poll(Duration.ofMillis(500));
                empty = polled.isEmpty() ? empty + 1 : 0;
                for (ConsumerRecord<byte[], byte[]> r : polled) {
                    try {
                        out.add(BatchAdvice.fromByteBuffer(ByteBuffer.wrap(r.value())));
                    } catch (Exception e) {
                        throw new AssertionError("undecodable batch advice at offset " + r.offset(), e);
                    }
                }
            }
        }
        return out;
    }

    /** Steps 1, 51, 101, ... of each run, and its last step. */
    private static long expectedNoiseRows() {
        long expected = 0;
        for (long b : SWEEP.batches()) {
            long last = SWEEP.stepsOf(b);
            expected += (last - 1) / 50 + 1 + ((last - 1) % 50 == 0 ? 0 : 1);
        }
        return expected;
    }

    private static long count(String sql) {
        return Long.parseLong(stack.http().queryValue(sql).trim());
    }
}
