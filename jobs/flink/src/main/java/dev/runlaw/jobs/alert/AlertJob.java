package dev.runlaw.jobs.alert;

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
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The live alert job: step metrics, expert loads, data movement and run-finished records of every run, plus the
 * forecast job's forecasts (the run's fitted law, reused: {@link ExpectedLoss}), checked ({@link AlertInputFunction}: unusable
 * records go to the dead-letter topic with their reason), keyed by run id into {@link RunAlertFunction}; alert
 * events to table {@code alerts} and topic {@code runlaw.alerts}.
 *
 * <p>Delivery: ClickHouse rows at-least-once, collapsed by their identity (run, kind, layer, first step) and version
 * ({@code event_order}); Kafka alert records at-least-once (a replay re-sends events with the same identity, so
 * consumers keep the latest per identity); dead letters exactly once.
 */
public final class AlertJob {
    public static final String SOURCE_UID = "kafka-alert-source";
    public static final String INPUT_UID = "alert-input-check";
    public static final String DETECT_UID = "run-alerts";
    public static final String CLICKHOUSE_SINK_UID = "alert-clickhouse-sink";
    public static final String KAFKA_SINK_UID = "alert-kafka-sink";
    public static final String DEAD_LETTER_SINK_UID = "alert-dead-letter-sink";

    private AlertJob() {
    }

    public static void main(String[] args) throws Exception {
        JobRunner.main(args, AlertConfig::fromMap, AlertConfig.usage(), AlertJob::addTo);
    }

    /** Builds the job on {@code env} and submits it without waiting (it runs until cancelled). */
    public static JobClient start(StreamExecutionEnvironment env, AlertConfig config) throws Exception {
        return JobRunner.start(env, config, AlertJob::addTo);
    }

    private static void addTo(StreamExecutionEnvironment env, AlertConfig config) {
        JobSettings s = config.settings();
        defineWorkflow(env, source(config),
                new ClickHouseSink(s.clickHouse(), AlertOutputs.COLUMNS, s.batchRows(), s.flushIntervalMs()),
                ForecastJob.kafkaSink(s), DeadLetters.sink(s), config);
    }

    /**
     * The topology: records checked, keyed by run id, into the detectors; rows to {@code rowSink}, alert records to
     * {@code kafkaSink}, refused records to {@code deadLetterSink}.
     *
     * @return the detector operator (main output: rows; side output {@link RunAlertFunction#KAFKA})
     */
    public static SingleOutputStreamOperator<ClickHouseRow> defineWorkflow(StreamExecutionEnvironment env,
            Source<KafkaRecord, ?, ?> records, Sink<ClickHouseRow> rowSink, Sink<KafkaOut> kafkaSink,
            Sink<DeadLetterEvent> deadLetterSink, AlertConfig config) {
        SingleOutputStreamOperator<KafkaRecord> usable = env
                .fromSource(records, WatermarkStrategy.noWatermarks(), "kafka alert input")
                .uid(SOURCE_UID).name("kafka alert input")
                .process(new AlertInputFunction(config))
                .uid(INPUT_UID).name("decode and validate");
        usable.getSideOutput(DeadLetters.TAG).sinkTo(deadLetterSink).uid(DEAD_LETTER_SINK_UID)
                .name("kafka dead letters");
        SingleOutputStreamOperator<ClickHouseRow> rows = usable
                // AlertInputFunction lets through only records whose key is their run id.
                .keyBy(AlertJob::runKey)
                .process(new RunAlertFunction(config))
                .uid(DETECT_UID).name("detect per run");
        rows.sinkTo(rowSink).uid(CLICKHOUSE_SINK_UID).name("clickhouse alerts");
        rows.getSideOutput(RunAlertFunction.KAFKA).sinkTo(kafkaSink).uid(KAFKA_SINK_UID).name("kafka alerts");
        return rows;
    }

    static String runKey(KafkaRecord r) {
        return r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
    }

    /** The input topics, from the configured offsets. */
    public static org.apache.flink.connector.kafka.source.KafkaSource<KafkaRecord> source(AlertConfig config) {
        JobSettings s = config.settings();
        return KafkaSources.raw(s, s.groupId(), s.groupId() + "-" + s.jobName(),
                        config.inputTopics(), KafkaSources.startingOffsets(s.startingOffsets()))
                .setProperty("partition.discovery.interval.ms", "10000")
                .build();
    }
}
