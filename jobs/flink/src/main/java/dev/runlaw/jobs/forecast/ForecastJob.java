package dev.runlaw.jobs.forecast;

import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.jobs.clickhouse.ClickHouseSink;
import dev.runlaw.jobs.common.JobRunner;
import dev.runlaw.jobs.common.JobSettings;
import dev.runlaw.jobs.kafka.DeadLetterEvent;
import dev.runlaw.jobs.kafka.DeadLetters;
import dev.runlaw.jobs.kafka.KafkaRecord;
import dev.runlaw.jobs.kafka.KafkaSinks;
import dev.runlaw.jobs.kafka.KafkaSources;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The live forecast job: run-started, step-metrics and run-finished records, checked ({@link RunInputFunction}:
 * unusable records go to the dead-letter topic with their reason) and keyed by run id, into
 * {@link RunForecastFunction}; forecasts, curves, what-ifs, advice and published references to ClickHouse; forecast,
 * advice and reference records to their Kafka topics. Finished runs come back in through the references topic as
 * broadcast state, so every run sees its family's finished runs whatever its key group (a loop through Kafka rather
 * than an in-job iteration: durable, replayable, and shared across job restarts and redeployments).
 *
 * <p>Delivery: ClickHouse rows at-least-once, collapsed by their identity keys; Kafka outputs at-least-once (a
 * replay after a restore re-sends records with the same identity: forecast {@code (run_id, step)}, advice
 * {@code (run_id, seq)}, reference {@code run_id} on a compacted topic), so consumers keep the latest per key; dead
 * letters exactly once.
 */
public final class ForecastJob {
    public static final String SOURCE_UID = "kafka-run-source";
    public static final String REFERENCE_SOURCE_UID = "kafka-reference-source";
    public static final String INPUT_UID = "run-input-check";
    public static final String FORECAST_UID = "run-forecast";
    public static final String CLICKHOUSE_SINK_UID = "forecast-clickhouse-sink";
    public static final String KAFKA_SINK_UID = "forecast-kafka-sink";
    public static final String DEAD_LETTER_SINK_UID = "forecast-dead-letter-sink";

    private ForecastJob() {
    }

    public static void main(String[] args) throws Exception {
        JobRunner.main(args, ForecastConfig::fromMap, ForecastConfig.usage(), ForecastJob::addTo);
    }

    /** Builds the job on {@code env} and submits it without waiting (it runs until cancelled). */
    public static JobClient start(StreamExecutionEnvironment env, ForecastConfig config) throws Exception {
        return JobRunner.start(env, config, ForecastJob::addTo);
    }

    /** Applies the shared settings to {@code env} and adds sources, the functions and sinks. */
    public static void build(StreamExecutionEnvironment env, ForecastConfig config) {
        JobRunner.build(env, config, ForecastJob::addTo);
    }

    private static void addTo(StreamExecutionEnvironment env, ForecastConfig config) {
        JobSettings s = config.settings();
        defineWorkflow(env, runSource(config), referenceSource(config),
                new ClickHouseSink(s.clickHouse(), ForecastRows.COLUMNS, s.batchRows(), s.flushIntervalMs()),
                kafkaSink(s), DeadLetters.sink(s), config);
    }

    /**
     * The topology: runs checked, keyed by id and connected to the broadcast references, into the forecast
     * function; rows to {@code rowSink}, topic records to {@code kafkaSink}, refused records to
     * {@code deadLetterSink}.
     *
     * @return the forecast operator (main output: rows; side output {@link RunForecastFunction#KAFKA})
     */
    public static SingleOutputStreamOperator<ClickHouseRow> defineWorkflow(StreamExecutionEnvironment env,
            Source<KafkaRecord, ?, ?> runs, Source<KafkaRecord, ?, ?> references, Sink<ClickHouseRow> rowSink,
            Sink<KafkaOut> kafkaSink, Sink<DeadLetterEvent> deadLetterSink, ForecastConfig config) {
        BroadcastStream<KafkaRecord> refs = env
                .fromSource(references, WatermarkStrategy.noWatermarks(), "kafka run references")
                .uid(REFERENCE_SOURCE_UID).name("kafka run references")
                .broadcast(RunForecastFunction.REFERENCES);
        SingleOutputStreamOperator<KafkaRecord> usable = env
                .fromSource(runs, WatermarkStrategy.noWatermarks(), "kafka run telemetry")
                .uid(SOURCE_UID).name("kafka run telemetry")
                .process(new RunInputFunction(config.settings().topicPrefix(), config.settings().limits()))
                .uid(INPUT_UID).name("decode and validate");
        usable.getSideOutput(DeadLetters.TAG).sinkTo(deadLetterSink).uid(DEAD_LETTER_SINK_UID)
                .name("kafka dead letters");
        SingleOutputStreamOperator<ClickHouseRow> rows = usable
                // RunInputFunction lets through only records whose key is their run id.
                .keyBy(ForecastJob::runKey)
                .connect(refs)
                .process(new RunForecastFunction(config))
                .uid(FORECAST_UID).name("forecast per run");
        rows.sinkTo(rowSink).uid(CLICKHOUSE_SINK_UID).name("clickhouse forecast tables");
        rows.getSideOutput(RunForecastFunction.KAFKA).sinkTo(kafkaSink).uid(KAFKA_SINK_UID)
                .name("kafka forecasts, advice, references");
        return rows;
    }

    static String runKey(KafkaRecord r) {
        return r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
    }

    /** The run telemetry topics the job reads. */
    public static KafkaSource<KafkaRecord> runSource(ForecastConfig config) {
        return source(config.settings(), config.inputTopics(), config.settings().groupId(),
                KafkaSources.startingOffsets(config.settings().startingOffsets()));
    }

    /**
     * The references topic, always from the earliest offset: every instance needs every finished run, and the
     * topic is compacted to one record per run.
     */
    public static KafkaSource<KafkaRecord> referenceSource(ForecastConfig config) {
        return source(config.settings(), List.of(config.referencesTopic()),
                config.settings().groupId() + "-references", OffsetsInitializer.earliest());
    }

    private static KafkaSource<KafkaRecord> source(JobSettings s, List<String> topics, String groupId,
                                                   OffsetsInitializer start) {
        return KafkaSources.raw(s, groupId, groupId + "-" + s.jobName(), topics, start)
                .setProperty("partition.discovery.interval.ms", "10000")
                .build();
    }

    /** At-least-once sink of the forecasts, advice and references topics (record identities make replays harmless). */
    public static KafkaSink<KafkaOut> kafkaSink(JobSettings settings) {
        return KafkaSinks.<KafkaOut>builder(settings)
                .setRecordSerializer(new KafkaOutSerializer())
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .setProperty("linger.ms", "5")
                .build();
    }
}
