package dev.runlaw.jobs.forecast;

import dev.runlaw.jobs.KafkaSources;
import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.jobs.clickhouse.ClickHouseSink;
import dev.runlaw.jobs.ingest.KafkaRecord;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The live forecast job: run-started, step-metrics and run-finished records, keyed by run id, into
 * {@link RunForecastFunction}; forecasts, curves, what-ifs, advice and published references to ClickHouse; forecast,
 * advice and reference records to their Kafka topics. Finished runs come back in through the references topic as
 * broadcast state, so every run sees its family's finished runs whatever its key group (a loop through Kafka rather
 * than an in-job iteration: durable, replayable, and shared across job restarts and redeployments).
 *
 * <p>Delivery: ClickHouse rows at-least-once, collapsed by their identity keys; Kafka outputs at-least-once (a
 * replay after a restore re-sends records with the same identity: forecast {@code (run_id, step)}, advice
 * {@code (run_id, seq)}, reference {@code run_id} on a compacted topic), so consumers keep the latest per key.
 */
public final class ForecastJob {
    public static final String SOURCE_UID = "kafka-run-source";
    public static final String REFERENCE_SOURCE_UID = "kafka-reference-source";
    public static final String FORECAST_UID = "run-forecast";
    public static final String CLICKHOUSE_SINK_UID = "forecast-clickhouse-sink";
    public static final String KAFKA_SINK_UID = "forecast-kafka-sink";

    private ForecastJob() {
    }

    public static void main(String[] args) throws Exception {
        ForecastConfig config;
        try {
            config = ForecastConfig.fromArgs(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(ForecastConfig.usage());
            System.exit(2);
            return;
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flinkConfiguration(config));
        build(env, config);
        env.execute(config.jobName());
    }

    /** Builds the job on {@code env} and submits it without waiting (it runs until cancelled). */
    public static JobClient start(StreamExecutionEnvironment env, ForecastConfig config) throws Exception {
        build(env, config);
        return env.executeAsync(config.jobName());
    }

    /** Applies the job's settings to {@code env} and adds sources, the function and sinks. */
    public static void build(StreamExecutionEnvironment env, ForecastConfig config) {
        env.configure(flinkConfiguration(config));
        env.enableCheckpointing(config.checkpointIntervalMs(), CheckpointingMode.EXACTLY_ONCE);
        if (config.parallelism() > 0) {
            env.setParallelism(config.parallelism());
        }
        defineWorkflow(env, runSource(config), referenceSource(config),
                new ClickHouseSink(config.clickHouse(), ForecastRows.COLUMNS, config.batchRows(),
                        config.flushIntervalMs()),
                kafkaSink(config), config);
    }

    /**
     * The topology: runs keyed by id, connected to the broadcast references, into the forecast function; rows to
     * {@code rowSink}, topic records to {@code kafkaSink}.
     */
    public static SingleOutputStreamOperator<ClickHouseRow> defineWorkflow(StreamExecutionEnvironment env,
            Source<KafkaRecord, ?, ?> runs, Source<KafkaRecord, ?, ?> references, Sink<ClickHouseRow> rowSink,
            Sink<KafkaOut> kafkaSink, ForecastConfig config) {
        BroadcastStream<KafkaRecord> refs = env
                .fromSource(references, WatermarkStrategy.noWatermarks(), "kafka run references")
                .uid(REFERENCE_SOURCE_UID).name("kafka run references")
                .broadcast(RunForecastFunction.REFERENCES);
        SingleOutputStreamOperator<ClickHouseRow> rows = env
                .fromSource(runs, WatermarkStrategy.noWatermarks(), "kafka run telemetry")
                .uid(SOURCE_UID).name("kafka run telemetry")
                // The producers key every record by run id; a record without a key cannot be placed and is
                // counted as skipped by the function (key "").
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
        return source(config, config.inputTopics(), config.groupId(),
                KafkaSources.startingOffsets(config.startingOffsets()));
    }

    /**
     * The references topic, always from the earliest offset: every instance needs every finished run, and the
     * topic is compacted to one record per run.
     */
    public static KafkaSource<KafkaRecord> referenceSource(ForecastConfig config) {
        return source(config, List.of(config.referencesTopic()), config.groupId() + "-references",
                OffsetsInitializer.earliest());
    }

    private static KafkaSource<KafkaRecord> source(ForecastConfig config, List<String> topics, String groupId,
                                                   OffsetsInitializer start) {
        return KafkaSources.raw(config.bootstrapServers(), groupId, groupId + "-" + config.jobName(), topics, start)
                .setProperty("partition.discovery.interval.ms", "10000")
                .build();
    }

    /** At-least-once sink of the forecasts, advice and references topics (record identities make replays harmless). */
    public static KafkaSink<KafkaOut> kafkaSink(ForecastConfig config) {
        return KafkaSink.<KafkaOut>builder()
                .setBootstrapServers(config.bootstrapServers())
                .setRecordSerializer(new KafkaOutSerializer())
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .setProperty("linger.ms", "5")
                .build();
    }

    /** Flink settings from the configuration (state backend, checkpoint storage). */
    public static Configuration flinkConfiguration(ForecastConfig config) {
        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, config.stateBackend().name().toLowerCase(java.util.Locale.ROOT));
        if (config.checkpointDir() != null) {
            conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, config.checkpointDir());
        }
        return conf;
    }
}
