package dev.runlaw.producers;

import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.codec.TelemetryCodec;
import dev.runlaw.schema.validate.Limits;
import dev.runlaw.schema.validate.RecordValidator;
import dev.runlaw.schema.validate.Rejection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes telemetry records to Kafka from a trainer, an inference server or a replay tool, without ever
 * blocking the caller for long.
 *
 * <p>{@link #send} validates the record with {@link RecordValidator} (same rules as the ingest job), encodes it with
 * {@link TelemetryCodec} (Avro single-object encoding) and queues it for the record kind's topic
 * ({@link RecordKind#topic()}, after an optional prefix) with key = {@link RecordKind#keyOf} in UTF-8, so all records
 * of one run go to one partition, in order.
 *
 * <h2>Never blocking the trainer</h2>
 * A {@link KafkaProducer} blocks in {@code send()} while it waits for topic metadata or for buffer space (up to
 * {@code max.block.ms}); with a dead broker that would stall every training step. So the caller only validates,
 * encodes and appends to an in-memory queue; one I/O thread hands records to the Kafka producer in order. Memory is
 * bounded by {@link Builder#maxInFlightBytes(long)}: encoded bytes accepted but not yet acknowledged or failed. When
 * that budget is used up, {@code send} drops the record and counts it ({@link Counters#dropped()}) instead of
 * waiting. Telemetry is worth less than a training step.
 *
 * <h2>Delivery</h2>
 * Idempotent producer ({@code enable.idempotence=true}, {@code acks=all}): retries neither duplicate nor reorder
 * records within a partition. Records the broker never acknowledges (delivery timeout, broker gone at close) are
 * counted as {@link Counters#failed()}; after {@link #flush()} or {@link #close()},
 * {@code sent == acked + failed}.
 *
 * <h2>Invalid records</h2>
 * A record that fails validation is a bug in the caller, not a transient condition: {@code send} throws
 * {@link InvalidRecordException} (an {@link IllegalArgumentException}) carrying the {@link Rejection}, and
 * counts nothing. Sending it anyway would only put it in the dead-letter topic.
 *
 * <p>Thread-safe: several threads may call {@code send}; each thread's records keep their order.
 *
 * <pre>{@code
 * try (TelemetryProducer p = TelemetryProducer.builder("broker:9092").build()) {
 *     p.send(stepMetrics);          // returns at once
 * }                                 // close() flushes
 * }</pre>
 */
public final class TelemetryProducer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TelemetryProducer.class);

    /** Default in-flight budget: ample for a trainer's telemetry, small next to any training process. */
    public static final long DEFAULT_MAX_IN_FLIGHT_BYTES = 16L << 20;
    /** Bytes charged per record on top of its encoded value and key, for the queue entry and Kafka's batch header. */
    static final int RECORD_OVERHEAD_BYTES = 96;
    private static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private final Producer<byte[], byte[]> producer;
    private final RecordValidator validator;
    private final TelemetryCodec codec;
    private final String topicPrefix;
    private final long maxInFlightBytes;

    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final Thread ioThread;
    private final AtomicLong inFlightBytes = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean failureLogged = new AtomicBoolean();
    /** Last time delivery made progress (an ack) or the in-flight budget went from empty to non-empty. */
    private volatile long lastProgressNanos = System.nanoTime();

    /** Queue markers; records are {@link Pending}. */
    private record FlushMarker(CompletableFuture<Void> done) {
    }

    private record Pending(String topic, byte[] key, byte[] value, int charge) {
    }

    private static final Object STOP = new Object();

    TelemetryProducer(Producer<byte[], byte[]> producer, Limits limits, String topicPrefix, long maxInFlightBytes) {
        this.producer = Objects.requireNonNull(producer);
        this.validator = new RecordValidator(limits);
        this.codec = new TelemetryCodec();
        this.topicPrefix = topicPrefix == null ? "" : topicPrefix;
        if (maxInFlightBytes <= 0) {
            throw new IllegalArgumentException("maxInFlightBytes must be > 0, got " + maxInFlightBytes);
        }
        this.maxInFlightBytes = maxInFlightBytes;
        this.ioThread = new Thread(this::ioLoop, "runlaw-telemetry-producer");
        this.ioThread.setDaemon(true);
        this.ioThread.start();
    }

    /** A builder for a producer talking to {@code bootstrapServers} (Kafka's {@code host:port,...}). */
    public static Builder builder(String bootstrapServers) {
        return new Builder(bootstrapServers);
    }

    /**
     * Validates, encodes and queues one record; returns without waiting for Kafka.
     *
     * @return {@code true} if queued (counted as sent), {@code false} if dropped because the in-flight budget is
     *     full or the producer is closed (counted as dropped)
     * @throws InvalidRecordException if the record breaks a validation rule; nothing is counted
     */
    public boolean send(SpecificRecord record) {
        Optional<Rejection> rejection = validator.validate(record);
        if (rejection.isPresent()) {
            throw new InvalidRecordException(rejection.get());
        }
        if (closed.get()) {
            dropped.incrementAndGet();
            return false;
        }
        RecordKind kind = RecordKind.of(record);
        byte[] value = codec.encode(record);
        byte[] key = kind.keyOf(record).getBytes(StandardCharsets.UTF_8);
        int charge = value.length + key.length + RECORD_OVERHEAD_BYTES;
        if (!reserve(charge)) {
            dropped.incrementAndGet();
            return false;
        }
        sent.incrementAndGet();
        queue.add(new Pending(topicPrefix + kind.topic(), key, value, charge));
        sweepIfClosedConcurrently();
        return true;
    }

    /** Outcome of {@link #offer}. */
    public enum Offer {
        /** Every record was queued (and counted as sent). */
        QUEUED,
        /** The in-flight budget cannot take the records now; nothing was queued or counted. Try again later. */
        FULL,
        /** The records together are larger than the whole in-flight budget; they can never be queued at once. */
        TOO_LARGE,
        /** The producer is closed; nothing was queued. */
        CLOSED
    }

    /**
     * Validates, encodes and queues all {@code records} or none, for a caller that can ask its own client to come
     * back later (the HTTP gateway answers 429) instead of losing records. Unlike {@link #send}, a full budget
     * drops nothing and counts nothing: the caller still holds the records.
     *
     * @throws InvalidRecordException for the first invalid record; nothing is queued
     */
    public Offer offer(List<? extends SpecificRecord> records) {
        List<Pending> pending = new ArrayList<>(records.size());
        long total = 0;
        for (SpecificRecord record : records) {
            Optional<Rejection> rejection = validator.validate(record);
            if (rejection.isPresent()) {
                throw new InvalidRecordException(rejection.get());
            }
            RecordKind kind = RecordKind.of(record);
            byte[] value = codec.encode(record);
            byte[] key = kind.keyOf(record).getBytes(StandardCharsets.UTF_8);
            int charge = value.length + key.length + RECORD_OVERHEAD_BYTES;
            total += charge;
            pending.add(new Pending(topicPrefix + kind.topic(), key, value, charge));
        }
        if (closed.get()) {
            return Offer.CLOSED;
        }
        if (total > maxInFlightBytes) {
            return Offer.TOO_LARGE;
        }
        if (pending.isEmpty()) {
            return Offer.QUEUED;
        }
        if (!reserve(total)) {
            return Offer.FULL;
        }
        sent.addAndGet(pending.size());
        queue.addAll(pending);
        sweepIfClosedConcurrently();
        return Offer.QUEUED;
    }

    /**
     * How long records have been in flight without any acknowledgement: zero when nothing is in flight, else the
     * time since the last ack (or since the budget went from empty to non-empty). A few seconds here means the
     * brokers are unreachable or overloaded; the gateway then answers 503 instead of queueing more.
     */
    public Duration stalledFor() {
        if (inFlightBytes.get() == 0) {
            return Duration.ZERO;
        }
        return Duration.ofNanos(Math.max(0, System.nanoTime() - lastProgressNanos));
    }

    /**
     * Fetches the partitions of every record kind's topic, waiting at most {@code max.block.ms} per topic, so that
     * records queued later are buffered by Kafka even if the brokers go away meanwhile (without metadata, a send
     * fails after {@code max.block.ms}). Returns the topics whose metadata could not be fetched.
     */
    public List<String> warmUpTopics() {
        List<String> missing = new ArrayList<>();
        for (RecordKind kind : RecordKind.values()) {
            String topic = topicPrefix + kind.topic();
            try {
                producer.partitionsFor(topic);
            } catch (RuntimeException e) {
                missing.add(topic);
            }
        }
        return missing;
    }

    /**
     * A send or flush racing with {@link #close} may enqueue after close drained the queue; nobody would ever
     * complete it. Once the I/O thread is gone, whoever enqueues fails what is left.
     */
    private void sweepIfClosedConcurrently() {
        if (closed.get() && !ioThread.isAlive()) {
            failQueued();
        }
    }

    private boolean reserve(long charge) {
        while (true) {
            long cur = inFlightBytes.get();
            if (cur + charge > maxInFlightBytes) {
                return false;
            }
            if (inFlightBytes.compareAndSet(cur, cur + charge)) {
                if (cur == 0) {
                    lastProgressNanos = System.nanoTime();
                }
                return true;
            }
        }
    }

    /**
     * Waits until every record queued before this call is acknowledged or failed. Blocks the caller; use at
     * checkpoints or at the end of a run, not every step. With an unreachable broker this takes up to
     * {@code delivery.timeout.ms}; see {@link #flush(Duration)}.
     */
    public void flush() {
        flush(Duration.ofMillis(Long.MAX_VALUE));
    }

    /**
     * Like {@link #flush()} but gives up after {@code timeout}.
     *
     * @return true if everything queued before the call was acknowledged or failed in time
     */
    public boolean flush(Duration timeout) {
        if (closed.get()) {
            return true;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        queue.add(new FlushMarker(done));
        sweepIfClosedConcurrently();
        try {
            done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("flush failed", e.getCause());
        } catch (TimeoutException e) {
            return false;
        }
    }

    /** A snapshot of the delivery counters. */
    public Counters counters() {
        // acked and failed first: read in this order, sent >= acked + failed holds in the snapshot.
        long a = acked.get();
        long f = failed.get();
        return new Counters(sent.get(), a, dropped.get(), f);
    }

    /**
     * The Kafka producer's own metrics (e.g. {@code compression-rate-avg}, {@code record-error-rate},
     * {@code buffer-available-bytes}), for exporting next to {@link #counters()}.
     */
    public Map<MetricName, ? extends Metric> kafkaMetrics() {
        return producer.metrics();
    }

    /** Encoded bytes queued or in Kafka's buffer, not yet acknowledged or failed. */
    public long inFlightBytes() {
        return inFlightBytes.get();
    }

    /** Flushes and closes, waiting at most 30 s; see {@link #close(Duration)}. */
    @Override
    public void close() {
        close(DEFAULT_CLOSE_TIMEOUT);
    }

    /**
     * Stops accepting records, delivers what is queued and closes the Kafka producer, within {@code timeout}.
     * Records still undelivered when the time is up (e.g. the broker is unreachable) are counted as failed.
     * Further {@code send} calls drop. Idempotent.
     */
    public void close(Duration timeout) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        queue.add(STOP);
        try {
            ioThread.join(Math.max(1, timeout.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ioThread.isAlive()) {
            // Blocked in KafkaProducer.send (metadata or buffer wait): interrupt it; what remains queued fails.
            ioThread.interrupt();
            try {
                ioThread.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        failQueued();
        long left = Math.max(0, deadline - System.nanoTime());
        try {
            producer.close(Duration.ofNanos(left));
        } catch (RuntimeException e) {
            LOG.warn("closing the Kafka producer failed: {}", e.toString());
        }
        Counters c = counters();
        if (c.failed() > 0 || c.dropped() > 0) {
            LOG.warn("telemetry producer closed: {}", c);
        }
    }

    private void failQueued() {
        Object item;
        while ((item = queue.poll()) != null) {
            if (item instanceof Pending p) {
                inFlightBytes.addAndGet(-p.charge());
                failed.incrementAndGet();
            } else if (item instanceof FlushMarker m) {
                m.done().complete(null);
            }
        }
    }

    private void ioLoop() {
        try {
            while (true) {
                Object item = queue.take();
                if (item == STOP) {
                    producer.flush();
                    return;
                }
                if (item instanceof FlushMarker m) {
                    try {
                        producer.flush();
                        m.done().complete(null);
                    } catch (RuntimeException e) {
                        m.done().completeExceptionally(e);
                    }
                    continue;
                }
                dispatch((Pending) item);
            }
        } catch (InterruptedException e) {
            // close() gave up waiting; it fails whatever is left.
        } catch (org.apache.kafka.common.errors.InterruptException e) {
            // Kafka's unchecked wrapper of an interrupt during send or flush.
        }
    }

    private void dispatch(Pending p) {
        Callback callback = (RecordMetadata md, Exception e) -> complete(p, e);
        try {
            producer.send(new ProducerRecord<>(p.topic(), p.key(), p.value()), callback);
        } catch (org.apache.kafka.common.errors.InterruptException e) {
            complete(p, e);
            throw e;
        } catch (RuntimeException e) {
            // Most errors reach the callback; these are the few KafkaProducer.send throws (e.g. producer closed).
            complete(p, e);
        }
    }

    private void complete(Pending p, Exception e) {
        inFlightBytes.addAndGet(-p.charge());
        if (e == null) {
            lastProgressNanos = System.nanoTime();
            acked.incrementAndGet();
        } else {
            failed.incrementAndGet();
            if (failureLogged.compareAndSet(false, true)) {
                LOG.warn("telemetry record to {} failed (further failures are only counted): {}", p.topic(),
                        e.toString());
            }
        }
    }

    /**
     * Delivery counters. {@code sent}: accepted by {@link #send}; {@code acked}: acknowledged by the brokers
     * ({@code acks=all}); {@code dropped}: refused by {@code send} because the in-flight budget was full or the
     * producer closed; {@code failed}: accepted but never acknowledged.
     */
    public record Counters(long sent, long acked, long dropped, long failed) {
    }

    /** A record broke a validation rule; {@link #rejection()} says which. */
    public static final class InvalidRecordException extends IllegalArgumentException {
        private final transient Rejection rejection;

        public InvalidRecordException(Rejection rejection) {
            super(rejection.toString());
            this.rejection = rejection;
        }

        public Rejection rejection() {
            return rejection;
        }
    }

    /**
     * Configuration of a {@link TelemetryProducer}. Defaults: {@code acks=all}, idempotence on, {@code linger.ms=10},
     * {@code batch.size=262144}, {@code compression.type=lz4}, {@code buffer.memory=33554432},
     * {@code max.block.ms=1000}; any Kafka producer property can be overridden with {@link #property}.
     */
    public static final class Builder {
        private final Map<String, Object> props = new LinkedHashMap<>();
        private String topicPrefix = "";
        private Limits limits = Limits.defaults();
        private long maxInFlightBytes = DEFAULT_MAX_IN_FLIGHT_BYTES;

        private Builder(String bootstrapServers) {
            if (bootstrapServers == null || bootstrapServers.isBlank()) {
                throw new IllegalArgumentException("bootstrap servers must be given");
            }
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            // Throughput: a trainer emits bursts (one ExpertLoad per layer per step); batching them costs ms.
            props.put(ProducerConfig.LINGER_MS_CONFIG, 10);
            props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
            // Measured (TelemetryProducerIT#benchmarkLingerAndCompression, simulator mix of 177 B mean records,
            // 2 shared cores): lz4 sends 0.61-0.66 of the bytes; throughput 26k-57k rec/s with lz4 vs 20k-41k
            // without, within the noise of the machine, so the bytes saved decide.
            props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
            props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 32L << 20);
            // Only the I/O thread blocks in KafkaProducer.send; keep that short so close() is prompt when the
            // broker is gone.
            props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1000);
            props.put(ProducerConfig.CLIENT_ID_CONFIG, "runlaw-telemetry");
        }

        /** Sets or overrides a Kafka producer property (serializers are fixed to byte arrays). */
        public Builder property(String key, Object value) {
            props.put(key, value);
            return this;
        }

        /** Sets or overrides several Kafka producer properties. */
        public Builder properties(Map<String, ?> extra) {
            props.putAll(extra);
            return this;
        }

        /** Prefix for every topic name, e.g. {@code "staging."}; empty by default. */
        public Builder topicPrefix(String prefix) {
            this.topicPrefix = Objects.requireNonNull(prefix);
            return this;
        }

        /** Validation limits; use the same as the ingest job ({@link Limits#defaults()} unless configured). */
        public Builder limits(Limits limits) {
            this.limits = Objects.requireNonNull(limits);
            return this;
        }

        /**
         * Most encoded bytes (plus a small per-record overhead) waiting for acknowledgement; beyond it
         * {@code send} drops. Default 16 MiB. Keep it below {@code buffer.memory}.
         */
        public Builder maxInFlightBytes(long bytes) {
            this.maxInFlightBytes = bytes;
            return this;
        }

        /** The Kafka producer properties this builder would use (a copy). */
        public Map<String, Object> kafkaProperties() {
            Map<String, Object> p = new LinkedHashMap<>(props);
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            return p;
        }

        public TelemetryProducer build() {
            return new TelemetryProducer(new KafkaProducer<>(kafkaProperties()), limits, topicPrefix,
                    maxInFlightBytes);
        }
    }

    @Override
    public String toString() {
        return "TelemetryProducer[" + counters() + ", inFlightBytes=" + inFlightBytes.get() + "]";
    }

}
