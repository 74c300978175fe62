package dev.runlaw.producers.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.runlaw.local.Await;
import dev.runlaw.local.EmbeddedKafka;
import dev.runlaw.producers.AdviceSubscriber;
import dev.runlaw.producers.MoeRunSimulator;
import dev.runlaw.schema.Advice;
import dev.runlaw.schema.Alert;
import dev.runlaw.schema.AlertKind;
import dev.runlaw.schema.AlertSeverity;
import dev.runlaw.schema.AlertState;
import dev.runlaw.schema.AdviceDecision;
import dev.runlaw.schema.BatchAdvice;
import dev.runlaw.schema.BatchAdviceScope;
import dev.runlaw.schema.BatchDecision;
import dev.runlaw.schema.ForecastStatus;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.RunForecast;
import dev.runlaw.schema.Topics;
import dev.runlaw.schema.codec.TelemetryCodec;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The gateway against a real KRaft broker: JSON in, Avro on the topics, advice back. */
@Timeout(180)
class GatewayIT {
    static final String PREFIX = "gwit.";
    static final String TOKEN = "gateway-it-token-0123456789";
    static EmbeddedKafka kafka;
    static Gateway gateway;
    static GatewayClient client;
    static final JsonRecordMapper MAPPER = new JsonRecordMapper();

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.start();
        List<String> topics = new ArrayList<>();
        Arrays.stream(RecordKind.values()).forEach(k -> topics.add(PREFIX + k.topic()));
        topics.add(PREFIX + AdviceSubscriber.ADVICE_TOPIC);
        topics.add(PREFIX + AdviceSubscriber.FORECAST_TOPIC);
        topics.add(PREFIX + AdviceSubscriber.ALERT_TOPIC);
        topics.add(PREFIX + AdviceSubscriber.BATCH_ADVICE_TOPIC);
        kafka.createTopics(2, topics.toArray(String[]::new));
        GatewayConfig c = GatewayConfig.fromArgs(new String[] {"--bootstrap.servers", kafka.bootstrapServers(),
            "--port", "0", "--topic.prefix", PREFIX}, Map.of(GatewayConfig.TOKENS_ENV, TOKEN));
        gateway = Gateway.start(c);
        client = new GatewayClient(gateway.baseUrl(), TOKEN);
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    static List<String> mainTopics() {
        return Arrays.stream(RecordKind.values()).map(k -> PREFIX + k.topic()).toList();
    }

    @Test
    void everyRecordKindOfASimulatedRunArrivesOnItsTopicAsTheSameAvroRecordExactlyOnce() throws Exception {
        long before = GatewayClient.countRecords(kafka, mainTopics());
        Map<RecordKind, List<SpecificRecord>> byKind = new EnumMap<>(RecordKind.class);
        MoeRunSimulator.builder().runId("gw-sim").seed(7).steps(40).layers(2).evalEvery(10).traceEvery(10).build()
                .run(r -> byKind.computeIfAbsent(RecordKind.of(r), k -> new ArrayList<>()).add(r));
        assertThat(byKind.keySet()).hasSizeGreaterThanOrEqualTo(6);
        long sent = 0;
        for (Map.Entry<RecordKind, List<SpecificRecord>> e : byKind.entrySet()) {
            ArrayNode arr = JsonNodeFactory.instance.arrayNode();
            e.getValue().forEach(r -> arr.add(MAPPER.toJson((org.apache.avro.generic.IndexedRecord) r)));
            String kind = e.getKey().topic().substring(Topics.NAMESPACE.length());
            // Alternate plain and gzip bodies; both must work.
            byte[] body = arr.toString().getBytes(StandardCharsets.UTF_8);
            GatewayClient.Answer a = sent % 2 == 0
                    ? client.post("/v1/records/" + kind, body, Map.of())
                    : client.post("/v1/records/" + kind, GatewayClient.gzip(body), Map.of("Content-Encoding", "gzip"));
            assertThat(a.status()).as(kind + ": " + a.body()).isEqualTo(200);
            assertThat(a.json().get("accepted").asInt()).isEqualTo(e.getValue().size());
            assertThat(a.json().get("rejected").asInt()).isZero();
            sent += e.getValue().size();
        }
        List<ConsumerRecord<byte[], byte[]>> got = GatewayClient.readAll(kafka, mainTopics(), before + sent);
        assertThat(got).hasSize((int) (before + sent));
        TelemetryCodec codec = new TelemetryCodec();
        Map<RecordKind, List<SpecificRecord>> decoded = new EnumMap<>(RecordKind.class);
        for (ConsumerRecord<byte[], byte[]> r : got) {
            RecordKind k = RecordKind.forTopic(r.topic().substring(PREFIX.length())).orElseThrow();
            SpecificRecord v = codec.decode(k, r.value());
            assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(k.keyOf(v));
            if (k.keyOf(v).equals("gw-sim")) {
                decoded.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
            }
        }
        for (Map.Entry<RecordKind, List<SpecificRecord>> e : byKind.entrySet()) {
            // One key per topic lands on one partition, so order within a kind is kept.
            assertThat(decoded.get(e.getKey())).as(e.getKey().name()).isEqualTo(e.getValue());
        }
    }

    @Test
    void aBatchWithSomeBadRecordsAcceptsTheGoodOnesAndNamesEachBadOne() throws Exception {
        String topic = PREFIX + RecordKind.EVAL_METRICS.topic();
        long before = GatewayClient.countRecords(kafka, List.of(topic));
        String t = ",'wall_time_ms':1700000000000,'eval_set':'val'";
        String body = ("[{'run_id':'mixed','step':1" + t + ",'loss':2.5},"
                + "{'run_id':'mixed','step':2" + t + ",'loss':NaN},"
                + "{'run_id':'mixed','step':'3'" + t + ",'loss':2},"
                + "{'run_id':'','step':4" + t + ",'loss':2.4}]").replace('\'', '"');
        GatewayClient.Answer a = client.post("/v1/records/eval-metrics", body);
        assertThat(a.status()).isEqualTo(200);
        JsonNode j = a.json();
        assertThat(j.get("accepted").asInt()).isEqualTo(1);
        assertThat(j.get("rejected").asInt()).isEqualTo(3);
        assertThat(j.get("errors").findValuesAsText("reason"))
                .containsExactly("NON_FINITE_LOSS", "WRONG_TYPE", "MISSING_RUN_ID");
        assertThat(j.get("errors").findValuesAsText("index")).containsExactly("1", "2", "3");
        gatewayFlush();
        assertThat(GatewayClient.countRecords(kafka, List.of(topic))).isEqualTo(before + 1);

        // Nothing valid at all: 400, and still nothing on the topic.
        GatewayClient.Answer bad = client.post("/v1/records/eval-metrics", "{\"run_id\":\"x\"}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("errors").get(0).get("reason").asText()).isEqualTo("MISSING_FIELD");
        gatewayFlush();
        assertThat(GatewayClient.countRecords(kafka, List.of(topic))).isEqualTo(before + 1);
    }

    @Test
    void refusesHostileIdsWithInvalidIdAndSendsNothingForThem() throws Exception {
        String topic = PREFIX + RecordKind.STEP_METRICS.topic();
        long before = GatewayClient.countRecords(kafka, List.of(topic));
        // JSON escapes: a quote, a backslash, \' , a comment, a newline, unicode; then one valid id.
        String body = "[" + String.join(",",
                step("x'; DROP TABLE step_metrics; --"), step("run\\\\"), step("run\\\\'"),
                step("run/*c*/"), step("a\\nb"), step("r\\u00e9sum\\u00e9"), step("ok/run@1")) + "]";
        GatewayClient.Answer a = client.post("/v1/records/step-metrics", body);
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        JsonNode j = a.json();
        assertThat(j.get("accepted").asInt()).isEqualTo(1);
        assertThat(j.get("errors").findValuesAsText("reason")).containsOnly("INVALID_ID").hasSize(6);
        assertThat(j.get("errors").get(0).get("message").asText())
                .startsWith("run_id has character U+0027 at index 1");
        gatewayFlush();
        assertThat(GatewayClient.countRecords(kafka, List.of(topic))).isEqualTo(before + 1);
    }

    private static String step(String jsonRunId) {
        return "{\"run_id\":\"" + jsonRunId + "\",\"step\":1,\"wall_time_ms\":1700000000000,\"lr\":0.001}";
    }

    @Test
    void refusesMissingOrUnknownTokensButServesHealthAndMetricsWithout() {
        GatewayClient anonymous = new GatewayClient(gateway.baseUrl(), null);
        GatewayClient.Answer a = anonymous.post("/v1/records/step-metrics", "{}");
        assertThat(a.status()).isEqualTo(401);
        assertThat(a.header("WWW-Authenticate")).startsWith("Bearer");
        assertThat(new GatewayClient(gateway.baseUrl(), TOKEN + "x").post("/v1/records/step-metrics", "{}").status())
                .isEqualTo(401);
        assertThat(anonymous.get("/v1/runs/r/advice").status()).isEqualTo(401);
        assertThat(anonymous.get("/healthz").status()).isEqualTo(200);
        assertThat(anonymous.get("/readyz").json().get("status").asText()).isEqualTo("ready");
        GatewayClient.Answer m = anonymous.get("/metrics");
        assertThat(m.status()).isEqualTo(200);
        assertThat(m.body()).contains("runlaw_gateway_responses_total{code=\"401\"}")
                .contains("runlaw_gateway_in_flight_bytes");
        assertThat(client.post("/v1/records/loss-curves", "{}").status()).isEqualTo(404);
        assertThat(client.get("/v1/records/step-metrics").status()).isEqualTo(405);
    }

    @Test
    void longPollReturnsAdviceAsSoonAsTheForecastJobPublishesItAndForecastIsServed() throws Exception {
        String run = "advised-run";
        assertThat(client.get("/v1/runs/" + run + "/advice").status()).isEqualTo(204);
        assertThat(client.get("/v1/runs/" + run + "/forecast").status()).isEqualTo(404);
        CompletableFuture<GatewayClient.Answer> poll = CompletableFuture.supplyAsync(
                () -> client.get("/v1/runs/" + run + "/advice?wait_ms=20000&after_seq=0"));
        // Part of the scenario, not a synchronisation: a long poll with nothing to return must stay open, and
        // "not answered" can only be seen after some time has passed.
        Thread.sleep(300);
        assertThat(poll).isNotDone();
        long t0 = System.nanoTime();
        publish(PREFIX + AdviceSubscriber.ADVICE_TOPIC, run, advice(run, 1, AdviceDecision.STOP).toByteBuffer());
        GatewayClient.Answer a = poll.get(15, TimeUnit.SECONDS);
        assertThat((System.nanoTime() - t0) / 1e9).isLessThan(10.0);
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.json().get("decision").asText()).isEqualTo("STOP");
        assertThat(a.json().get("seq").asInt()).isEqualTo(1);
        assertThat(a.json().get("final_pred").asDouble()).isEqualTo(2.9);

        // Nothing newer than seq 1: a short poll times out with 204.
        assertThat(client.get("/v1/runs/" + run + "/advice?wait_ms=300&after_seq=1").status()).isEqualTo(204);
        assertThat(client.get("/v1/runs/" + run + "/advice?wait_ms=-1").status()).isEqualTo(400);

        publish(PREFIX + AdviceSubscriber.FORECAST_TOPIC, run, forecast(run, 500).toByteBuffer());
        GatewayClient.Answer f = awaitStatus("/v1/runs/" + run + "/forecast", 200);
        assertThat(f.json().get("step").asLong()).isEqualTo(500);
        assertThat(f.json().get("status").asText()).isEqualTo("OK");
        assertThat(f.json().get("curve").get(0).get("loss").asDouble()).isEqualTo(3.0);
    }

    @Test
    void serverSentEventsCarryLatestAndNewAdviceForTheRunOnly() throws Exception {
        String run = "sse-run";
        publish(PREFIX + AdviceSubscriber.ADVICE_TOPIC, run, advice(run, 1, AdviceDecision.CONTINUE).toByteBuffer());
        awaitStatus("/v1/runs/" + run + "/advice", 200);
        HttpRequest req = HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/runs/" + run + "/events"))
                .header("Authorization", "Bearer " + TOKEN).GET().build();
        HttpResponse<InputStream> resp = client.http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(resp.statusCode()).isEqualTo(200);
        assertThat(resp.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        List<String> dataLines = new ArrayList<>();
        CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("data: ")) {
                        synchronized (dataLines) {
                            dataLines.add(line.substring(6));
                        }
                        if (line.contains("\"STOP\"")) {
                            return;
                        }
                    }
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        // The stream opens with the latest advice: once it is read, the stream is live for new advice.
        Await.until(Duration.ofSeconds(20), "the first event of the stream (the latest advice)", () -> {
            synchronized (dataLines) {
                return !dataLines.isEmpty();
            }
        });
        publish(PREFIX + AdviceSubscriber.ADVICE_TOPIC, "other-run", advice("other-run", 1, AdviceDecision.STOP)
                .toByteBuffer());
        publish(PREFIX + AdviceSubscriber.ADVICE_TOPIC, run, advice(run, 2, AdviceDecision.STOP).toByteBuffer());
        reader.get(20, TimeUnit.SECONDS);
        resp.body().close();
        synchronized (dataLines) {
            assertThat(dataLines).hasSize(2);
            assertThat(dataLines.get(0)).contains("\"CONTINUE\"").contains("\"seq\":1");
            assertThat(dataLines.get(1)).contains("\"STOP\"").contains("\"run_id\":\"sse-run\"");
        }
    }

    @Test
    void alertsLongPollReturnsEachNewEventOnceWithACursor() throws Exception {
        String run = "alerted-run";
        GatewayClient.Answer none = client.get("/v1/runs/" + run + "/alerts");
        assertThat(none.status()).isEqualTo(200);
        assertThat(none.json().get("alerts")).isEmpty();
        assertThat(none.json().get("next").asLong()).isEqualTo(-1);
        CompletableFuture<GatewayClient.Answer> poll = CompletableFuture.supplyAsync(
                () -> client.get("/v1/runs/" + run + "/alerts?wait_ms=20000&after=-1"));
        publish(PREFIX + AdviceSubscriber.ALERT_TOPIC, run, alert(run, AlertState.OPEN).toByteBuffer());
        GatewayClient.Answer a = poll.get(15, TimeUnit.SECONDS);
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.json().get("alerts")).hasSize(1);
        JsonNode open = a.json().get("alerts").get(0);
        assertThat(open.get("kind").asText()).isEqualTo("LOSS_SPIKE");
        assertThat(open.get("state").asText()).isEqualTo("OPEN");
        assertThat(open.get("first_step").asLong()).isEqualTo(250);
        assertThat(open.get("last_step").isNull()).isTrue();
        long next = a.json().get("next").asLong();
        assertThat(next).isEqualTo(open.get("offset").asLong());

        CompletableFuture<GatewayClient.Answer> poll2 = CompletableFuture.supplyAsync(
                () -> client.get("/v1/runs/" + run + "/alerts?wait_ms=20000&after=" + next));
        publish(PREFIX + AdviceSubscriber.ALERT_TOPIC, run, alert(run, AlertState.RESOLVED).toByteBuffer());
        GatewayClient.Answer b = poll2.get(15, TimeUnit.SECONDS);
        assertThat(b.json().get("alerts")).hasSize(1);
        assertThat(b.json().get("alerts").get(0).get("state").asText()).isEqualTo("RESOLVED");
        assertThat(b.json().get("alerts").get(0).get("last_step").asLong()).isEqualTo(251);
        long last = b.json().get("next").asLong();
        assertThat(last).isGreaterThan(next);

        // Nothing newer: a short poll answers an empty list with the same cursor; without a cursor, everything.
        GatewayClient.Answer empty = client.get("/v1/runs/" + run + "/alerts?wait_ms=300&after=" + last);
        assertThat(empty.json().get("alerts")).isEmpty();
        assertThat(empty.json().get("next").asLong()).isEqualTo(last);
        assertThat(client.get("/v1/runs/" + run + "/alerts").json().get("alerts")).hasSize(2);
        assertThat(client.get("/v1/runs/" + run + "/alerts?wait_ms=-1").status()).isEqualTo(400);
        assertThat(client.get("/v1/runs/" + run + "/alerts?after=x").status()).isEqualTo(400);
    }

    @Test
    void batchAdviceLongPollReturnsEachNewRecordOnceWithACursor() throws Exception {
        String run = "batch-run";
        GatewayClient.Answer none = client.get("/v1/runs/" + run + "/batch-advice");
        assertThat(none.status()).isEqualTo(200);
        assertThat(none.json().get("batch_advice")).isEmpty();
        assertThat(none.json().get("next").asLong()).isEqualTo(-1);
        CompletableFuture<GatewayClient.Answer> poll = CompletableFuture.supplyAsync(
                () -> client.get("/v1/runs/" + run + "/batch-advice?wait_ms=20000&after=-1"));
        publish(PREFIX + AdviceSubscriber.BATCH_ADVICE_TOPIC, run,
                batchAdvice(run, 1, BatchDecision.INCREASE).toByteBuffer());
        GatewayClient.Answer a = poll.get(15, TimeUnit.SECONDS);
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.json().get("batch_advice")).hasSize(1);
        JsonNode first = a.json().get("batch_advice").get(0);
        assertThat(first.get("scope").asText()).isEqualTo("RUN");
        assertThat(first.get("decision").asText()).isEqualTo("INCREASE");
        assertThat(first.get("batch").asLong()).isEqualTo(64);
        assertThat(first.get("suggested_batch").asLong()).isEqualTo(256);
        assertThat(first.get("steps_factor").asDouble()).isEqualTo(1 + 300.0 / 64);
        long next = a.json().get("next").asLong();
        assertThat(next).isEqualTo(first.get("offset").asLong());

        CompletableFuture<GatewayClient.Answer> poll2 = CompletableFuture.supplyAsync(
                () -> client.get("/v1/runs/" + run + "/batch-advice?wait_ms=20000&after=" + next));
        publish(PREFIX + AdviceSubscriber.BATCH_ADVICE_TOPIC, run,
                batchAdvice(run, 2, BatchDecision.KEEP).toByteBuffer());
        GatewayClient.Answer b = poll2.get(15, TimeUnit.SECONDS);
        assertThat(b.json().get("batch_advice")).hasSize(1);
        assertThat(b.json().get("batch_advice").get(0).get("decision").asText()).isEqualTo("KEEP");
        assertThat(b.json().get("batch_advice").get(0).get("suggested_batch").isNull()).isTrue();
        long last = b.json().get("next").asLong();
        assertThat(last).isGreaterThan(next);

        GatewayClient.Answer empty = client.get("/v1/runs/" + run + "/batch-advice?wait_ms=300&after=" + last);
        assertThat(empty.json().get("batch_advice")).isEmpty();
        assertThat(empty.json().get("next").asLong()).isEqualTo(last);
        assertThat(client.get("/v1/runs/" + run + "/batch-advice").json().get("batch_advice")).hasSize(2);
        assertThat(client.get("/v1/runs/" + run + "/batch-advice?wait_ms=-1").status()).isEqualTo(400);
        assertThat(client.get("/v1/runs/" + run + "/batch-advice?after=x").status()).isEqualTo(400);
    }

    @Test
    void serverSentEventsCarryNewBatchAdviceForTheRunOnly() throws Exception {
        String run = "sse-batch-run";
        HttpRequest req = HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/runs/" + run + "/events"))
                .header("Authorization", "Bearer " + TOKEN).GET().build();
        HttpResponse<InputStream> resp = client.http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(resp.statusCode()).isEqualTo(200);
        List<String> lines = new ArrayList<>();
        CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (lines) {
                        lines.add(line);
                    }
                    if (line.startsWith("data: ") && line.contains("\"DECREASE\"")) {
                        return;
                    }
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        // The stream says it is subscribed once its listener is registered: from then on it hears new records.
        Await.until(Duration.ofSeconds(20), "the stream's subscribed comment", () -> {
            synchronized (lines) {
                return lines.contains(": subscribed to " + run);
            }
        });
        publish(PREFIX + AdviceSubscriber.BATCH_ADVICE_TOPIC, "other-batch-run",
                batchAdvice("other-batch-run", 1, BatchDecision.INCREASE).toByteBuffer());
        publish(PREFIX + AdviceSubscriber.BATCH_ADVICE_TOPIC, run,
                batchAdvice(run, 1, BatchDecision.DECREASE).toByteBuffer());
        reader.get(20, TimeUnit.SECONDS);
        resp.body().close();
        synchronized (lines) {
            List<String> data = lines.stream().filter(l -> l.startsWith("data: ")).toList();
            assertThat(data).singleElement().satisfies(d -> assertThat(d).contains("\"run_id\":\"" + run + "\"")
                    .contains("\"offset\":"));
            assertThat(lines.get(lines.indexOf(data.get(0)) - 1)).isEqualTo("event: batch_advice");
        }
    }

    static BatchAdvice batchAdvice(String run, int seq, BatchDecision d) {
        return BatchAdvice.newBuilder().setScope(BatchAdviceScope.RUN).setRunId(run).setFamilyId("fam")
                .setStep(100L * seq).setEmittedAtMs(1L).setDecision(d).setBatch(64)
                .setSuggestedBatch(d == BatchDecision.KEEP ? null : (d == BatchDecision.INCREASE ? 256L : 32L))
                .setBNoise(300.0).setStepsFactor(1 + 300.0 / 64).setTokensFactor(1 + 64 / 300.0)
                .setReason("batch 64 is far below B_simple 300").setSeq(seq).build();
    }

    static Alert alert(String run, AlertState state) {
        return Alert.newBuilder().setRunId(run).setKind(AlertKind.LOSS_SPIKE).setSeverity(AlertSeverity.WARNING)
                .setFirstStep(250).setDetectedStep(250).setLastStep(state == AlertState.OPEN ? null : 251L)
                .setValue(6.0).setExpected(3.0).setScore(9.0).setMessage("loss 6.0 is 2x the expected 3.0")
                .setState(state).setEventStep(state == AlertState.OPEN ? 250 : 252).setEventWallTimeMs(1L)
                .setEmittedAtMs(2L).build();
    }

    private static GatewayClient.Answer awaitStatus(String path, int status) throws InterruptedException {
        return Await.until(Duration.ofSeconds(20), "status " + status + " from " + path, () -> client.get(path),
                a -> a.status() == status);
    }

    private static void gatewayFlush() throws InterruptedException {
        Await.until(Duration.ofSeconds(20), () -> "the gateway's producer to ack every record sent: "
                + gateway.producerCounters(), () -> gateway.producerCounters().acked()
                >= gateway.producerCounters().sent());
    }

    static Advice advice(String run, int seq, AdviceDecision decision) {
        return Advice.newBuilder().setRunId(run).setStep(1000L * seq).setEmittedAtMs(1_700_000_000_000L)
                .setDecision(decision).setTargetKind("LOSS").setTargetLoss(3.0).setFinalPred(2.9)
                .setProbabilityBeatsTarget(decision == AdviceDecision.STOP ? 0.02 : 0.7).setSeq(seq)
                .setReason("test").build();
    }

    static RunForecast forecast(String run, long step) {
        return RunForecast.newBuilder().setRunId(run).setStep(step).setObservedPoints(step).setStepWallTimeMs(1L)
                .setEmittedAtMs(2L).setStatus(ForecastStatus.OK).setPlannedFinalStep(10_000).setFinalPred(2.5)
                .setCurve(List.of(dev.runlaw.schema.ForecastPoint.newBuilder().setStep(600).setLoss(3.0)
                        .setLo90(2.9).setHi90(3.1).build()))
                .build();
    }

    static void publish(String topic, String key, java.nio.ByteBuffer value) throws Exception {
        publish(kafka, topic, key, value);
    }

    static void publish(EmbeddedKafka kafka, String topic, String key, java.nio.ByteBuffer value) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        byte[] bytes = new byte[value.remaining()];
        value.get(bytes);
        try (KafkaProducer<byte[], byte[]> prod = new KafkaProducer<>(p)) {
            prod.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), bytes)).get();
        }
    }

}
