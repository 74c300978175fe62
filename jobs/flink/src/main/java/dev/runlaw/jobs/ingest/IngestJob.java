package dev.runlaw.jobs.ingest;

import dev.runlaw.jobs.KafkaSources;
import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.jobs.clickhouse.ClickHouseSink;
import dev.runlaw.schema.validate.Limits;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The ingest job: every telemetry topic → decode and validate → the record kind's raw ClickHouse table, with refused
 * records on the dead-letter topic and in the {@code dead_letters} table.
 *
 * <pre>
 *   KafkaSource (all telemetry topics, raw bytes)
 *     → DecodeValidateFunction ─ rows ─→ ClickHouseSink (batched RowBinary, at-least-once, idempotent tables)
 *                              └ dead letters (side output) → KafkaSink (exactly-once, transactional)
 * </pre>
 *
 * <p>Guarantees: checkpointing is always on. Kafka offsets are committed with checkpoints; the dead-letter topic is
 * written exactly once (read it with {@code isolation.level=read_committed}); ClickHouse gets every row of
 * checkpointed input at least once (the sink flushes before each checkpoint) and replays collapse in the
 * {@code ReplacingMergeTree} tables. A bad record becomes a dead letter and never fails the job.
 *
 * <p>Entry points: {@link #main} for a Flink cluster ({@code flink run runlaw-jobs-<version>-job.jar --key value
 * ...}, keys in {@link IngestConfig}); {@link #start} and {@link #run} for the demo, the benchmark and tests on any
 * {@link StreamExecutionEnvironment} (e.g. a MiniCluster); {@link #defineWorkflow} for the topology alone.
 */
public final class IngestJob {
    public static final String SOURCE_UID = "kafka-telemetry-source";
    public static final String DECODE_UID = "decode-validate";
    public static final String CLICKHOUSE_SINK_UID = "clickhouse-sink";
    public static final String DEAD_LETTER_SINK_UID = "dead-letter-kafka-sink";

    private IngestJob() {
    }

    public static void main(String[] args) throws Exception {
        IngestConfig config;
        try {
            config = IngestConfig.fromArgs(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(IngestConfig.usage());
            System.exit(2);
            return;
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flinkConfiguration(config));
        run(env, config);
    }

    /** Builds the job on {@code env} and submits it without waiting (an unbounded job runs until cancelled). */
    public static JobClient start(StreamExecutionEnvironment env, IngestConfig config) throws Exception {
        build(env, config);
        return env.executeAsync(config.jobName());
    }

    /** Builds the job on {@code env} and runs it to the end: with {@code bounded=true}, until all input is in. */
    public static JobExecutionResult run(StreamExecutionEnvironment env, IngestConfig config) throws Exception {
        build(env, config);
        return env.execute(config.jobName());
    }

    /**
     * Applies the job's settings to {@code env} (checkpointing, state backend, parallelism, object reuse) and adds
     * the source, the function and the sinks. The caller executes the environment.
     */
    public static void build(StreamExecutionEnvironment env, IngestConfig config) {
        env.configure(flinkConfiguration(config));
        env.enableCheckpointing(config.checkpointIntervalMs(), CheckpointingMode.EXACTLY_ONCE);
        if (config.parallelism() > 0) {
            env.setParallelism(config.parallelism());
        }
        // Every element is immutable and no function keeps references to its input, so skipping the defensive
        // copies between chained operators is safe, and saves a copy of every record's bytes.
        env.getConfig().enableObjectReuse();
        defineWorkflow(env, kafkaSource(config), clickHouseSink(config), deadLetterSink(config), config.limits(),
                config.topicPrefix());
    }

    /**
     * The topology: source → decode/validate → rows to {@code rowSink}, dead letters to {@code deadLetterSink}.
     *
     * @return the decode/validate operator (its main output is the rows; side output
     *     {@link DecodeValidateFunction#DEAD_LETTERS} the dead letters)
     */
    public static SingleOutputStreamOperator<ClickHouseRow> defineWorkflow(StreamExecutionEnvironment env,
            Source<KafkaRecord, ?, ?> source, Sink<ClickHouseRow> rowSink, Sink<DeadLetterEvent> deadLetterSink,
            Limits limits, String topicPrefix) {
        SingleOutputStreamOperator<ClickHouseRow> rows = env
                .fromSource(source, WatermarkStrategy.noWatermarks(), "kafka telemetry source")
                .uid(SOURCE_UID)
                .name("kafka telemetry source")
                .process(new DecodeValidateFunction(topicPrefix, limits))
                .uid(DECODE_UID)
                .name("decode and validate");
        rows.sinkTo(rowSink).uid(CLICKHOUSE_SINK_UID).name("clickhouse raw tables");
        rows.getSideOutput(DecodeValidateFunction.DEAD_LETTERS)
                .sinkTo(deadLetterSink).uid(DEAD_LETTER_SINK_UID).name("kafka dead letters");
        return rows;
    }

    /** One source over every telemetry topic, raw bytes with topic, partition, offset, key and timestamp. */
    public static KafkaSource<KafkaRecord> kafkaSource(IngestConfig config) {
        KafkaSourceBuilder<KafkaRecord> b = KafkaSources.raw(config.bootstrapServers(), config.groupId(),
                config.groupId() + "-" + config.jobName(), config.topics(),
                KafkaSources.startingOffsets(config.startingOffsets()));
        if (config.bounded()) {
            b.setBounded(OffsetsInitializer.latest());
        } else {
            b.setProperty("partition.discovery.interval.ms", "10000");
        }
        return b.build();
    }

    /** ClickHouse sink for every raw table, dead_letters included. */
    public static ClickHouseSink clickHouseSink(IngestConfig config) {
        return new ClickHouseSink(config.clickHouse(), RowMapper.COLUMNS, config.batchRows(), config.flushIntervalMs());
    }

    /** Exactly-once Kafka sink of the dead-letter topic; key = original key, value = Avro DeadLetter. */
    public static KafkaSink<DeadLetterEvent> deadLetterSink(IngestConfig config) {
        return KafkaSink.<DeadLetterEvent>builder()
                .setBootstrapServers(config.bootstrapServers())
                .setRecordSerializer(new DeadLetterSerializer(config.deadLetterTopicName()))
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(config.deadLetterTransactionalIdPrefix())
                .setProperty("transaction.timeout.ms", Long.toString(config.deadLetterTransactionTimeoutMs()))
                .build();
    }

    /** Flink settings that come from the ingest configuration (state backend, checkpoint storage). */
    public static Configuration flinkConfiguration(IngestConfig config) {
        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, config.stateBackend().name().toLowerCase(java.util.Locale.ROOT));
        if (config.checkpointDir() != null) {
            conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, config.checkpointDir());
        }
        return conf;
    }

    static Pattern topicPattern(List<String> topics) {
        return KafkaSources.pattern(topics);
    }
}
