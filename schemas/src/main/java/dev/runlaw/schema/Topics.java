package dev.runlaw.schema;

import java.util.List;

/**
 * Every Kafka topic of runlaw, named once: part of the data contract between the producers, the jobs and the
 * trainers that subscribe to forecasts and advice. Deployments may prepend a prefix (the jobs' and the gateway's
 * {@code topic.prefix}); the names here are without it.
 *
 * <p>Every topic is keyed by the run id (routing traces and data movement: the source id), so a run's records stay
 * in one partition, in order.
 */
public final class Topics {
    /** What every runlaw topic name starts with. */
    public static final String NAMESPACE = "runlaw.";

    /** {@link RunStarted} records. */
    public static final String RUN_STARTED = NAMESPACE + "run-started";
    /** {@link RunFinished} records. */
    public static final String RUN_FINISHED = NAMESPACE + "run-finished";
    /** {@link StepMetrics} records. */
    public static final String STEP_METRICS = NAMESPACE + "step-metrics";
    /** {@link EvalMetrics} records. */
    public static final String EVAL_METRICS = NAMESPACE + "eval-metrics";
    /** {@link ExpertLoad} records. */
    public static final String EXPERT_LOAD = NAMESPACE + "expert-load";
    /** {@link RoutingTraceBatch} records, keyed by source. */
    public static final String ROUTING_TRACES = NAMESPACE + "routing-traces";
    /** {@link DataMovement} records, keyed by source. */
    public static final String DATA_MOVEMENT = NAMESPACE + "data-movement";

    /** {@link RunForecast} records written by the forecast job. */
    public static final String FORECASTS = NAMESPACE + "forecasts";
    /** {@link Advice} records (stop / continue) written by the forecast job. */
    public static final String ADVICE = NAMESPACE + "advice";
    /** {@link Alert} lifecycle events (OPEN, RESOLVED) written by the alert job. */
    public static final String ALERTS = NAMESPACE + "alerts";
    /** {@link BatchAdvice} records (batch-size advice for a run or a family's next run) written by the batch job. */
    public static final String BATCH_ADVICE = NAMESPACE + "batch-advice";
    /** {@link RunReference} records of finished runs; compacted, written and read back by the forecast job. */
    public static final String RUN_REFERENCES = NAMESPACE + "run-references";
    /** {@link DeadLetter} records: refused input with its reason and original bytes. */
    public static final String DEAD_LETTERS = NAMESPACE + "dead-letters";

    private Topics() {
    }

    /** The seven telemetry input topics, in {@link RecordKind} order. */
    public static List<String> inputs() {
        return List.of(RUN_STARTED, RUN_FINISHED, STEP_METRICS, EVAL_METRICS, EXPERT_LOAD, ROUTING_TRACES,
                DATA_MOVEMENT);
    }

    /** The topics the jobs write: forecasts, advice, alerts, batch advice, run references and dead letters. */
    public static List<String> outputs() {
        return List.of(FORECASTS, ADVICE, ALERTS, BATCH_ADVICE, RUN_REFERENCES, DEAD_LETTERS);
    }
}
