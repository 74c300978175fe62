package dev.runlaw.producers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.local.Await;
import dev.runlaw.local.EmbeddedKafka;
import dev.runlaw.schema.Advice;
import dev.runlaw.schema.AdviceDecision;
import dev.runlaw.schema.Alert;
import dev.runlaw.schema.AlertKind;
import dev.runlaw.schema.AlertSeverity;
import dev.runlaw.schema.AlertState;
import dev.runlaw.schema.BatchAdvice;
import dev.runlaw.schema.BatchAdviceScope;
import dev.runlaw.schema.BatchDecision;
import dev.runlaw.schema.ForecastStatus;
import dev.runlaw.schema.RunForecast;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The advice subscriber against a real broker, fed Advice and RunForecast records as the forecast job writes them. */
@Timeout(120)
class AdviceSubscriberIT {
    static EmbeddedKafka kafka;
    static KafkaProducer<byte[], byte[]> producer;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.start();
        kafka.createTopics(3, "as." + AdviceSubscriber.ADVICE_TOPIC, "as." + AdviceSubscriber.FORECAST_TOPIC,
                "as." + AdviceSubscriber.ALERT_TOPIC, "as." + AdviceSubscriber.BATCH_ADVICE_TOPIC);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        producer = new KafkaProducer<>(p);
    }

    @AfterAll
    static void stop() {
        if (producer != null) {
            producer.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    static void send(String topic, String key, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>("as." + topic, key.getBytes(StandardCharsets.UTF_8), value)).get();
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    static Advice advice(String run, int seq, AdviceDecision d) {
        return Advice.newBuilder().setRunId(run).setStep(seq * 100L).setEmittedAtMs(1L).setDecision(d)
                .setTargetKind("LOSS").setSeq(seq).build();
    }

    @Test
    void keepsTheNewestAdvicePerRunSkipsGarbageAndWakesWaitersAndListeners() throws Exception {
        send(AdviceSubscriber.ADVICE_TOPIC, "a", bytes(advice("a", 1, AdviceDecision.CONTINUE).toByteBuffer()));
        send(AdviceSubscriber.ADVICE_TOPIC, "a", "not avro".getBytes(StandardCharsets.UTF_8));
        try (AdviceSubscriber sub = AdviceSubscriber.builder(kafka.bootstrapServers()).topicPrefix("as.").start()) {
            List<Advice> heard = new CopyOnWriteArrayList<>();
            sub.addListener(new AdviceSubscriber.Listener() {
                @Override
                public void onAdvice(Advice a) {
                    if (a.getRunId().equals("a")) {
                        heard.add(a);
                    }
                }
            });
            await("advice of run a and one undecodable record",
                    () -> sub.latestAdvice("a").isPresent() && sub.undecodable() == 1);
            assertThat(sub.latestAdvice("a").get().getDecision()).isEqualTo(AdviceDecision.CONTINUE);

            CompletableFuture<Advice> next = sub.nextAdvice("a", 1);
            assertThat(next).isNotDone();
            send(AdviceSubscriber.ADVICE_TOPIC, "a", bytes(advice("a", 2, AdviceDecision.STOP).toByteBuffer()));
            assertThat(next.get(20, TimeUnit.SECONDS).getDecision()).isEqualTo(AdviceDecision.STOP);
            // An older decision read later (a replay) does not win over the newer one.
            send(AdviceSubscriber.ADVICE_TOPIC, "a", bytes(advice("a", 1, AdviceDecision.CONTINUE).toByteBuffer()));
            send(AdviceSubscriber.FORECAST_TOPIC, "a", bytes(RunForecast.newBuilder().setRunId("a").setStep(900)
                    .setObservedPoints(9).setStepWallTimeMs(1).setEmittedAtMs(2).setStatus(ForecastStatus.OK)
                    .setPlannedFinalStep(1000).build().toByteBuffer()));
            await("a forecast of run a and 5 records consumed",
                    () -> sub.latestForecast("a").isPresent() && sub.consumed() >= 5);
            assertThat(sub.latestAdvice("a").get().getSeq()).isEqualTo(2);
            assertThat(sub.latestForecast("a").get().getStep()).isEqualTo(900);
            assertThat(heard).extracting(Advice::getSeq).containsExactly(1, 2);
            // A wait that nobody answers can be abandoned without leaking.
            CompletableFuture<Advice> never = sub.nextAdvice("nobody", 0).orTimeout(100, TimeUnit.MILLISECONDS);
            assertThat(never).failsWithin(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aTrainerFollowingOneRunSeesOnlyThatRunAndRunsAreBounded() throws Exception {
        for (int i = 0; i < 20; i++) {
            send(AdviceSubscriber.ADVICE_TOPIC, "r" + i, bytes(advice("r" + i, 1, AdviceDecision.UNDECIDED)
                    .toByteBuffer()));
        }
        try (AdviceSubscriber one = AdviceSubscriber.builder(kafka.bootstrapServers()).topicPrefix("as.")
                .onlyRun("r7").start();
             AdviceSubscriber all = AdviceSubscriber.builder(kafka.bootstrapServers()).topicPrefix("as.")
                     .maxRuns(5).start()) {
            await("the r7-only subscriber caught up with r7's advice",
                    () -> one.caughtUp() && one.latestAdvice("r7").isPresent());
            await("the 5-run subscriber caught up with 20 records", () -> all.caughtUp() && all.consumed() >= 20);
            assertThat(one.runsWithAdvice()).isEqualTo(1);
            assertThat(one.latestAdvice("r3")).isEmpty();
            assertThat(all.runsWithAdvice()).isEqualTo(5);
        }
    }

    static Alert alert(String run, AlertKind kind, long first, AlertState state) {
        return Alert.newBuilder().setRunId(run).setKind(kind).setSeverity(AlertSeverity.CRITICAL).setFirstStep(first)
                .setDetectedStep(first).setLastStep(state == AlertState.OPEN ? null : first + 3).setState(state)
                .setEventStep(first + (state == AlertState.OPEN ? 0 : 4)).setEventWallTimeMs(1L).setEmittedAtMs(2L)
                .build();
    }

    @Test
    void keepsARunsAlertEventsInOrderWithTheirOffsetsAndWakesAlertWaitersAndListeners() throws Exception {
        send(AdviceSubscriber.ALERT_TOPIC, "al", bytes(alert("al", AlertKind.LOSS_SPIKE, 10, AlertState.OPEN)
                .toByteBuffer()));
        send(AdviceSubscriber.ALERT_TOPIC, "other", bytes(alert("other", AlertKind.STALL, 5, AlertState.OPEN)
                .toByteBuffer()));
        try (AdviceSubscriber sub = AdviceSubscriber.builder(kafka.bootstrapServers()).topicPrefix("as.")
                .onlyRun("al").start()) {
            List<AdviceSubscriber.AlertEvent> heard = new CopyOnWriteArrayList<>();
            sub.addListener(new AdviceSubscriber.Listener() {
                @Override
                public void onAlert(AdviceSubscriber.AlertEvent e) {
                    heard.add(e);
                }
            });
            await("run al's first alert", () -> !sub.alerts("al", -1).isEmpty());
            long first = sub.alerts("al", -1).get(0).offset();
            CompletableFuture<List<AdviceSubscriber.AlertEvent>> next = sub.nextAlerts("al", first);
            assertThat(next).isNotDone();
            send(AdviceSubscriber.ALERT_TOPIC, "al", bytes(alert("al", AlertKind.LOSS_SPIKE, 10, AlertState.RESOLVED)
                    .toByteBuffer()));
            List<AdviceSubscriber.AlertEvent> got = next.get(20, TimeUnit.SECONDS);
            assertThat(got).singleElement().satisfies(e -> {
                assertThat(e.offset()).isGreaterThan(first);
                assertThat(e.alert().getState()).isEqualTo(AlertState.RESOLVED);
                assertThat(e.alert().getLastStep()).isEqualTo(13L);
            });
            assertThat(sub.alerts("al", -1)).extracting(e -> e.alert().getState())
                    .containsExactly(AlertState.OPEN, AlertState.RESOLVED);
            assertThat(sub.alerts("other", -1)).as("another run's alerts, for a one-run subscriber").isEmpty();
            await("both events heard", () -> heard.size() == 2);
            assertThat(heard).extracting(AdviceSubscriber.AlertEvent::offset).isSorted();
        }
    }

    static BatchAdvice batchAdvice(BatchAdviceScope scope, String run, String family, int seq, BatchDecision d) {
        return BatchAdvice.newBuilder().setScope(scope).setRunId(run).setFamilyId(family).setStep(100L * seq)
                .setEmittedAtMs(1L).setDecision(d).setBatch(64).setSuggestedBatch(d == BatchDecision.KEEP ? null : 256L)
                .setBNoise(300.0).setStepsFactor(1 + 300.0 / 64).setTokensFactor(1 + 64 / 300.0)
                .setReason("test").setSeq(seq).build();
    }

    @Test
    void keepsARunsBatchAdviceInOrderWithTheirOffsetsAndWakesWaitersAndListeners() throws Exception {
        send(AdviceSubscriber.BATCH_ADVICE_TOPIC, "ba", bytes(batchAdvice(BatchAdviceScope.RUN, "ba", "fam", 1,
                BatchDecision.INCREASE).toByteBuffer()));
        send(AdviceSubscriber.BATCH_ADVICE_TOPIC, "ba-other", bytes(batchAdvice(BatchAdviceScope.RUN, "ba-other",
                "fam", 1, BatchDecision.DECREASE).toByteBuffer()));
        send(AdviceSubscriber.BATCH_ADVICE_TOPIC, "fam", bytes(batchAdvice(BatchAdviceScope.FAMILY, "", "fam", 1,
                BatchDecision.INCREASE).toByteBuffer()));
        try (AdviceSubscriber all = AdviceSubscriber.builder(kafka.bootstrapServers()).topicPrefix("as.").start();
             AdviceSubscriber sub = AdviceSubscriber.builder(kafka.bootstrapServers()).topicPrefix("as.")
                     .onlyRun("ba").start()) {
            List<AdviceSubscriber.BatchAdviceEvent> heard = new CopyOnWriteArrayList<>();
            sub.addListener(new AdviceSubscriber.Listener() {
                @Override
                public void onBatchAdvice(AdviceSubscriber.BatchAdviceEvent e) {
                    heard.add(e);
                }
            });
            await("run ba's first batch advice", () -> !sub.batchAdvice("ba", -1).isEmpty());
            long first = sub.batchAdvice("ba", -1).get(0).offset();
            CompletableFuture<List<AdviceSubscriber.BatchAdviceEvent>> next = sub.nextBatchAdvice("ba", first);
            assertThat(next).isNotDone();
            send(AdviceSubscriber.BATCH_ADVICE_TOPIC, "ba", bytes(batchAdvice(BatchAdviceScope.RUN, "ba", "fam", 2,
                    BatchDecision.KEEP).toByteBuffer()));
            List<AdviceSubscriber.BatchAdviceEvent> got = next.get(20, TimeUnit.SECONDS);
            assertThat(got).singleElement().satisfies(e -> {
                assertThat(e.offset()).isGreaterThan(first);
                assertThat(e.advice().getDecision()).isEqualTo(BatchDecision.KEEP);
                assertThat(e.advice().getSuggestedBatch()).isNull();
                assertThat(e.key()).isEqualTo("ba");
            });
            assertThat(sub.batchAdvice("ba", -1)).extracting(e -> e.advice().getSeq()).containsExactly(1, 2);
            assertThat(sub.batchAdvice("ba", first)).extracting(e -> e.advice().getSeq()).containsExactly(2);
            assertThat(sub.batchAdvice("ba-other", -1)).as("another run's advice, for a one-run subscriber").isEmpty();
            await("both records heard", () -> heard.size() == 2);
            assertThat(heard).extracting(AdviceSubscriber.BatchAdviceEvent::offset).isSorted();
            // A subscriber for every run holds family advice under the family id, run advice under the run id.
            await("the family's advice", () -> !all.batchAdvice("fam", -1).isEmpty());
            assertThat(all.batchAdvice("fam", -1)).singleElement()
                    .satisfies(e -> assertThat(e.advice().getScope()).isEqualTo(BatchAdviceScope.FAMILY));
            await("run ba-other's advice", () -> all.batchAdvice("ba-other", -1).size() == 1);
            assertThat(all.batchAdvice("ba-other", -1).get(0).advice().getDecision())
                    .isEqualTo(BatchDecision.DECREASE);
        }
    }

    @Test
    void closeCancelsEveryPendingWaiter() {
        AdviceSubscriber sub = AdviceSubscriber.builder(kafka.bootstrapServers()).topicPrefix("as.").start();
        // Two waiters on one run and one on another: cancelling one edits its run's waiter list (the future's own
        // clean-up), which must not break the cancelling of the others.
        CompletableFuture<Advice> first = sub.nextAdvice("pending", 100);
        CompletableFuture<Advice> second = sub.nextAdvice("pending", 100);
        CompletableFuture<Advice> other = sub.nextAdvice("pending-too", 100);
        CompletableFuture<List<AdviceSubscriber.AlertEvent>> alert = sub.nextAlerts("pending", -1);
        sub.close();
        assertThat(List.of(first, second, other)).allSatisfy(f -> assertThat(f).isCancelled());
        assertThat(alert).isCancelled();
    }

    static void await(String what, Await.Condition cond) throws InterruptedException {
        Await.until(Duration.ofSeconds(30), what, cond);
    }
}
