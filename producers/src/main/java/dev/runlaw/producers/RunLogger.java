package dev.runlaw.producers;

import dev.runlaw.schema.EvalMetrics;
import dev.runlaw.schema.RunFinished;
import dev.runlaw.schema.RunStarted;
import dev.runlaw.schema.RunStatus;
import dev.runlaw.schema.StepMetrics;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.apache.avro.specific.SpecificRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The telemetry of one training run, for a JVM trainer: a typed front end to a {@link TelemetryProducer} that
 * fills in the run id and wall time and never throws into the training loop.
 *
 * <pre>{@code
 * try (TelemetryProducer producer = TelemetryProducer.builder("kafka:9092").build();
 *      RunLogger run = RunLogger.start(producer, RunStarted.newBuilder()
 *              .setRunId("llama-1b-wsd-3").setFamilyId("llama-1b").setStartedAtMs(System.currentTimeMillis())
 *              .setModel(new ModelFacts()).setPlannedTotalSteps(24_000).build())) {
 *     for (long step = 0; step < 24_000; step++) {
 *         double loss = trainStep();
 *         run.logStep(step, loss, scheduler.lr());      // returns at once, allocates one record
 *     }
 * }                                                    // RunFinished(COMPLETED), then the producer flushes
 * }</pre>
 *
 * <p>What it adds to {@link TelemetryProducer} (which already is asynchronous, bounded in memory, drop-and-count
 * and flushing on close): {@link #logStep} builds the {@code StepMetrics} with the run id and the current wall time;
 * {@link #finish} and {@link #close} send {@code RunFinished} with the last step logged. A record the validator
 * refuses (a NaN loss after a divergence, a negative LR) is counted in {@link #invalid()}, logged once, and dropped:
 * a bad number must not crash a training job, and the ingest job would only dead-letter it.
 *
 * <p>Closing the logger does not close the producer (one producer may serve several runs); close the producer after
 * the loggers, as the try-with-resources above does. Thread-safe like the producer.
 */
public final class RunLogger implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RunLogger.class);

    private final TelemetryProducer producer;
    private final String runId;
    private final LongSupplier clockMs;
    private final AtomicLong lastStep = new AtomicLong(-1);
    private final AtomicLong invalid = new AtomicLong();
    private final AtomicBoolean finished = new AtomicBoolean();
    private final AtomicBoolean invalidLogged = new AtomicBoolean();

    private RunLogger(TelemetryProducer producer, String runId, LongSupplier clockMs) {
        this.producer = producer;
        this.runId = runId;
        this.clockMs = clockMs;
    }

    /**
     * Sends {@code started} (its run id names the run) and returns the run's logger.
     *
     * @throws TelemetryProducer.InvalidRecordException if {@code started} is invalid: a wrong run description is
     *     a bug to fix before training, unlike a bad loss value during it
     */
    public static RunLogger start(TelemetryProducer producer, RunStarted started) {
        return start(producer, started, System::currentTimeMillis);
    }

    /** As {@link #start(TelemetryProducer, RunStarted)} with a clock for wall times (tests, replays). */
    public static RunLogger start(TelemetryProducer producer, RunStarted started, LongSupplier clockMs) {
        Objects.requireNonNull(producer);
        producer.send(started);
        return new RunLogger(producer, started.getRunId(), clockMs);
    }

    /**
     * A logger for a run whose {@code RunStarted} was sent elsewhere (e.g. by rank 0 while this is another rank).
     */
    public static RunLogger attach(TelemetryProducer producer, String runId) {
        if (runId == null || runId.isBlank()) {
            throw new IllegalArgumentException("run id must not be blank");
        }
        return new RunLogger(Objects.requireNonNull(producer), runId, System::currentTimeMillis);
    }

    public String runId() {
        return runId;
    }

    /**
     * Logs one optimizer step; returns at once.
     *
     * @param loss training loss, or NaN when not measured at this step (sent as null)
     * @return true if queued; false if dropped (producer budget full or closed) or refused as invalid
     */
    public boolean logStep(long step, double loss, double lr) {
        return logStep(step, loss, lr, 0L);
    }

    /** As {@link #logStep(long, double, double)} with the training tokens consumed up to this step. */
    public boolean logStep(long step, double loss, double lr, long tokensSeen) {
        return logStep(StepMetrics.newBuilder()
                .setStep(step)
                .setLr(lr)
                .setLoss(Double.isNaN(loss) ? null : loss)
                .setTokensSeen(tokensSeen));
    }

    /**
     * Logs a step with more fields (gradient norms, throughput, per-group LRs); the run id and, if unset, the wall
     * time are filled in.
     */
    public boolean logStep(StepMetrics.Builder step) {
        step.setRunId(runId);
        if (!step.hasWallTimeMs()) {
            step.setWallTimeMs(clockMs.getAsLong());
        }
        StepMetrics r = step.build();
        boolean queued = send(r);
        if (queued) {
            lastStep.accumulateAndGet(r.getStep(), Math::max);
        }
        return queued;
    }

    /** Logs an evaluation loss on {@code evalSet} (e.g. "validation") at {@code step}. */
    public boolean logEval(long step, String evalSet, double loss) {
        return send(EvalMetrics.newBuilder()
                .setRunId(runId)
                .setStep(step)
                .setWallTimeMs(clockMs.getAsLong())
                .setEvalSet(evalSet)
                .setLoss(loss)
                .build());
    }

    /** Logs any other record of this run (expert load, routing traces ...), with the same refusal policy. */
    public boolean log(SpecificRecord record) {
        return send(record);
    }

    /**
     * Sends {@code RunFinished} with the last step logged (0 if none) and {@code status}; later calls and
     * {@link #close()} do nothing. Does not wait for Kafka: flush or close the producer for that.
     */
    public boolean finish(RunStatus status, String message) {
        if (!finished.compareAndSet(false, true)) {
            return false;
        }
        return send(RunFinished.newBuilder()
                .setRunId(runId)
                .setFinishedAtMs(clockMs.getAsLong())
                .setFinalStep(Math.max(0, lastStep.get()))
                .setStatus(status)
                .setMessage(message)
                .build());
    }

    /** Records refused as invalid so far. */
    public long invalid() {
        return invalid.get();
    }

    /** The largest step logged, -1 before the first. */
    public long lastStep() {
        return lastStep.get();
    }

    /** Finishes the run as COMPLETED unless {@link #finish} was called; see {@link #finish}. */
    @Override
    public void close() {
        finish(RunStatus.COMPLETED, null);
    }

    /** Flushes the underlying producer, waiting at most {@code timeout}; for checkpoints of the trainer. */
    public boolean flush(Duration timeout) {
        return producer.flush(timeout);
    }

    private boolean send(SpecificRecord r) {
        try {
            return producer.send(r);
        } catch (TelemetryProducer.InvalidRecordException e) {
            invalid.incrementAndGet();
            if (invalidLogged.compareAndSet(false, true)) {
                LOG.warn("run {}: telemetry record refused (further refusals are only counted): {}", runId,
                        e.getMessage());
            }
            return false;
        }
    }
}
