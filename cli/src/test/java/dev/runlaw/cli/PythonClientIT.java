package dev.runlaw.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runlaw.local.ProjectRoot;
import dev.runlaw.producers.AdviceSubscriber;
import dev.runlaw.producers.gateway.BearerTokens;
import dev.runlaw.producers.gateway.Gateway;
import dev.runlaw.producers.gateway.GatewayConfig;
import dev.runlaw.schema.Advice;
import dev.runlaw.schema.AdviceDecision;
import dev.runlaw.schema.BatchAdvice;
import dev.runlaw.schema.BatchAdviceScope;
import dev.runlaw.schema.BatchDecision;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A small Python "training loop" (producers/src/test/python/train_loop.py, using producers/python/runlaw_client.py
 * with the machine's python3) logs through the real gateway into the real broker, the Flink ingest job and the
 * ClickHouse server; every row must land exactly once, the NaN step must be refused, and the advice the forecast
 * job (stop) and the batch-size job (batch advice) would publish must reach the loop.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class PythonClientIT {
    static final String TOKEN = "python-client-it-token-0123";
    static final String RUN = "py-run-1";
    static final int STEPS = 300;
    static final int MOE_EVERY = 50;
    static LocalStack stack;
    static Gateway gateway;

    @BeforeAll
    static void start() {
        stack = LocalStack.start();
        gateway = Gateway.start(GatewayConfig.defaults(stack.kafka().bootstrapServers(),
                BearerTokens.of(List.of(TOKEN))).withPort(0));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void pythonTrainingLoopRowsLandInClickHouseExactlyOnceAndItHearsStopAndBatchAdvice() throws Exception {
        JobClient job = stack.startIngest(stack.ingestConfig(Map.of()));
        // What the forecast job would publish for this run; the loop asks for it at the end.
        publish(AdviceSubscriber.ADVICE_TOPIC, Advice.newBuilder().setRunId(RUN).setStep(250).setEmittedAtMs(System.currentTimeMillis())
                .setDecision(AdviceDecision.STOP).setTargetKind("LOSS").setTargetLoss(2.0).setFinalPred(2.2)
                .setProbabilityBeatsTarget(0.01).setReason("forecast 2.2 above target 2.0").setSeq(1).build()
                .toByteBuffer());
        // What the batch-size job would publish for it: the loop asks for it after the advice.
        publish(AdviceSubscriber.BATCH_ADVICE_TOPIC, BatchAdvice.newBuilder().setScope(BatchAdviceScope.RUN)
                .setRunId(RUN).setFamilyId("py-family").setStep(200).setEmittedAtMs(System.currentTimeMillis())
                .setDecision(BatchDecision.INCREASE).setBatch(64).setSuggestedBatch(512L).setBNoise(700.0)
                .setStepsFactor(1 + 700.0 / 64).setTokensFactor(1 + 64 / 700.0).setReason("batch 64 far below 700")
                .setSeq(1).build().toByteBuffer());

        Path root = ProjectRoot.find();
        List<String> cmd = new ArrayList<>(List.of(python3().toString(),
                root.resolve("producers/src/test/python/train_loop.py").toString(),
                "--client-dir", root.resolve("producers/python").toString(), "--url", gateway.baseUrl(),
                "--token", TOKEN, "--run", RUN, "--steps", String.valueOf(STEPS), "--moe-every",
                String.valueOf(MOE_EVERY), "--batch-size", "64", "--wait-advice", "10",
                "--wait-batch-advice", "10"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                out.add(line);
            }
        }
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join("\n", out)).isZero();
        String statsLine = out.stream().filter(l -> l.startsWith("STATS ")).findFirst()
                .orElseThrow(() -> new AssertionError("no STATS line:\n" + String.join("\n", out)));
        JsonNode result = new ObjectMapper().readTree(statsLine.substring(6));
        JsonNode stats = result.get("stats");

        int moeSteps = (STEPS + MOE_EVERY - 1) / MOE_EVERY;
        long expertLoad = 2L * moeSteps;
        long routingRows = 8L * moeSteps; // 4 token positions x 2 layers per trace
        long records = 1 + STEPS + expertLoad + moeSteps + 1;
        assertThat(stats.get("sent").asLong()).as(stats.toString()).isEqualTo(records);
        assertThat(stats.get("rejected").asLong()).as("the NaN loss").isEqualTo(1);
        assertThat(stats.get("dropped").asLong()).isZero();
        assertThat(result.get("advice").get("decision").asText()).isEqualTo("STOP");
        assertThat(result.get("should_stop").asBoolean()).isTrue();
        assertThat(result.get("batch_advice")).as(statsLine).hasSize(1);
        assertThat(result.get("batch_advice").get(0).get("decision").asText()).isEqualTo("INCREASE");
        assertThat(result.get("batch_advice").get(0).get("suggested_batch").asLong()).isEqualTo(512);
        assertThat(result.get("batch_advice").get(0).has("offset")).isTrue();

        Map<String, Long> expected = Map.of("runs", 1L, "run_finished", 1L, "step_metrics", (long) STEPS,
                "expert_load", expertLoad, "routing_trace", routingRows);
        awaitRows(expected, job, Duration.ofMinutes(3));
        for (Map.Entry<String, Long> e : expected.entrySet()) {
            String col = e.getKey().equals("routing_trace") ? "source" : "run_id";
            assertThat(Long.parseLong(stack.http().queryValue("SELECT count() FROM " + e.getKey() + " FINAL WHERE "
                    + col + " = '" + RUN + "'").trim())).as(e.getKey()).isEqualTo(e.getValue());
        }
        // Raw rows too: nothing arrived twice (no retries happened, so not even before FINAL).
        assertThat(stack.http().query("SELECT count(), uniqExact(step), min(step), max(step), "
                + "round(sum(loss), 3) FROM step_metrics WHERE run_id = '" + RUN + "'").get(0))
                .containsExactly(String.valueOf(STEPS), String.valueOf(STEPS), "0", String.valueOf(STEPS - 1),
                        String.valueOf(expectedLossSum()));
        assertThat(stack.http().queryValue("SELECT status FROM run_finished FINAL WHERE run_id = '" + RUN + "'")
                .trim()).isEqualTo("COMPLETED");
        assertThat(stack.http().queryValue("SELECT family_id FROM runs FINAL WHERE run_id = '" + RUN + "'").trim())
                .isEqualTo("py-family");
    }

    private static double expectedLossSum() {
        double s = 0;
        for (int step = 0; step < STEPS; step++) {
            s += 2.0 + 3.0 * Math.pow(step + 1, -0.3);
        }
        return Math.round(s * 1e3) / 1e3;
    }

    private static void awaitRows(Map<String, Long> expected, JobClient job, Duration timeout) throws Exception {
        JobWait.until(job, timeout, "rows in ClickHouse: " + expected, () -> {
            boolean done = true;
            for (Map.Entry<String, Long> e : expected.entrySet()) {
                done &= stack.countFinal(e.getKey()) >= e.getValue();
            }
            return done;
        });
    }

    private static void publish(String topic, ByteBuffer value) throws Exception {
        stack.kafka().createTopics(LocalStack.PARTITIONS, topic);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        byte[] bytes = new byte[value.remaining()];
        value.get(bytes);
        try (KafkaProducer<byte[], byte[]> prod = new KafkaProducer<>(p)) {
            prod.send(new ProducerRecord<>(topic, RUN.getBytes(StandardCharsets.UTF_8), bytes)).get();
        }
    }

    /** The first python3 on PATH; a clear failure (not a skip) when there is none. */
    static Path python3() {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            Path c = Path.of(dir.isEmpty() ? "." : dir, "python3");
            if (Files.isExecutable(c)) {
                return c;
            }
        }
        throw new AssertionError("no python3 on PATH (" + path + "): the Python client test needs one (>= 3.8)");
    }
}
