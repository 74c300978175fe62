package dev.runlaw.jobs.ingest;

import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.jobs.clickhouse.ClickHouseSink;
import dev.runlaw.jobs.common.JobRunner;
import dev.runlaw.jobs.common.JobSettings;
import dev.runlaw.jobs.kafka.DeadLetterEvent;
import dev.runlaw.jobs.kafka.DeadLetters;
import dev.runlaw.jobs.kafka.KafkaRecord;
import dev.runlaw.jobs.kafka.KafkaSources;
import dev.runlaw.schema.validate.Limits;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
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
 * ...}, keys in {@link JobSettings}); {@link #start} and {@link #run} for the demo, the benchmark and tests on any
 * {@link StreamExecutionEnvironment} (e.g. a MiniCluster); {@link #defineWorkflow} for the topology alone.
 */
public final class IngestJob {
    public static final String SOURCE_UID = "kafka-telemetry-source";
    public static final String DECODE_UID = "decode-validate";
    public static final String CLICKHOUSE_SINK_UID = "clickhouse-sink";
    public static final String DEAD_LETTER_SINK_UID = "dead-letter-kafka-sink";

    private IngestJob() {
    }

    /** Builds the job on {@code env} and runs it to the end: with {@code bounded=true}, until all input is in. */
    public static JobExecutionResult run(StreamExecutionEnvironment env, IngestConfig config) throws Exception {
        return JobRunner.run(env, config, IngestJob::addTo);
    }

    /** Builds the job on {@code env} and submits it without waiting (an unbounded job runs until cancelled). */
    public static JobClient start(StreamExecutionEnvironment env, IngestConfig config) throws Exception {
        return JobRunner.start(env, config, IngestJob::addTo);
    }

    /** Applies the shared settings to {@code env} and adds the job; the caller executes the environment. */
    public static void build(StreamExecutionEnvironment env, IngestConfig config) {
        JobRunner.build(env, config, IngestJob::addTo);
    }

    public static void main(String[] args) throws Exception {
        JobRunner.main(args, IngestConfig::fromMap, IngestConfig.usage(), IngestJob::addTo);
    }

    private static void addTo(StreamExecutionEnvironment env, IngestConfig config) {
        // Every element is immutable and no function keeps references to its input, so skipping the defensive
        // copies between chained operators is safe, and saves a copy of every record's bytes.
        env.getConfig().enableObjectReuse();
        JobSettings s = config.settings();
        defineWorkflow(env, kafkaSource(config), clickHouseSink(s), DeadLetters.sink(s), s.limits(), s.topicPrefix());
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
        JobSettings s = config.settings();
        KafkaSourceBuilder<KafkaRecord> b = KafkaSources.raw(s, s.groupId(),
                s.groupId() + "-" + s.jobName(), config.topics(), KafkaSources.startingOffsets(s.startingOffsets()));
        if (s.bounded()) {
            b.setBounded(OffsetsInitializer.latest());
        } else {
            b.setProperty("partition.discovery.interval.ms", "10000");
        }
        return b.build();
    }

    /** ClickHouse sink for every raw table, dead_letters included. */
    public static ClickHouseSink clickHouseSink(JobSettings settings) {
        return new ClickHouseSink(settings.clickHouse(), RowMapper.COLUMNS, settings.batchRows(),
                settings.flushIntervalMs());
    }
}
