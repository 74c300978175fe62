package dev.runlaw.jobs.ingest;

import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.jobs.kafka.DeadLetterEvent;
import dev.runlaw.jobs.kafka.DeadLetters;
import dev.runlaw.jobs.kafka.KafkaRecord;
import dev.runlaw.jobs.kafka.TelemetryDecoder;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.validate.Limits;
import dev.runlaw.schema.validate.RejectReason;
import dev.runlaw.schema.validate.Rejection;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.apache.flink.util.function.SerializableSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes each raw Kafka record by its topic's {@link RecordKind}, validates it against the configured
 * {@link Limits} ({@link TelemetryDecoder}), and emits its ClickHouse row(s); a refused record becomes a
 * {@link DeadLetterEvent} on {@link #DEAD_LETTERS} (for the dead-letter topic) plus a {@code dead_letters} row on the
 * main output (so one ClickHouse sink, chained to this operator, writes everything).
 *
 * <p>Metrics, in group {@code runlaw_ingest}: {@code accepted_<kind>} (records, e.g. {@code accepted_step_metrics}),
 * {@code rows_<kind>} (rows emitted; differs for routing traces) and {@code dead_letters_<REASON>} per
 * {@link RejectReason}. Stateless: nothing to checkpoint.
 */
public final class DecodeValidateFunction extends ProcessFunction<KafkaRecord, ClickHouseRow> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DecodeValidateFunction.class);

    /** Side output of refused records (the tag every job's dead letters use). */
    public static final OutputTag<DeadLetterEvent> DEAD_LETTERS = DeadLetters.TAG;

    private final String topicPrefix;
    private final Limits limits;
    private final SerializableSupplier<Long> clock;

    private transient TelemetryDecoder decoder;
    private transient RowMapper mapper;
    /** Rows of the current record, collected before any is emitted (see processElement). */
    private transient List<ClickHouseRow> pending;
    private transient Consumer<ClickHouseRow> toPending;
    private transient Map<RecordKind, Counter> accepted;
    private transient Map<RecordKind, Counter> rows;
    private transient Map<RejectReason, Counter> refused;

    public DecodeValidateFunction(String topicPrefix, Limits limits) {
        this(topicPrefix, limits, System::currentTimeMillis);
    }

    /** With an explicit clock for {@code ingested_at_ms} and {@code failed_at_ms} (tests). */
    public DecodeValidateFunction(String topicPrefix, Limits limits, SerializableSupplier<Long> clock) {
        this.topicPrefix = topicPrefix == null ? "" : topicPrefix;
        this.limits = limits;
        this.clock = clock;
    }

    @Override
    public void open(OpenContext openContext) {
        // The ingest job stores what a record says under its own run id; the Kafka key only orders the partition.
        decoder = new TelemetryDecoder(topicPrefix, List.of(RecordKind.values()), limits, false);
        mapper = new RowMapper();
        pending = new ArrayList<>();
        toPending = pending::add;
        MetricGroup group = getRuntimeContext().getMetricGroup().addGroup("runlaw_ingest");
        accepted = new EnumMap<>(RecordKind.class);
        rows = new EnumMap<>(RecordKind.class);
        for (RecordKind k : RecordKind.values()) {
            accepted.put(k, group.counter("accepted_" + RowMapper.tableOf(k)));
            rows.put(k, group.counter("rows_" + RowMapper.tableOf(k)));
        }
        refused = DeadLetters.counters(group);
    }

    @Override
    public void processElement(KafkaRecord in, Context ctx, Collector<ClickHouseRow> out) {
        long now = clock.get();
        TelemetryDecoder.Result decoded = decoder.decode(in);
        if (!decoded.accepted()) {
            refuse(in, decoded.rejection(), now, ctx, out);
            return;
        }
        RecordKind kind = decoded.kind();
        // Map completely before emitting: out.collect runs the chained sink, whose failures must fail the task,
        // not turn into dead letters, and a record that cannot be mapped must not leave half its rows behind.
        pending.clear();
        int n;
        try {
            n = mapper.map(decoded.record(), now, toPending);
        } catch (RuntimeException e) {
            // A validated record should always map; if one does not, park it instead of failing the job forever.
            LOG.warn("could not map valid {} record at {}-{}@{}", kind, in.topic(), in.partition(), in.offset(), e);
            refuse(in, Rejection.of(RejectReason.INCONSISTENT, "cannot be written to ClickHouse: " + e), now, ctx, out);
            return;
        }
        for (int i = 0, size = pending.size(); i < size; i++) {
            out.collect(pending.get(i));
        }
        pending.clear();
        accepted.get(kind).inc();
        rows.get(kind).inc(n);
    }

    /** Records of {@code kind} accepted so far by this instance (tests). */
    long acceptedCount(RecordKind kind) {
        return accepted.get(kind).getCount();
    }

    /** Records refused for {@code reason} so far by this instance (tests). */
    long refusedCount(RejectReason reason) {
        return refused.get(reason).getCount();
    }

    private void refuse(KafkaRecord in, Rejection rejection, long now, Context ctx, Collector<ClickHouseRow> out) {
        DeadLetterEvent d = DeadLetterEvent.of(in, rejection, now);
        refused.get(rejection.reason()).inc();
        ctx.output(DEAD_LETTERS, d);
        out.collect(mapper.deadLetter(d, now));
    }
}
