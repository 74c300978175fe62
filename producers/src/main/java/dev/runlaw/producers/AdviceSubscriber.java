package dev.runlaw.producers;

import dev.runlaw.schema.Advice;
import dev.runlaw.schema.Alert;
import dev.runlaw.schema.BatchAdvice;
import dev.runlaw.schema.BatchAdviceScope;
import dev.runlaw.schema.RunForecast;
import dev.runlaw.schema.Topics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the forecast job's outputs, {@code runlaw.advice} ({@link Advice}) and {@code runlaw.forecasts}
 * ({@link RunForecast}), and keeps the latest of each per run, so a trainer (or the HTTP gateway on its behalf)
 * can ask "should I stop?" at any moment or wait for the next decision. It also follows the alert job's
 * {@code runlaw.alerts} ({@link Alert} lifecycle events) and keeps each run's most recent
 * {@value #MAX_ALERTS_PER_RUN} events, numbered by their Kafka offset (a run's alerts share one partition, so the
 * offsets of a run's events increase: a cursor that survives a restart of the subscriber). Likewise the batch-size
 * job's {@code runlaw.batch-advice} ({@link BatchAdvice}): the most recent {@value #MAX_BATCH_ADVICE_PER_RUN} per
 * key (the run id for scope RUN, the family id for scope FAMILY), numbered by offset.
 *
 * <p>Advice is emitted only when a run's decision changes, so the current decision may sit far back in the topic:
 * the subscriber reads both topics from the beginning, without a consumer group (every subscriber sees every
 * record; nothing is committed). With {@link Builder#onlyRun(String)} it reads only the partition the run's key
 * hashes to (Kafka's default partitioner: murmur2 of the key) and ignores other runs, which is what a trainer
 * wants. Topics that do not exist yet (the forecast job not deployed) are looked up again every few seconds.
 *
 * <p>Memory is bounded: at most {@link Builder#maxRuns(int)} runs are kept, the least recently updated dropped
 * first. Records that do not decode are counted ({@link #undecodable()}) and skipped.
 *
 * <pre>{@code
 * try (AdviceSubscriber advice = AdviceSubscriber.builder("broker:9092").onlyRun(runId).start()) {
 *     for (long step = 0; step < steps; step++) {
 *         train(step);
 *         if (advice.latestAdvice(runId).map(a -> a.getDecision() == AdviceDecision.STOP).orElse(false)) break;
 *     }
 * }
 * }</pre>
 *
 * Thread-safe; one background thread owns the Kafka consumer.
 */
public final class AdviceSubscriber implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdviceSubscriber.class);
    /** Default topic of {@link Advice} records. */
    public static final String ADVICE_TOPIC = Topics.ADVICE;
    /** Default topic of {@link RunForecast} records. */
    public static final String FORECAST_TOPIC = Topics.FORECASTS;
    /** Default topic of {@link Alert} records. */
    public static final String ALERT_TOPIC = Topics.ALERTS;
    /** Alert events kept per run, the oldest dropped first. */
    public static final int MAX_ALERTS_PER_RUN = 256;
    /** Default topic of {@link BatchAdvice} records. */
    public static final String BATCH_ADVICE_TOPIC = Topics.BATCH_ADVICE;
    /** Batch advice records kept per run (or family), the oldest dropped first. */
    public static final int MAX_BATCH_ADVICE_PER_RUN = 64;
    private static final long DISCOVERY_INTERVAL_NANOS = Duration.ofSeconds(3).toNanos();

    /** Called on the subscriber's thread for every newer advice, forecast, alert or batch advice; must return quickly. */
    public interface Listener {
        default void onAdvice(Advice advice) {
        }

        default void onForecast(RunForecast forecast) {
        }

        default void onAlert(AlertEvent alert) {
        }

        default void onBatchAdvice(BatchAdviceEvent advice) {
        }
    }

    /**
     * One alert lifecycle event as read.
     *
     * @param offset its offset in the run's partition of the alerts topic: pass it as {@code after} to get only
     *               newer events
     * @param alert  the event
     */
    public record AlertEvent(long offset, Alert alert) {
    }

    /**
     * One batch-size advice record as read.
     *
     * @param offset its offset in the run's partition of the batch-advice topic: pass it as {@code after} to get
     *               only newer records
     * @param advice the record
     */
    public record BatchAdviceEvent(long offset, BatchAdvice advice) {
        /** The key it is held under: the run id (scope RUN) or the family id (scope FAMILY). */
        public String key() {
            return advice.getScope() == BatchAdviceScope.FAMILY ? advice.getFamilyId() : advice.getRunId();
        }
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String adviceTopic;
    private final String forecastTopic;
    private final String onlyRun;
    private final int maxRuns;
    private final Thread thread;
    private volatile boolean running = true;

    private final Object lock = new Object();
    private final LinkedHashMap<String, Advice> advice;
    private final LinkedHashMap<String, RunForecast> forecasts;
    private final Map<String, List<Waiter>> waiters = new HashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong undecodable = new AtomicLong();
    private final AtomicLong consumed = new AtomicLong();
    private volatile boolean caughtUp;

    private record Waiter(int afterSeq, CompletableFuture<Advice> future) {
    }

    private final RunEventLog<AlertEvent> alerts;
    private final String alertTopic;
    private final RunEventLog<BatchAdviceEvent> batchAdvice;
    private final String batchAdviceTopic;

    private AdviceSubscriber(Builder b) {
        Map<String, Object> p = new HashMap<>(b.props);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.consumer = new KafkaConsumer<>(p);
        this.adviceTopic = b.topicPrefix + ADVICE_TOPIC;
        this.forecastTopic = b.topicPrefix + FORECAST_TOPIC;
        this.onlyRun = b.onlyRun;
        this.maxRuns = b.maxRuns;
        this.advice = boundedMap(maxRuns);
        this.forecasts = boundedMap(maxRuns);
        this.alerts = new RunEventLog<>(maxRuns, MAX_ALERTS_PER_RUN, AlertEvent::offset);
        this.alertTopic = b.topicPrefix + ALERT_TOPIC;
        this.batchAdvice = new RunEventLog<>(maxRuns, MAX_BATCH_ADVICE_PER_RUN, BatchAdviceEvent::offset);
        this.batchAdviceTopic = b.topicPrefix + BATCH_ADVICE_TOPIC;
        this.thread = new Thread(this::loop, "runlaw-advice-subscriber");
        this.thread.setDaemon(true);
    }

    private static <V> LinkedHashMap<String, V> boundedMap(int max) {
        return new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > max;
            }
        };
    }

    /** A builder for a subscriber reading from {@code bootstrapServers}. */
    public static Builder builder(String bootstrapServers) {
        return new Builder(bootstrapServers);
    }

    /** The latest advice for {@code runId}, if any has been read. */
    public Optional<Advice> latestAdvice(String runId) {
        synchronized (lock) {
            return Optional.ofNullable(advice.get(runId));
        }
    }

    /** The latest forecast for {@code runId}, if any has been read. */
    public Optional<RunForecast> latestForecast(String runId) {
        synchronized (lock) {
            return Optional.ofNullable(forecasts.get(runId));
        }
    }

    /**
     * Completes with the run's latest advice as soon as there is one with {@code seq > afterSeq} (at once if
     * there already is). Pass 0 for "any advice". The caller bounds the wait (e.g. {@code orTimeout}); a future
     * that is cancelled or times out is forgotten.
     */
    public CompletableFuture<Advice> nextAdvice(String runId, int afterSeq) {
        CompletableFuture<Advice> f = new CompletableFuture<>();
        synchronized (lock) {
            Advice a = advice.get(runId);
            if (a != null && a.getSeq() > afterSeq) {
                f.complete(a);
                return f;
            }
            waiters.computeIfAbsent(runId, k -> new ArrayList<>()).add(new Waiter(afterSeq, f));
        }
        f.whenComplete((a, e) -> {
            if (e != null) {
                synchronized (lock) {
                    List<Waiter> w = waiters.get(runId);
                    if (w != null) {
                        w.removeIf(x -> x.future == f);
                        if (w.isEmpty()) {
                            waiters.remove(runId);
                        }
                    }
                }
            }
        });
        return f;
    }

    /** The run's alert events read so far with an offset above {@code after} (-1: all kept), oldest first. */
    public List<AlertEvent> alerts(String runId, long after) {
        return alerts.after(runId, after);
    }

    /**
     * Completes with the run's alert events newer than {@code after} as soon as there is at least one (at once if
     * there already is). The caller bounds the wait; a future that is cancelled or times out is forgotten.
     */
    public CompletableFuture<List<AlertEvent>> nextAlerts(String runId, long after) {
        return alerts.next(runId, after);
    }

    /**
     * The batch advice read so far for {@code key} (a run id, or a family id for scope FAMILY) with an offset
     * above {@code after} (-1: all kept), oldest first.
     */
    public List<BatchAdviceEvent> batchAdvice(String key, long after) {
        return batchAdvice.after(key, after);
    }

    /**
     * Completes with the batch advice for {@code key} newer than {@code after} as soon as there is at least one
     * (at once if there already is). The caller bounds the wait; a future that is cancelled or times out is
     * forgotten.
     */
    public CompletableFuture<List<BatchAdviceEvent>> nextBatchAdvice(String key, long after) {
        return batchAdvice.next(key, after);
    }

    /** Adds a listener; close the returned handle to remove it. */
    public AutoCloseable addListener(Listener l) {
        listeners.add(Objects.requireNonNull(l));
        return () -> listeners.remove(l);
    }

    /** True once the subscriber has read up to the end of every partition it knew at some point. */
    public boolean caughtUp() {
        return caughtUp;
    }

    /** Records read from the followed topics so far (decoded or not). */
    public long consumed() {
        return consumed.get();
    }

    /** Records that were not valid single-object encoded records of their topic's type, skipped. */
    public long undecodable() {
        return undecodable.get();
    }

    /** Runs whose advice is held. */
    public int runsWithAdvice() {
        synchronized (lock) {
            return advice.size();
        }
    }

    /** Stops the consumer thread; pending {@link #nextAdvice} futures are cancelled. */
    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Waiter> pending = new ArrayList<>();
        synchronized (lock) {
            waiters.values().forEach(pending::addAll);
            waiters.clear();
        }
        // Cancelled outside the lock and the map, as RunEventLog.cancelWaiters does: a cancelled future's clean-up in
        // nextAdvice runs on this thread and edits the waiter lists, which threw ConcurrentModificationException
        // while they were iterated (seen in TorchTrainerIT's gateway shutdown).
        pending.forEach(w -> w.future.cancel(false));
        alerts.cancelWaiters();
        batchAdvice.cancelWaiters();
    }

    private void loop() {
        Set<TopicPartition> assigned = new HashSet<>();
        long nextDiscovery = 0;
        try {
            while (running) {
                if (System.nanoTime() >= nextDiscovery) {
                    discover(assigned);
                    nextDiscovery = System.nanoTime() + DISCOVERY_INTERVAL_NANOS;
                }
                if (assigned.isEmpty()) {
                    caughtUp = true;
                    // No topic to read yet: the service loop idles until the next discovery (not a wait for a
                    // condition with a deadline, so not Await, which lives in the dev-only local module).
                    sleepQuietly(200);
                    continue;
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    consumed.incrementAndGet();
                    handle(r);
                }
                if (!caughtUp) {
                    caughtUp = atEnd(assigned);
                }
            }
        } catch (WakeupException e) {
            // close()
        } catch (RuntimeException e) {
            LOG.error("advice subscriber stopped: {}", e.toString(), e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void discover(Set<TopicPartition> assigned) {
        List<TopicPartition> fresh = new ArrayList<>();
        for (String topic : List.of(adviceTopic, forecastTopic, alertTopic, batchAdviceTopic)) {
            List<PartitionInfo> parts;
            try {
                parts = consumer.partitionsFor(topic, Duration.ofSeconds(2));
            } catch (WakeupException e) {
                throw e;
            } catch (RuntimeException e) {
                continue; // broker unreachable: try again at the next discovery
            }
            if (parts == null || parts.isEmpty()) {
                continue;
            }
            for (PartitionInfo pi : parts) {
                if (onlyRun != null) {
                    int p = Utils.toPositive(Utils.murmur2(onlyRun.getBytes(StandardCharsets.UTF_8))) % parts.size();
                    if (pi.partition() != p) {
                        continue;
                    }
                }
                TopicPartition tp = new TopicPartition(topic, pi.partition());
                if (assigned.add(tp)) {
                    fresh.add(tp);
                }
            }
        }
        if (!fresh.isEmpty()) {
            consumer.assign(assigned);
            consumer.seekToBeginning(fresh);
            caughtUp = false;
        }
    }

    private boolean atEnd(Set<TopicPartition> assigned) {
        try {
            Map<TopicPartition, Long> ends = consumer.endOffsets(assigned, Duration.ofSeconds(2));
            for (TopicPartition tp : assigned) {
                if (consumer.position(tp, Duration.ofSeconds(2)) < ends.getOrDefault(tp, 0L)) {
                    return false;
                }
            }
            return true;
        } catch (WakeupException e) {
            throw e;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private void handle(ConsumerRecord<byte[], byte[]> r) {
        if (r.value() == null) {
            return;
        }
        try {
            if (r.topic().equals(adviceTopic)) {
                Advice a = Advice.fromByteBuffer(ByteBuffer.wrap(r.value()));
                if (onlyRun == null || onlyRun.equals(a.getRunId())) {
                    onAdvice(a);
                }
            } else if (r.topic().equals(alertTopic)) {
                Alert a = Alert.fromByteBuffer(ByteBuffer.wrap(r.value()));
                if (onlyRun == null || onlyRun.equals(a.getRunId())) {
                    onAlert(new AlertEvent(r.offset(), a));
                }
            } else if (r.topic().equals(batchAdviceTopic)) {
                BatchAdviceEvent e = new BatchAdviceEvent(r.offset(), BatchAdvice.fromByteBuffer(ByteBuffer.wrap(r.value())));
                if (onlyRun == null || onlyRun.equals(e.key())) {
                    onBatchAdvice(e);
                }
            } else {
                RunForecast f = RunForecast.fromByteBuffer(ByteBuffer.wrap(r.value()));
                if (onlyRun == null || onlyRun.equals(f.getRunId())) {
                    onForecast(f);
                }
            }
        } catch (Exception e) {
            // A foreign or corrupt record must not stop advice for everyone else.
            if (undecodable.getAndIncrement() == 0) {
                LOG.warn("skipping undecodable record at {}-{}@{} (further ones are only counted): {}", r.topic(),
                        r.partition(), r.offset(), e.toString());
            }
        }
    }

    private void onAdvice(Advice a) {
        List<Waiter> ready = new ArrayList<>();
        synchronized (lock) {
            Advice prev = advice.get(a.getRunId());
            // Keep the newest decision even if an older copy is read again (replays, duplicates).
            if (prev != null && prev.getSeq() > a.getSeq()) {
                return;
            }
            advice.remove(a.getRunId()); // re-insert: least recently updated runs go first
            advice.put(a.getRunId(), a);
            List<Waiter> w = waiters.get(a.getRunId());
            if (w != null) {
                w.removeIf(x -> {
                    if (a.getSeq() > x.afterSeq) {
                        ready.add(x);
                        return true;
                    }
                    return false;
                });
                if (w.isEmpty()) {
                    waiters.remove(a.getRunId());
                }
            }
        }
        ready.forEach(x -> x.future.complete(a));
        for (Listener l : listeners) {
            try {
                l.onAdvice(a);
            } catch (RuntimeException e) {
                LOG.warn("advice listener failed: {}", e.toString());
            }
        }
    }

    private void onForecast(RunForecast f) {
        synchronized (lock) {
            RunForecast prev = forecasts.get(f.getRunId());
            if (prev != null && prev.getStep() > f.getStep()) {
                return;
            }
            forecasts.remove(f.getRunId());
            forecasts.put(f.getRunId(), f);
        }
        for (Listener l : listeners) {
            try {
                l.onForecast(f);
            } catch (RuntimeException e) {
                LOG.warn("forecast listener failed: {}", e.toString());
            }
        }
    }

    private void onAlert(AlertEvent e) {
        if (alerts.add(e.alert().getRunId(), e)) {
            for (Listener l : listeners) {
                try {
                    l.onAlert(e);
                } catch (RuntimeException x) {
                    LOG.warn("alert listener failed: {}", x.toString());
                }
            }
        }
    }

    private void onBatchAdvice(BatchAdviceEvent e) {
        if (batchAdvice.add(e.key(), e)) {
            for (Listener l : listeners) {
                try {
                    l.onBatchAdvice(e);
                } catch (RuntimeException x) {
                    LOG.warn("batch advice listener failed: {}", x.toString());
                }
            }
        }
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Configuration of an {@link AdviceSubscriber}. */
    public static final class Builder {
        private final Map<String, Object> props = new LinkedHashMap<>();
        private String topicPrefix = "";
        private String onlyRun;
        private int maxRuns = 100_000;

        private Builder(String bootstrapServers) {
            if (bootstrapServers == null || bootstrapServers.isBlank()) {
                throw new IllegalArgumentException("bootstrap servers must be given");
            }
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            props.put(ConsumerConfig.CLIENT_ID_CONFIG, "runlaw-advice");
            props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        }

        /** Prefix of the topic names, as for the producers and jobs. */
        public Builder topicPrefix(String prefix) {
            this.topicPrefix = Objects.requireNonNull(prefix);
            return this;
        }

        /** Follow only this run: read one partition per topic and ignore other runs. */
        public Builder onlyRun(String runId) {
            this.onlyRun = runId;
            return this;
        }

        /** Most runs kept in memory (default 100,000); the least recently updated go first. */
        public Builder maxRuns(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxRuns must be >= 1, got " + n);
            }
            this.maxRuns = n;
            return this;
        }

        /** Sets or overrides a Kafka consumer property (deserializers are fixed; no group is used). */
        public Builder property(String key, Object value) {
            props.put(key, value);
            return this;
        }

        /** Sets or overrides several Kafka consumer properties (e.g. security settings). */
        public Builder properties(Map<String, ?> extra) {
            props.putAll(extra);
            return this;
        }

        /** Creates the subscriber and starts its thread. */
        public AdviceSubscriber start() {
            AdviceSubscriber s = new AdviceSubscriber(this);
            s.thread.start();
            return s;
        }
    }
}
