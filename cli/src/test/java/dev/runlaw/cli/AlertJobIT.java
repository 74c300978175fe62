package dev.runlaw.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.jobs.alert.AlertConfig;
import dev.runlaw.local.Await;
import dev.runlaw.schema.Alert;
import dev.runlaw.schema.DataMovement;
import dev.runlaw.schema.ExpertLoad;
import dev.runlaw.schema.ForecastPoint;
import dev.runlaw.schema.ForecastStatus;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.RunFinished;
import dev.runlaw.schema.RunForecast;
import dev.runlaw.schema.RunStatus;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.Topics;
import dev.runlaw.schema.codec.TelemetryCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The alert job on the real stack (Kafka broker, Flink MiniCluster, ClickHouse server): a seeded MoE run with a
 * x2.5 loss spike at step 250 and a router collapse on layer 1 from step 300 to 339 goes through Kafka, with a
 * forecast record on {@code runlaw.forecasts} (the law's curve, as the forecast job publishes it) from step 100 on;
 * the alerts land in ClickHouse, one row per alert under FINAL, each RESOLVED once its anomaly ended. Layer 0's data
 * movement (4 devices, one record per pair and step) has the pair 2 → 3 hot from step 350 to the run's end (399):
 * HOT_LINK opens live and the run-finished record resolves it at step 399.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class AlertJobIT {
    private static final TelemetryCodec CODEC = new TelemetryCodec();
    private static final String RUN = "moe-it";
    private static final long START_MS = 1_735_689_600_000L;
    static LocalStack stack;

    @BeforeAll
    static void start() {
        stack = LocalStack.start();
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    private static double law(long s) {
        return 2 + 8 * Math.pow(s + 1, -0.3);
    }

    private static List<ProducerRecord<byte[], byte[]>> run() throws Exception {
        Random rnd = new Random(3);
        Random links = new Random(4);
        byte[] key = RUN.getBytes(StandardCharsets.UTF_8);
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        for (int s = 0; s <= 399; s++) {
            double loss = law(s) * Math.exp(0.01 * rnd.nextGaussian()) * (s == 250 ? 2.5 : 1);
            out.add(new ProducerRecord<>(RecordKind.STEP_METRICS.topic(), key, CODEC.encode(StepMetrics.newBuilder()
                    .setRunId(RUN).setStep(s).setWallTimeMs(START_MS + s * 1000L).setLr(3e-4).setLoss(loss).build())));
            boolean collapsed = s >= 300 && s <= 339;
            for (int layer = 0; layer < 2; layer++) {
                List<Long> tokens = new ArrayList<>();
                long[] counts = new long[16];
                for (int t = 0; t < 2048; t++) {
                    counts[layer == 1 && collapsed && rnd.nextDouble() < 0.9 ? 0 : rnd.nextInt(16)]++;
                }
                for (long c : counts) {
                    tokens.add(c);
                }
                out.add(new ProducerRecord<>(RecordKind.EXPERT_LOAD.topic(), key, CODEC.encode(ExpertLoad.newBuilder()
                        .setRunId(RUN).setStep(s).setWallTimeMs(START_MS + s * 1000L).setLayer(layer)
                        .setTokensPerExpert(tokens).build())));
            }
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    if (i != j) {
                        long bytes = (long) (1e6 * (0.8 + 0.4 * links.nextDouble()) * (s >= 350 && i == 2 && j == 3
                                ? 8 : 1));
                        out.add(new ProducerRecord<>(RecordKind.DATA_MOVEMENT.topic(), key, CODEC.encode(
                                DataMovement.newBuilder().setSource(RUN).setStep(s).setWallTimeMs(START_MS + s * 1000L)
                                        .setLayer(0).setSrcDevice(i).setDstDevice(j).setBytes(bytes).build())));
                    }
                }
            }
            if (s == 100) {
                List<ForecastPoint> curve = new ArrayList<>();
                for (long c = 101; c <= 3000; c += 25) {
                    curve.add(new ForecastPoint(c, law(c), law(c) * 0.95, law(c) * 1.05));
                }
                ByteBuffer b = RunForecast.newBuilder().setRunId(RUN).setStep(100).setObservedPoints(101)
                        .setStepWallTimeMs(START_MS + 100_000).setEmittedAtMs(START_MS).setStatus(ForecastStatus.OK)
                        .setPlannedFinalStep(3000).setCurve(curve).build().toByteBuffer();
                byte[] v = new byte[b.remaining()];
                b.get(v);
                out.add(new ProducerRecord<>(Topics.FORECASTS, key, v));
            }
        }
        out.add(new ProducerRecord<>(RecordKind.RUN_FINISHED.topic(), key, CODEC.encode(RunFinished.newBuilder()
                .setRunId(RUN).setFinishedAtMs(START_MS + 400_000).setFinalStep(399).setStatus(RunStatus.COMPLETED)
                .build())));
        return out;
    }

    @Test
    void spikeRouterCollapseAndHotLinkLandInTheAlertsTableOncePerAlertAndResolved() throws Exception {
        AlertConfig config = stack.alertConfig(Map.of("checkpoint.interval-ms", "500"));
        JobClient job = stack.startAlerts(config);
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers",
                stack.kafka().bootstrapServers(), "key.serializer", ByteArraySerializer.class,
                "value.serializer", ByteArraySerializer.class, "linger.ms", 0))) {
            // Steps, loads and the forecast as the trainer and the forecast job send them. The forecast is on its
            // own topic, so nothing orders it before the later steps: send those only once the job has checkpointed
            // past it (committed offsets at the end), so the spike is scored against the law, as asserted below.
            List<ProducerRecord<byte[], byte[]>> records = run();
            int afterForecast = 1 + records.stream().map(ProducerRecord::topic).toList().indexOf(Topics.FORECASTS);
            for (ProducerRecord<byte[], byte[]> r : records.subList(0, afterForecast)) {
                p.send(r).get();
            }
            stack.awaitConsumerCaughtUp(config.settings().groupId(), Duration.ofMinutes(2));
            // Likewise the run-finished record, last: its topic is not ordered with the others either.
            for (ProducerRecord<byte[], byte[]> r : records.subList(afterForecast, records.size() - 1)) {
                p.send(r).get();
            }
            stack.awaitConsumerCaughtUp(config.settings().groupId(), Duration.ofMinutes(2));
            p.send(records.get(records.size() - 1)).get();
        }
        JobWait.until(job, Duration.ofMinutes(4), "the spike and the collapse resolved in ClickHouse",
                () -> count("SELECT count() FROM alerts FINAL WHERE run_id = '" + RUN + "' AND state = 'RESOLVED'"
                        + " AND kind IN ('LOSS_SPIKE', 'ROUTER_COLLAPSE', 'HOT_LINK')") >= 3);

        List<List<String>> spike = stack.http().query("SELECT first_step, detected_step, last_step, severity,"
                + " round(expected, 2) FROM alerts FINAL WHERE run_id = '" + RUN + "' AND kind = 'LOSS_SPIKE'");
        assertThat(spike).containsExactly(List.of("250", "250", "250", "WARNING",
                String.valueOf(Math.round(law(250) * 100) / 100.0)));
        List<List<String>> collapse = stack.http().query("SELECT layer, first_step, detected_step, last_step,"
                + " severity, state FROM alerts FINAL WHERE run_id = '" + RUN + "' AND kind = 'ROUTER_COLLAPSE'");
        assertThat(collapse).hasSize(1);
        assertThat(collapse.get(0).get(0)).as("layer").isEqualTo("1");
        assertThat(Long.parseLong(collapse.get(0).get(1))).as("first step").isBetween(300L, 310L);
        assertThat(Long.parseLong(collapse.get(0).get(2))).as("detected step").isBetween(300L, 320L);
        assertThat(Long.parseLong(collapse.get(0).get(3))).as("last step").isBetween(335L, 345L);
        assertThat(collapse.get(0).subList(4, 6)).containsExactly("CRITICAL", "RESOLVED");
        // Layer 0's hot link, still hot when the run finished: resolved at the run's last step.
        assertThat(stack.http().query("SELECT layer, first_step, detected_step, last_step, severity, state FROM alerts"
                + " FINAL WHERE run_id = '" + RUN + "' AND kind = 'HOT_LINK'"))
                .containsExactly(List.of("0", "350", "354", "399", "WARNING", "RESOLVED"));
        // Layer 0's routing stayed healthy: nothing else above INFO there.
        assertThat(count("SELECT count() FROM alerts FINAL WHERE run_id = '" + RUN + "' AND layer = 0"
                + " AND severity != 'INFO' AND kind != 'HOT_LINK'")).isZero();
        // Nothing is left open once the run has finished.
        assertThat(count("SELECT count() FROM alerts FINAL WHERE run_id = '" + RUN + "' AND state = 'OPEN'"))
                .isZero();
        // One row per alert identity under FINAL, even with the OPEN and RESOLVED events both inserted.
        assertThat(count("SELECT count() FROM (SELECT run_id, kind, layer, first_step FROM alerts FINAL"
                + " GROUP BY run_id, kind, layer, first_step HAVING count() > 1)")).isZero();
        // Both events of the spike were published: read from runlaw.alerts, not from the table's unmerged parts
        // (a background merge may collapse them at any time, so comparing counts with and without FINAL raced).
        awaitSpikeEventsOnTopic(Set.of("OPEN", "RESOLVED"));
        job.cancel().get(1, TimeUnit.MINUTES);
    }

    /** Waits until {@code runlaw.alerts} holds a LOSS_SPIKE event of the run in each of {@code states}. */
    private static void awaitSpikeEventsOnTopic(Set<String> states) throws InterruptedException {
        Set<String> seen = new TreeSet<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers",
                stack.kafka().bootstrapServers(), "key.deserializer", ByteArrayDeserializer.class,
                "value.deserializer", ByteArrayDeserializer.class, "auto.offset.reset", "earliest",
                "group.id", "alert-it-reader"))) {
            c.subscribe(List.of(Topics.ALERTS));
            Await.until(Duration.ofMinutes(1), () -> "LOSS_SPIKE events " + states + " on " + Topics.ALERTS
                    + ", seen " + seen, () -> {
                        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                            Alert a = Alert.fromByteBuffer(ByteBuffer.wrap(r.value()));
                            if (a.getRunId().equals(RUN) && a.getKind().toString().equals("LOSS_SPIKE")) {
                                seen.add(a.getState().toString());
                            }
                        }
                        return seen.containsAll(states);
                    });
        }
    }

    private static long count(String sql) {
        return Long.parseLong(stack.http().queryValue(sql).trim());
    }
}
