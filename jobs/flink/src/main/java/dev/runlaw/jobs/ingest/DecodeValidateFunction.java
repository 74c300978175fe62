package dev.runlaw.jobs.ingest;

import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.codec.DecodeException;
import dev.runlaw.schema.codec.TelemetryCodec;
import dev.runlaw.schema.validate.Limits;
import dev.runlaw.schema.validate.RecordValidator;
import dev.runlaw.schema.validate.RejectReason;
import dev.runlaw.schema.validate.Rejection;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.avro.specific.SpecificRecord;
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
 * {@link Limits}, and emits its ClickHouse row(s); a refused record becomes a {@link DeadLetterEvent} on
 * {@link #DEAD_LETTERS} (for the dead-letter topic) plus a {@code dead_letters} row on the main output (so one
 * ClickHouse sink, chained to this operator, writes everything).
 *
 * <p>Metrics, in group {@code runlaw_ingest}: {@code accepted_<kind>} (records, e.g. {@code accepted_step_metrics}),
 * {@code rows_<kind>} (rows emitted; differs for routing traces) and {@code dead_letters_<REASON>} per
 * {@link RejectReason}. Stateless: nothing to checkpoint.
 */
public final class DecodeValidateFunction extends ProcessFunction<KafkaRecord, ClickHouseRow> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DecodeValidateFunction.class);

    /** Side output of refused records. */
    public static final OutputTag<DeadLetterEvent> DEAD_LETTERS = new OutputTag<>("dead-letters") { };

    private final String topicPrefix;
    /** {@link Limits} is not serializable; its components travel instead, in canonical-constructor order. */
    private final int[] limits;
    private final SerializableSupplier<Long> clock;

    private transient Map<String, RecordKind> kinds;
    private transient TelemetryCodec codec;
    private transient RecordValidator validator;
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
        this.limits = new int[] {limits.maxIdLength(), limits.maxExperts(), limits.maxTopK(), limits.maxLayers(),
                limits.maxTokensPerBatch(), limits.maxDevices(), limits.maxLrPerStep(), limits.maxMapEntries()};
        this.clock = clock;
    }

    @Override
    public void open(OpenContext openContext) {
        kinds = new HashMap<>();
        for (RecordKind k : RecordKind.values()) {
            kinds.put(topicPrefix + k.topic(), k);
        }
        codec = new TelemetryCodec();
        validator = new RecordValidator(new Limits(limits[0], limits[1], limits[2], limits[3], limits[4], limits[5],
                limits[6], limits[7]));
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
        refused = new EnumMap<>(RejectReason.class);
        for (RejectReason r : RejectReason.values()) {
            refused.put(r, group.counter("dead_letters_" + r.name()));
        }
    }

    @Override
    public void processElement(KafkaRecord in, Context ctx, Collector<ClickHouseRow> out) {
        long now = clock.get();
        RecordKind kind = kinds.get(in.topic());
        if (kind == null) {
            refuse(in, Rejection.of(RejectReason.UNKNOWN_TOPIC, "no record kind reads topic " + in.topic()), now, ctx, out);
            return;
        }
        SpecificRecord record;
        try {
            record = codec.decode(kind, in.value());
        } catch (DecodeException e) {
            RejectReason reason = e.kind() == DecodeException.Kind.UNKNOWN_SCHEMA
                    ? RejectReason.UNKNOWN_SCHEMA : RejectReason.UNDECODABLE;
            refuse(in, Rejection.of(reason, e.getMessage()), now, ctx, out);
            return;
        }
        Optional<Rejection> rejection = validator.validate(record);
        if (rejection.isPresent()) {
            refuse(in, rejection.get(), now, ctx, out);
            return;
        }
        // Map completely before emitting: out.collect runs the chained sink, whose failures must fail the task,
        // not turn into dead letters, and a record that cannot be mapped must not leave half its rows behind.
        pending.clear();
        int n;
        try {
            n = mapper.map(record, now, toPending);
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
        DeadLetterEvent d = new DeadLetterEvent(in.topic(), in.partition(), in.offset(), in.key(), in.value(),
                rejection.reason().name(), rejection.message(), now);
        refused.get(rejection.reason()).inc();
        ctx.output(DEAD_LETTERS, d);
        out.collect(mapper.deadLetter(d, now));
    }
}
