package dev.runlaw.jobs.routing;

import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.jobs.clickhouse.ClickHouseSink;
import dev.runlaw.jobs.common.JobRunner;
import dev.runlaw.jobs.common.JobSettings;
import dev.runlaw.jobs.kafka.DeadLetterEvent;
import dev.runlaw.jobs.kafka.DeadLetters;
import dev.runlaw.jobs.kafka.KafkaRecord;
import dev.runlaw.jobs.kafka.KafkaSources;
import java.util.List;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The routing-trace analysis job (issue 12): one source's routing traces, bounded, analysed exactly with
 * {@link dev.runlaw.math.routing.RoutingCounts} and {@link dev.runlaw.math.routing.RoutingAnalysis} (the same code
 * as {@code ./runlaw routing analyze}), results to the {@code routing_*} tables ({@code sql/020}–{@code 025}).
 *
 * <pre>
 *   KafkaSource runlaw.routing-traces (bounded: starting offsets → offsets latest at start)
 *     → RoutingBatchFunction: this source's batches, decoded and validated ─ dead letters → Kafka
 *         one SequenceFragment per sequence in a batch
 *     → keyBy (source, step, sequence_id) → SequenceCountOperator: a sequence's fragments together, added once;
 *         partial counts at the end                                         (parallel)
 *     → MergeCountsOperator: partial counts merged                          (parallelism 1)
 *     → RoutingRowsFunction: analysis and placements → rows → ClickHouseSink
 * </pre>
 *
 * <p>Why this shape: exactness needs all records of one (source, step, sequence_id) in one
 * {@code addSequence} call, and a sequence may be spread over several batches (a tracer that logs layer by layer);
 * but a shuffle per route would cap the job far below the routes a trace holds. So each batch is cut into per-sequence
 * fragments next to the source (columns of ints, no per-route objects on the wire), only fragments are shuffled, and
 * only partial counts (kilobytes) travel to the merge.
 *
 * <p>Runs in BATCH execution mode: the keyed input is sorted by sequence, so one sequence at a time is held and no
 * checkpoints are taken (a failed task re-runs from its input). Rows are written once at the end; a retried final
 * stage writes the same rows with the same version ({@link RoutingConfig#analysedAtMs()}), which collapse.
 */
public final class RoutingJob {
    public static final String SOURCE_UID = "kafka-routing-source";
    public static final String FRAGMENT_UID = "routing-fragments";
    public static final String COUNT_UID = "routing-sequence-counts";
    public static final String MERGE_UID = "routing-merge-counts";
    public static final String ROWS_UID = "routing-rows";
    public static final String CLICKHOUSE_SINK_UID = "routing-clickhouse-sink";
    public static final String DEAD_LETTER_SINK_UID = "routing-dead-letter-sink";

    private RoutingJob() {
    }

    public static void main(String[] args) throws Exception {
        JobRunner.main(args, RoutingConfig::fromMap, RoutingConfig.usage(), RoutingJob::addTo);
    }

    /** Builds the job on {@code env} and runs it to the end of its bounded input. */
    public static JobExecutionResult run(StreamExecutionEnvironment env, RoutingConfig config) throws Exception {
        return JobRunner.run(env, config, RoutingJob::addTo);
    }

    private static void addTo(StreamExecutionEnvironment env, RoutingConfig config) {
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        // Fragments are never modified after they are built, and no function keeps a reference to its input.
        env.getConfig().enableObjectReuse();
        JobSettings s = config.settings();
        defineWorkflow(env, kafkaSource(config), clickHouseSink(s), DeadLetters.sink(s), config);
    }

    /**
     * The topology: this source's batches from {@code source} → fragments → exact counts → rows to
     * {@code rowSink}; refused batches to {@code deadLetterSink}.
     *
     * @return the merged counts ({@link dev.runlaw.math.routing.RoutingCounts#toBytes()}), one element at the end
     */
    public static DataStream<byte[]> defineWorkflow(StreamExecutionEnvironment env, Source<KafkaRecord, ?, ?> source,
            Sink<ClickHouseRow> rowSink, Sink<DeadLetterEvent> deadLetterSink, RoutingConfig config) {
        SingleOutputStreamOperator<SequenceFragment> fragments = env
                .fromSource(source, WatermarkStrategy.noWatermarks(), "kafka routing traces")
                .uid(SOURCE_UID).name("kafka routing traces")
                .process(new RoutingBatchFunction(config))
                .uid(FRAGMENT_UID).name("decode and cut into sequences");
        fragments.getSideOutput(DeadLetters.TAG).sinkTo(deadLetterSink).uid(DEAD_LETTER_SINK_UID)
                .name("kafka dead letters");
        DataStream<byte[]> total = count(fragments, config.devices(), true);
        total.flatMap(new RoutingRowsFunction(config, "kafka " + config.tracesTopic() + " from "
                        + config.settings().startingOffsets().name().toLowerCase(java.util.Locale.ROOT)
                        + " offsets to the latest at start")).setParallelism(1).uid(ROWS_UID).name("analyse and map to rows")
                .sinkTo(rowSink).setParallelism(1).uid(CLICKHOUSE_SINK_UID).name("clickhouse routing tables");
        return total;
    }

    /**
     * The exact counting part on any stream of fragments (the Kafka path above, or a trace file read into a bounded
     * source by {@code routing analyze}): keyed by sequence, counted in parallel, merged.
     *
     * @param devices the analysis' device count ({@link dev.runlaw.math.routing.RoutingCounts#devices()})
     * @param dedupe  count a repeated (token, layer) of a sequence once, the newest version (Kafka: a replayed
     *                batch, as table routing_trace keeps it), or every record (trace files, as the command's local
     *                backend)
     * @return the merged counts, one element at the end of the input
     */
    public static DataStream<byte[]> count(DataStream<SequenceFragment> fragments, int devices, boolean dedupe) {
        return fragments
                .keyBy(SequenceFragment::key)
                .transform("count sequences", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO,
                        new SequenceCountOperator(devices, dedupe))
                .uid(COUNT_UID)
                .global()
                .transform("merge counts", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO,
                        new MergeCountsOperator(devices))
                .setParallelism(1).uid(MERGE_UID);
    }

    /** The routing-traces topic from the configured starting offsets to the offsets latest when the job starts. */
    public static KafkaSource<KafkaRecord> kafkaSource(RoutingConfig config) {
        JobSettings s = config.settings();
        return KafkaSources.raw(s, s.groupId(), s.groupId() + "-" + s.jobName(),
                        List.of(config.tracesTopic()), KafkaSources.startingOffsets(s.startingOffsets()))
                .setBounded(OffsetsInitializer.latest())
                .build();
    }

    /** ClickHouse sink of the routing_* tables. */
    public static ClickHouseSink clickHouseSink(JobSettings settings) {
        return new ClickHouseSink(settings.clickHouse(), RoutingRows.COLUMNS, settings.batchRows(),
                settings.flushIntervalMs());
    }
}
