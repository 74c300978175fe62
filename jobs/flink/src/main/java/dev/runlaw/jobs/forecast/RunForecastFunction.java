package dev.runlaw.jobs.forecast;

import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.jobs.kafka.KafkaRecord;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.RunFinished;
import dev.runlaw.schema.RunReference;
import dev.runlaw.schema.RunStarted;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.codec.DecodeException;
import dev.runlaw.schema.codec.TelemetryCodec;
import dev.runlaw.schema.validate.Limits;
import dev.runlaw.schema.validate.RecordValidator;
import dev.runlaw.schema.validate.RejectReason;
import dev.runlaw.schema.validate.Rejection;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The forecast job's keyed operator, a thin Flink adapter: per record or timer it loads the run's state into a
 * {@link RunSession}, which computes a {@link Transition}; then it emits the transition's outputs, saves its state
 * and moves its timers, in that order (compute, emit, save). The protocol itself (refits, finish, advice, idle
 * expiry) is in {@link RunSession}; the family references in a {@link FamilyReferenceBook} per task.
 *
 * <p>Outputs: rows to ClickHouse on the main output; forecast, advice and reference records on {@link #KAFKA}.
 * The broadcast input holds finished runs ({@link RunReference}s, read back from the job's own references topic),
 * bounded per family and in total (the book says which to drop) and decoded once per task.
 *
 * <p>Keyed state per run: the {@code RunTracker} as versioned bytes (bounded: about 40 KB whatever the run's length),
 * the steps since the last refit as a list (an append per step, no read), and one {@link RunControl} value. The
 * decoded trackers are also kept per task in a {@link TrackerCache} (bounded by {@code forecast.tracker-cache-runs}),
 * used only when the run's control value says they are the saved bytes' own: a refit then reads no tracker bytes. A
 * finished run keeps only a small "done" marker until the idle timeout; an idle run's state is dropped after it.
 *
 * <p>Bad input: {@link RunInputFunction} upstream dead-letters undecodable or invalid records and records whose
 * key is not their run id; any that still fail here are counted and skipped. A step whose loss is NaN or infinite
 * is kept as such a step and reported in the run's status. A failure while computing one run's outputs is counted
 * ({@code run_errors}) and logged; it emits nothing and loses no step (see {@link RunSession}). A failure to emit
 * or to save fails the task, which restores from its last checkpoint.
 */
public final class RunForecastFunction
        extends KeyedBroadcastProcessFunction<String, KafkaRecord, KafkaRecord, ClickHouseRow> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RunForecastFunction.class);

    /** Side output of records for the forecasts, advice and references topics. */
    public static final OutputTag<KafkaOut> KAFKA = new OutputTag<>("forecast-kafka") { };

    /** Finished runs by run id: the RunReference record's bytes. */
    public static final MapStateDescriptor<String, byte[]> REFERENCES =
            new MapStateDescriptor<>("run-references", Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

    private final ForecastConfig.Policy policy;
    private final String topicPrefix;
    private final Limits limits;
    private final String forecastsTopic;
    private final String adviceTopic;
    private final String referencesTopic;
    private final FaultHook faults;

    private transient ValueState<byte[]> tracker;
    private transient ListState<PendingStep> pending;
    private transient ValueState<RunControl> control;
    private transient RunStateStore store;

    private transient Map<String, RecordKind> kinds;
    private transient TelemetryCodec codec;
    private transient RecordValidator validator;
    private transient FamilyReferenceBook book;
    /** The book was filled from the (restored) broadcast state. */
    private transient boolean bookLoaded;
    private transient RunSession.Setup setup;
    private transient Counter skipped;
    private transient Counter refits;
    private transient Counter advices;
    private transient Counter published;
    private transient Counter runErrors;
    private transient Counter expired;

    public RunForecastFunction(ForecastConfig config) {
        this(config, FaultHook.NONE);
    }

    /** With failure injection (tests). */
    RunForecastFunction(ForecastConfig config, FaultHook faults) {
        this.policy = config.policy();
        this.topicPrefix = config.topicPrefix();
        this.limits = config.limits();
        this.forecastsTopic = config.forecastsTopic();
        this.adviceTopic = config.adviceTopic();
        this.referencesTopic = config.referencesTopic();
        this.faults = faults;
    }

    @Override
    public void open(OpenContext openContext) {
        tracker = getRuntimeContext().getState(new ValueStateDescriptor<>("tracker", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        pending = getRuntimeContext().getListState(new ListStateDescriptor<>("pending-steps", PendingStep.class));
        control = getRuntimeContext().getState(new ValueStateDescriptor<>("control", RunControl.class));
        store = new FlinkStore();
        kinds = new HashMap<>();
        for (RecordKind k : List.of(RecordKind.RUN_STARTED, RecordKind.STEP_METRICS, RecordKind.RUN_FINISHED)) {
            kinds.put(topicPrefix + k.topic(), k);
        }
        codec = new TelemetryCodec();
        validator = new RecordValidator(limits);
        book = new FamilyReferenceBook(policy.maxReferences(), policy.maxReferencesTotal());
        bookLoaded = false;
        // A new, empty cache per open(): after a restore or rescale nothing decoded before it can be served.
        TrackerCache cache = new TrackerCache(policy.trackerCacheRuns());
        setup = new RunSession.Setup(policy, new RunOutputs(policy.stopBelow(), policy.continueAbove(), forecastsTopic,
                adviceTopic, referencesTopic), book, faults, cache);
        MetricGroup g = getRuntimeContext().getMetricGroup().addGroup("runlaw_forecast");
        g.gauge("tracker_cache_hits", cache::hits);
        g.gauge("tracker_cache_misses", cache::misses);
        skipped = g.counter("skipped_records");
        refits = g.counter("refits");
        advices = g.counter("advice_changes");
        published = g.counter("references_published");
        runErrors = g.counter("run_errors");
        expired = g.counter("runs_expired");
    }

    @Override
    public void processElement(KafkaRecord in, ReadOnlyContext ctx, Collector<ClickHouseRow> out) throws Exception {
        RecordKind kind = kinds.get(in.topic());
        if (kind == null || in.key() == null) {
            skipped.inc();
            return;
        }
        SpecificRecord record;
        try {
            record = codec.decode(kind, in.value());
        } catch (DecodeException e) {
            skipped.inc();
            return;
        }
        Optional<Rejection> rejection = validator.validate(record);
        boolean nonFinite = false;
        if (rejection.isPresent()) {
            // A NaN/inf loss is a fact about the run (it probably diverged), not only a bad record: keep the step.
            nonFinite = record instanceof StepMetrics s && rejection.get().reason() == RejectReason.NON_FINITE_LOSS
                    && ctx.getCurrentKey().equals(s.getRunId()) && Double.isFinite(s.getLr()) && s.getStep() >= 0;
            if (!nonFinite) {
                skipped.inc();
                return;
            }
        }
        loadBook(ctx.getBroadcastState(REFERENCES));
        RunSession session = new RunSession(ctx.getCurrentKey(), store, setup);
        if (session.done()) {
            // The run was finished and published; a late record cannot change its reference any more.
            skipped.inc();
            return;
        }
        long now = ctx.timerService().currentProcessingTime();
        Transition t;
        if (record instanceof StepMetrics s) {
            t = session.onStep(s, nonFinite, now, in.timestamp());
        } else if (record instanceof RunStarted r) {
            t = session.onStarted(r, now);
        } else {
            t = session.onFinished((RunFinished) record, now);
        }
        apply(t, ctx.getCurrentKey(), ctx.timerService(), ctx, out);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<ClickHouseRow> out) throws Exception {
        loadBook(ctx.getBroadcastState(REFERENCES));
        RunSession session = new RunSession(ctx.getCurrentKey(), store, setup);
        apply(session.onTimer(timestamp, ctx.timerService().currentProcessingTime()), ctx.getCurrentKey(),
                ctx.timerService(), ctx, out);
    }

    @Override
    public void processBroadcastElement(KafkaRecord in, Context ctx, Collector<ClickHouseRow> out) throws Exception {
        RunReference r;
        try {
            r = RunReference.fromByteBuffer(ByteBuffer.wrap(in.value()));
        } catch (IOException | RuntimeException e) {
            LOG.warn("skipping an unreadable run reference at offset {}: {}", in.offset(), e.toString());
            return;
        }
        BroadcastState<String, byte[]> refs = ctx.getBroadcastState(REFERENCES);
        List<String> drop = new ArrayList<>(loadBook(refs));
        FamilyReferenceBook.Change change = book.add(r);
        drop.addAll(change.dropped());
        for (String id : drop) {
            refs.remove(id);
        }
        if (change.kept()) {
            refs.put(r.getRunId(), in.value());
        }
    }

    /**
     * Emits the transition's outputs, then saves its state and moves its timers: a failure to emit (the chained
     * sink) fails the task before anything is saved.
     */
    private void apply(Transition t, String runId, TimerService timers, ReadOnlyContext ctx,
                       Collector<ClickHouseRow> out) throws Exception {
        if (t.failure() != null) {
            runErrors.inc();
            LOG.warn("run {}: could not compute its outputs; nothing emitted, its steps are kept", runId, t.failure());
        }
        Emission e = t.emission();
        for (ClickHouseRow row : e.rows()) {
            out.collect(row);
        }
        for (KafkaOut record : e.records()) {
            ctx.output(KAFKA, record);
        }
        t.commit(store);
        for (long time : t.timersToDelete()) {
            timers.deleteProcessingTimeTimer(time);
        }
        for (long time : t.timersToRegister()) {
            timers.registerProcessingTimeTimer(time);
        }
        refits.inc(e.forecasts());
        advices.inc(e.advice());
        published.inc(e.references());
        if (e.expired()) {
            expired.inc();
        }
    }

    /**
     * Fills the book from the broadcast state once per task (after a restore the state is back, the book is not);
     * returns the run ids the book's bounds drop (removable only with a writable state).
     */
    private List<String> loadBook(ReadOnlyBroadcastState<String, byte[]> state) throws Exception {
        if (bookLoaded) {
            return List.of();
        }
        bookLoaded = true;
        List<String> dropped = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : state.immutableEntries()) {
            try {
                dropped.addAll(book.add(RunReference.fromByteBuffer(ByteBuffer.wrap(e.getValue()))).dropped());
            } catch (IOException | RuntimeException x) {
                LOG.warn("dropping an unreadable run reference of run {}: {}", e.getKey(), x.toString());
                dropped.add(e.getKey());
            }
        }
        return dropped;
    }

    /** The run's keyed state (the current key's). */
    private final class FlinkStore implements RunStateStore {
        @Override
        public byte[] tracker() throws IOException {
            return tracker.value();
        }

        @Override
        public void tracker(byte[] bytes) throws IOException {
            tracker.update(bytes);
        }

        @Override
        public RunControl control() throws IOException {
            return control.value();
        }

        @Override
        public void control(RunControl c) throws IOException {
            control.update(c);
        }

        @Override
        public Iterable<PendingStep> pending() throws Exception {
            return pending.get();
        }

        @Override
        public void addPending(PendingStep step) throws Exception {
            pending.add(step);
        }

        @Override
        public void clearPending() {
            pending.clear();
        }

        @Override
        public void clear() {
            tracker.clear();
            pending.clear();
            control.clear();
        }
    }
}
