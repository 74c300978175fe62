package dev.runlaw.jobs.batch;

import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.jobs.clickhouse.ClickHouseSink;
import dev.runlaw.jobs.common.JobRunner;
import dev.runlaw.jobs.common.JobSettings;
import dev.runlaw.jobs.forecast.ForecastJob;
import dev.runlaw.jobs.forecast.KafkaOut;
import dev.runlaw.jobs.kafka.DeadLetterEvent;
import dev.runlaw.jobs.kafka.DeadLetters;
import dev.runlaw.jobs.kafka.KafkaRecord;
import dev.runlaw.jobs.kafka.KafkaSources;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The live batch-size job (critical batch size, issue 11): run-started, step-metrics and run-finished records,
 * checked ({@link BatchInputFunction}: unusable records go to the dead-letter topic with their reason), keyed by run
 * id into {@link RunNoiseFunction} (gradient noise scale → table {@code gradient_noise}, batch advice → topic
 * {@code runlaw.batch-advice}), whose runs' loss curves go on, keyed by family id, into {@link FamilyBatchFunction}
 * (steps-versus-batch laws and their scaling → tables {@code batch_size_laws}, {@code batch_size_scaling}; advice
 * for the family's next run → the same topic).
 *
 * <p>Delivery: ClickHouse rows at-least-once, collapsed by their identity and version; Kafka advice at-least-once (a
 * replay re-sends advice with the same {@code (scope, key, seq)}); dead letters exactly once.
 */
public final class BatchJob {
    public static final String SOURCE_UID = "kafka-batch-source";
    public static final String INPUT_UID = "batch-input-check";
    public static final String RUN_UID = "run-noise-scale";
    public static final String FAMILY_UID = "family-batch-laws";
    public static final String CLICKHOUSE_SINK_UID = "batch-clickhouse-sink";
    public static final String KAFKA_SINK_UID = "batch-kafka-sink";
    public static final String DEAD_LETTER_SINK_UID = "batch-dead-letter-sink";

    private BatchJob() {
    }

    public static void main(String[] args) throws Exception {
        JobRunner.main(args, BatchConfig::fromMap, BatchConfig.usage(), BatchJob::addTo);
    }

    /** Builds the job on {@code env} and submits it without waiting (it runs until cancelled). */
    public static JobClient start(StreamExecutionEnvironment env, BatchConfig config) throws Exception {
        return JobRunner.start(env, config, BatchJob::addTo);
    }

    private static void addTo(StreamExecutionEnvironment env, BatchConfig config) {
        JobSettings s = config.settings();
        defineWorkflow(env, source(config),
                new ClickHouseSink(s.clickHouse(), BatchRows.COLUMNS, s.batchRows(), s.flushIntervalMs()),
                ForecastJob.kafkaSink(s), DeadLetters.sink(s), config);
    }

    /**
     * The topology: records checked, keyed by run id, into the noise-scale function; runs' progress keyed by family
     * into the family function; rows of both to {@code rowSink}, advice to {@code kafkaSink}, refused records to
     * {@code deadLetterSink}.
     *
     * @return the run operator (main output: {@code gradient_noise} rows)
     */
    public static SingleOutputStreamOperator<ClickHouseRow> defineWorkflow(StreamExecutionEnvironment env,
            Source<KafkaRecord, ?, ?> records, Sink<ClickHouseRow> rowSink, Sink<KafkaOut> kafkaSink,
            Sink<DeadLetterEvent> deadLetterSink, BatchConfig config) {
        SingleOutputStreamOperator<KafkaRecord> usable = env
                .fromSource(records, WatermarkStrategy.noWatermarks(), "kafka batch input")
                .uid(SOURCE_UID).name("kafka batch input")
                .process(new BatchInputFunction(config.settings().topicPrefix(), config.settings().limits()))
                .uid(INPUT_UID).name("decode and validate");
        SingleOutputStreamOperator<ClickHouseRow> runs = usable
                // BatchInputFunction lets through only records whose key is their run id.
                .keyBy(BatchJob::runKey)
                .process(new RunNoiseFunction(config))
                .uid(RUN_UID).name("noise scale per run");
        SingleOutputStreamOperator<ClickHouseRow> families = runs.getSideOutput(RunNoiseFunction.PROGRESS)
                .keyBy(RunProgress::familyId)
                .process(new FamilyBatchFunction(config))
                .uid(FAMILY_UID).name("batch laws per family");
        DataStream<DeadLetterEvent> dead = usable.getSideOutput(DeadLetters.TAG)
                .union(runs.getSideOutput(DeadLetters.TAG));
        dead.sinkTo(deadLetterSink).uid(DEAD_LETTER_SINK_UID).name("kafka dead letters");
        runs.union(families).sinkTo(rowSink).uid(CLICKHOUSE_SINK_UID).name("clickhouse batch tables");
        runs.getSideOutput(RunNoiseFunction.ADVICE).union(families.getSideOutput(RunNoiseFunction.ADVICE))
                .sinkTo(kafkaSink).uid(KAFKA_SINK_UID).name("kafka batch advice");
        return runs;
    }

    static String runKey(KafkaRecord r) {
        return r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
    }

    /** The input topics, from the configured offsets. */
    public static KafkaSource<KafkaRecord> source(BatchConfig config) {
        JobSettings s = config.settings();
        return KafkaSources.raw(s, s.groupId(), s.groupId() + "-" + s.jobName(),
                        config.inputTopics(), KafkaSources.startingOffsets(s.startingOffsets()))
                .setProperty("partition.discovery.interval.ms", "10000")
                .build();
    }
}
