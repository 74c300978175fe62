package dev.runlaw.schema;

import java.util.Arrays;
import java.util.Optional;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/**
 * The kinds of telemetry record, each with its own Kafka topic, Avro class and key field.
 *
 * <p>Every topic is keyed by the run id (or, for routing and data-movement records, the source id), so all records
 * of one run land in one partition, in order.
 */
public enum RecordKind {
    RUN_STARTED(Topics.RUN_STARTED, RunStarted.class, RunStarted.getClassSchema(), r -> ((RunStarted) r).getRunId()),
    RUN_FINISHED(Topics.RUN_FINISHED, RunFinished.class, RunFinished.getClassSchema(), r -> ((RunFinished) r).getRunId()),
    STEP_METRICS(Topics.STEP_METRICS, StepMetrics.class, StepMetrics.getClassSchema(), r -> ((StepMetrics) r).getRunId()),
    EVAL_METRICS(Topics.EVAL_METRICS, EvalMetrics.class, EvalMetrics.getClassSchema(), r -> ((EvalMetrics) r).getRunId()),
    EXPERT_LOAD(Topics.EXPERT_LOAD, ExpertLoad.class, ExpertLoad.getClassSchema(), r -> ((ExpertLoad) r).getRunId()),
    ROUTING_TRACE(Topics.ROUTING_TRACES, RoutingTraceBatch.class, RoutingTraceBatch.getClassSchema(), r -> ((RoutingTraceBatch) r).getSource()),
    DATA_MOVEMENT(Topics.DATA_MOVEMENT, DataMovement.class, DataMovement.getClassSchema(), r -> ((DataMovement) r).getSource());

    /** Topic where refused records go, as {@link DeadLetter}s, with their reason and original bytes. */
    public static final String DEAD_LETTER_TOPIC = Topics.DEAD_LETTERS;

    private final String topic;
    private final Class<? extends SpecificRecord> type;
    private final Schema schema;
    private final Function<SpecificRecord, String> key;

    RecordKind(String topic, Class<? extends SpecificRecord> type, Schema schema, Function<SpecificRecord, String> key) {
        this.topic = topic;
        this.type = type;
        this.schema = schema;
        this.key = key;
    }

    /** Default topic name; deployments may add a prefix (see the ingest job's configuration). */
    public String topic() {
        return topic;
    }

    public Class<? extends SpecificRecord> type() {
        return type;
    }

    /** The current (writer) schema. */
    public Schema schema() {
        return schema;
    }

    /** The partitioning key of a record of this kind: run id or source id (may be null or blank on bad input). */
    public String keyOf(SpecificRecord record) {
        return key.apply(record);
    }

    public static Optional<RecordKind> forTopic(String topic) {
        return Arrays.stream(values()).filter(k -> k.topic.equals(topic)).findFirst();
    }

    public static RecordKind of(SpecificRecord record) {
        for (RecordKind k : values()) {
            if (k.type.isInstance(record)) {
                return k;
            }
        }
        throw new IllegalArgumentException("not a telemetry record: " + record.getClass().getName());
    }
}
