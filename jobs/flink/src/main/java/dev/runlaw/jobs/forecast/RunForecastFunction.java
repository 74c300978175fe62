package dev.runlaw.jobs.forecast;

import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.jobs.kafka.KafkaRecord;
import dev.runlaw.math.fit.RunObservations;
import dev.runlaw.math.forecast.EarlyStopRule;
import dev.runlaw.math.forecast.Forecast;
import dev.runlaw.math.live.LiveForecast;
import dev.runlaw.math.live.LrTrack;
import dev.runlaw.math.live.RunTracker;
import dev.runlaw.math.live.Target;
import dev.runlaw.schema.Advice;
import dev.runlaw.schema.AdviceDecision;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.RunFinished;
import dev.runlaw.schema.RunForecast;
import dev.runlaw.schema.RunReference;
import dev.runlaw.schema.RunStarted;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.StopTarget;
import dev.runlaw.schema.codec.DecodeException;
import dev.runlaw.schema.codec.TelemetryCodec;
import dev.runlaw.schema.validate.Limits;
import dev.runlaw.schema.validate.RecordValidator;
import dev.runlaw.schema.validate.RejectReason;
import dev.runlaw.schema.validate.Rejection;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
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
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The forecast engine per run: keyed by run id, it keeps each run's {@link RunTracker} (planned schedule, LR track,
 * bounded loss summary; about 40 KB whatever the run's length) and the steps that arrived since the last refit, and
 * refits when {@code refitPoints} new losses arrived or {@code refitIntervalMs} after the first step not yet
 * forecast.
 * The broadcast input holds finished runs ({@link RunReference}s, read back from the job's own references topic),
 * which serve as reference runs for the runs of the same family.
 *
 * <p>Each refit emits a {@link RunForecast} (its rows to ClickHouse on the main output; the record to the forecasts
 * topic on {@link #KAFKA}) and, when the run has a stop target and the decision changed, an {@link Advice}. When a
 * run finishes (run-finished record, then {@code finishGraceMs} for steps still in flight, or its planned last step
 * reached) it gets a final forecast and is published as a reference.
 *
 * <p>State: the tracker as versioned bytes ({@link RunTracker#toBytes()}), so the state is compact in RocksDB and
 * its format is ours to evolve; pending steps as a list (an append per step, no read); small values for timers and
 * advice. Decisions depend only on the data and the policy (not on the clock) except the interval trigger, so a
 * restore from a checkpoint re-emits the same forecasts for the same steps, which ClickHouse collapses by
 * {@code (run_id, step)}.
 *
 * <p>Bad input: {@link RunInputFunction} upstream dead-letters undecodable or invalid records and records whose
 * key is not their run id; any that still fail here are counted and skipped. A step whose loss is NaN or infinite
 * is kept as such a step and reported in the run's status.
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

    private transient ValueState<byte[]> tracker;
    private transient ListState<PendingStep> pending;
    private transient ValueState<RunControl> control;
    private transient ValueState<String> lastDecision;
    /** The run's family id, from RunStarted. */
    private transient ValueState<String> family;
    private transient ValueState<Integer> adviceSeq;

    private transient Map<String, RecordKind> kinds;
    private transient TelemetryCodec codec;
    private transient RecordValidator validator;
    private transient ForecastRows rows;
    private transient EarlyStopRule rule;
    /** Decoded references (run id → observations), rebuilt lazily from broadcast state; a cache, not state. */
    private transient Map<String, RunObservations> referenceCache;
    /** Every reference in the broadcast state, decoded (run id → record); null until first needed. A cache. */
    private transient Map<String, RunReference> decodedReferences;
    private transient Counter skipped;
    private transient Counter refits;
    private transient Counter advices;
    private transient Counter published;
    private transient Counter runErrors;

    public RunForecastFunction(ForecastConfig config) {
        this.policy = config.policy();
        this.topicPrefix = config.topicPrefix();
        this.limits = config.limits();
        this.forecastsTopic = config.forecastsTopic();
        this.adviceTopic = config.adviceTopic();
        this.referencesTopic = config.referencesTopic();
    }

    @Override
    public void open(OpenContext openContext) {
        tracker = getRuntimeContext().getState(new ValueStateDescriptor<>("tracker", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        pending = getRuntimeContext().getListState(new ListStateDescriptor<>("pending-steps", PendingStep.class));
        control = getRuntimeContext().getState(new ValueStateDescriptor<>("control", RunControl.class));
        lastDecision = getRuntimeContext().getState(new ValueStateDescriptor<>("last-decision", Types.STRING));
        adviceSeq = getRuntimeContext().getState(new ValueStateDescriptor<>("advice-seq", Types.INT));
        family = getRuntimeContext().getState(new ValueStateDescriptor<>("family", Types.STRING));
        kinds = new HashMap<>();
        for (RecordKind k : List.of(RecordKind.RUN_STARTED, RecordKind.STEP_METRICS, RecordKind.RUN_FINISHED)) {
            kinds.put(topicPrefix + k.topic(), k);
        }
        codec = new TelemetryCodec();
        validator = new RecordValidator(limits);
        rows = new ForecastRows();
        rule = EarlyStopRule.create().withThresholds(policy.stopBelow(), policy.continueAbove());
        referenceCache = new HashMap<>();
        MetricGroup g = getRuntimeContext().getMetricGroup().addGroup("runlaw_forecast");
        skipped = g.counter("skipped_records");
        refits = g.counter("refits");
        advices = g.counter("advice_changes");
        published = g.counter("references_published");
        runErrors = g.counter("run_errors");
    }

    @Override
    public void processElement(KafkaRecord in, ReadOnlyContext ctx, Collector<ClickHouseRow> out) throws Exception {
        try {
            process(in, ctx, out);
        } catch (IOException | RuntimeException e) {
            // One run's bad data must never restart the job (which would replay into the same failure forever):
            // count it, log it with where it came from, and go on with the next record.
            runErrors.inc();
            LOG.warn("run {}: record {}-{}@{} could not be processed", ctx.getCurrentKey(), in.topic(),
                    in.partition(), in.offset(), e);
        }
    }

    private void process(KafkaRecord in, ReadOnlyContext ctx, Collector<ClickHouseRow> out) throws Exception {
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
        RunControl c = control.value();
        if (c == null) {
            c = new RunControl();
        }
        if (c.done) {
            // The run was finished and published; a late record cannot change its reference any more.
            skipped.inc();
            return;
        }
        if (record instanceof StepMetrics s) {
            onStep(s, nonFinite, c, ctx, out);
        } else if (record instanceof RunStarted r) {
            RunTracker t = load(ctx.getCurrentKey(), r.getFamilyId());
            // RunStarted.planned_total_steps is the step the run ends at; the tracker takes a step count (0..n-1).
            t.plan(ScheduleSpecs.toSpec(r.getSchedule()), ScheduleSpecs.toArray(r.getLrPerStep()),
                    r.getPlannedTotalSteps() + 1);
            t.setTarget(toTarget(r.getStopTarget()));
            save(t);
            if (c.finishAt == 0) {
                c.endStep = r.getPlannedTotalSteps();
                control.update(c);
            }
        } else if (record instanceof RunFinished f) {
            RunTracker t = load(ctx.getCurrentKey(), null);
            t.finish(f.getFinalStep());
            save(t);
            if (t.lastStep() >= f.getFinalStep() || pendingReaches(f.getFinalStep())) {
                finishRun(t, c, ctx, out);
            } else {
                c.endStep = f.getFinalStep();
                c.finishAt = ctx.timerService().currentProcessingTime() + policy.finishGraceMs();
                ctx.timerService().registerProcessingTimeTimer(c.finishAt);
                control.update(c);
            }
        }
    }

    private void onStep(StepMetrics s, boolean nonFinite, RunControl c, ReadOnlyContext ctx,
                        Collector<ClickHouseRow> out) throws Exception {
        double loss = nonFinite || s.getLoss() == null ? Double.NaN : s.getLoss();
        pending.add(new PendingStep(s.getStep(), s.getLr(), loss, nonFinite, s.getWallTimeMs()));
        c.pendingPoints += Double.isNaN(loss) && !nonFinite ? 0 : 1;
        c.pendingSteps++;
        if (c.endStep >= 0 && s.getStep() >= c.endStep) {
            finishRun(load(ctx.getCurrentKey(), null), c, ctx, out);
            return;
        }
        if (c.pendingPoints >= policy.refitPoints()) {
            refit(c, ctx, out);
        } else if (c.pendingSteps >= policy.maxBufferedSteps()) {
            // Many LR-only steps: fold them into the summary so the buffer stays bounded, no forecast yet.
            RunTracker t = load(ctx.getCurrentKey(), null);
            fold(t);
            save(t);
            c.pendingSteps = 0;
        } else if (c.refitTimer == 0) {
            // Any new step (a loss or only an LR) is forecast within the interval, so the newest forecast always
            // reflects the newest step even when the run logs losses rarely.
            c.refitTimer = ctx.timerService().currentProcessingTime() + policy.refitIntervalMs();
            ctx.timerService().registerProcessingTimeTimer(c.refitTimer);
        }
        control.update(c);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<ClickHouseRow> out) throws Exception {
        try {
            timer(timestamp, ctx, out);
        } catch (IOException | RuntimeException e) {
            runErrors.inc();
            LOG.warn("run {}: timer at {} failed", ctx.getCurrentKey(), timestamp, e);
        }
    }

    private void timer(long timestamp, OnTimerContext ctx, Collector<ClickHouseRow> out) throws Exception {
        RunControl c = control.value();
        if (c == null || c.done) {
            return;
        }
        if (c.finishAt != 0 && c.finishAt <= timestamp) {
            finishRun(load(ctx.getCurrentKey(), null), c, ctx, out);
            return;
        }
        if (c.refitTimer != 0 && c.refitTimer <= timestamp) {
            c.refitTimer = 0;
            if (c.pendingPoints > 0 || c.pendingSteps > 0) {
                refit(c, ctx, out);
            }
            control.update(c);
        }
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
        refs.put(r.getRunId(), in.value());
        referenceCache.remove(r.getRunId());
        if (decodedReferences != null) {
            decodedReferences.put(r.getRunId(), r);
        }
    }

    /** Folds the pending steps into the tracker, forecasts, emits, and clears the buffer. */
    /** Folds the pending steps into the tracker, forecasts, emits, and clears the buffer (caller saves {@code c}). */
    private void refit(RunControl c, ReadOnlyContext ctx, Collector<ClickHouseRow> out) throws Exception {
        RunTracker t = load(ctx.getCurrentKey(), null);
        fold(t);
        emitForecast(t, ctx, out);
        save(t);
        c.pendingPoints = 0;
        c.pendingSteps = 0;
        if (c.refitTimer != 0) {
            ctx.timerService().deleteProcessingTimeTimer(c.refitTimer);
            c.refitTimer = 0;
        }
    }

    private void emitForecast(RunTracker t, ReadOnlyContext ctx, Collector<ClickHouseRow> out) throws Exception {
        List<String> refIds = new ArrayList<>();
        List<RunObservations> refs = references(t, ctx.getBroadcastState(REFERENCES), refIds);
        LiveForecast f = t.forecast(refs, policy.settings());
        refits.inc();
        long now = System.currentTimeMillis();
        RunForecast avro = ForecastRows.toAvro(f, familyOf(), now);
        rows.forecastRows(avro, now, out::collect);
        ctx.output(KAFKA, new KafkaOut(forecastsTopic, key(t.runId()), bytes(avro.toByteBuffer())));
        advise(t, f, ctx, out, now);
    }

    private void advise(RunTracker t, LiveForecast f, ReadOnlyContext ctx, Collector<ClickHouseRow> out, long now)
            throws Exception {
        Target target = t.target();
        if (target == null) {
            return;
        }
        EarlyStopRule.Decision d;
        Double targetLoss = null;
        String sibling = null;
        if (target.kind() == Target.Kind.LOSS) {
            targetLoss = target.loss();
            d = rule.decide(f.finalForecast(), target.loss());
        } else {
            RunReference best = bestSibling(t, ctx.getBroadcastState(REFERENCES));
            if (best == null) {
                d = new EarlyStopRule.Decision(EarlyStopRule.Action.UNDECIDED, Double.NaN,
                        "no finished run of family '" + familyOf() + "' to beat yet");
            } else {
                targetLoss = best.getFinalLoss();
                sibling = best.getRunId();
                d = rule.decide(f.finalForecast(), best.getFinalLoss());
            }
        }
        String decision = d.action().name();
        if (decision.equals(lastDecision.value())) {
            return;
        }
        int seq = orZero(adviceSeq.value()) + 1;
        Forecast fin = f.finalForecast() != null && f.finalForecast().ok() ? f.finalForecast() : null;
        Advice a = Advice.newBuilder()
                .setRunId(t.runId())
                .setFamilyId(familyOf())
                .setStep(f.step())
                .setEmittedAtMs(now)
                .setDecision(AdviceDecision.valueOf(decision))
                .setProbabilityBeatsTarget(Double.isFinite(d.probabilityBeatsTarget()) ? d.probabilityBeatsTarget() : null)
                .setTargetKind(target.kind().name())
                .setTargetLoss(targetLoss)
                .setSiblingRunId(sibling)
                .setFinalPred(fin == null ? null : fin.point())
                .setFinalLo90(fin == null ? null : fin.lo())
                .setFinalHi90(fin == null ? null : fin.hi())
                .setReason(d.reason())
                .setSeq(seq)
                .build();
        lastDecision.update(decision);
        adviceSeq.update(seq);
        advices.inc();
        out.collect(rows.adviceRow(a, f.stepWallTimeMs(), now));
        ctx.output(KAFKA, new KafkaOut(adviceTopic, key(t.runId()), bytes(a.toByteBuffer())));
    }

    /** Final forecast, then the run is published as a reference for its family. */
    private void finishRun(RunTracker t, RunControl c, ReadOnlyContext ctx, Collector<ClickHouseRow> out)
            throws Exception {
        fold(t);
        if (t.lastStep() >= 0) {
            emitForecast(t, ctx, out);
        }
        if (!t.finished()) {
            t.finish(t.lastStep());
        }
        save(t);
        if (c.refitTimer != 0) {
            ctx.timerService().deleteProcessingTimeTimer(c.refitTimer);
        }
        RunControl finished = new RunControl();
        finished.done = true;
        control.update(finished);
        if (t.lastStep() < 0 || t.observedPoints() == 0) {
            return; // nothing measured: no forecast to make and nothing to offer the family
        }
        List<Long> knotSteps = new ArrayList<>();
        for (long v : t.lrKnotSteps()) {
            knotSteps.add(v);
        }
        List<Double> knotValues = new ArrayList<>();
        for (double v : t.lrKnotValues()) {
            knotValues.add(v);
        }
        List<Long> steps = new ArrayList<>();
        for (long v : t.lossSteps()) {
            steps.add(v);
        }
        List<Double> losses = new ArrayList<>();
        for (double v : t.lossValues()) {
            losses.add(v);
        }
        long now = System.currentTimeMillis();
        RunReference ref = RunReference.newBuilder()
                .setRunId(t.runId())
                .setFamilyId(familyOf())
                .setFinishedAtMs(t.lastWallTimeMs() > 0 ? t.lastWallTimeMs() : now)
                .setFinalStep(t.lastStep())
                .setFinalLoss(Double.isFinite(t.lastLoss()) ? t.lastLoss() : null)
                .setLrKnotSteps(knotSteps)
                .setLrKnotValues(knotValues)
                .setLossSteps(steps)
                .setLosses(losses)
                .build();
        published.inc();
        out.collect(rows.referenceRow(ref, now));
        ctx.output(KAFKA, new KafkaOut(referencesTopic, key(t.runId()), bytes(ref.toByteBuffer())));
    }

    /** Whether a buffered step is at or beyond {@code step} (the tracker has not seen buffered steps yet). */
    private boolean pendingReaches(long step) throws Exception {
        Iterable<PendingStep> steps = pending.get();
        if (steps != null) {
            for (PendingStep p : steps) {
                if (p.step >= step) {
                    return true;
                }
            }
        }
        return false;
    }

    private void fold(RunTracker t) throws Exception {
        Iterable<PendingStep> steps = pending.get();
        if (steps != null) {
            for (PendingStep p : steps) {
                t.observe(p.step, p.lr, p.loss, p.wallTimeMs);
                if (p.nonFiniteLoss) {
                    t.noteNonFiniteLoss(p.step, p.wallTimeMs);
                }
            }
        }
        pending.clear();
    }

    /** The most recent finished runs of the run's family, itself excluded, as fitter input. */
    private List<RunObservations> references(RunTracker t, ReadOnlyBroadcastState<String, byte[]> state,
                                             List<String> ids) throws Exception {
        List<RunReference> family = family(t, state);
        List<RunObservations> out = new ArrayList<>();
        for (RunReference r : family) {
            RunObservations o = referenceCache.computeIfAbsent(r.getRunId(), id -> observations(r));
            if (o != null) {
                out.add(o);
                ids.add(r.getRunId());
            }
        }
        return out;
    }

    private List<RunReference> family(RunTracker t, ReadOnlyBroadcastState<String, byte[]> state) throws Exception {
        List<RunReference> family = new ArrayList<>();
        String fam = familyOf();
        if (fam.isEmpty() || policy.maxReferences() == 0) {
            return family;
        }
        if (decodedReferences == null) {
            // After a (re)start the broadcast state is restored but this cache is not: decode every reference
            // once, not at every refit (a refit must not cost a decode of every finished run of every family).
            decodedReferences = new HashMap<>();
            for (Map.Entry<String, byte[]> e : state.immutableEntries()) {
                decodedReferences.put(e.getKey(), RunReference.fromByteBuffer(ByteBuffer.wrap(e.getValue())));
            }
        }
        for (RunReference r : decodedReferences.values()) {
            if (!r.getRunId().equals(t.runId()) && fam.equals(r.getFamilyId())) {
                family.add(r);
            }
        }
        // Most recent first, run id to break ties, so every instance and every replay picks the same set.
        family.sort(Comparator.comparingLong(RunReference::getFinishedAtMs).reversed()
                .thenComparing(RunReference::getRunId));
        return family.size() > policy.maxReferences() ? family.subList(0, policy.maxReferences()) : family;
    }

    private RunReference bestSibling(RunTracker t, ReadOnlyBroadcastState<String, byte[]> state) throws Exception {
        RunReference best = null;
        for (RunReference r : family(t, state)) {
            if (r.getFinalLoss() != null && (best == null || r.getFinalLoss() < best.getFinalLoss())) {
                best = r;
            }
        }
        return best;
    }

    private static RunObservations observations(RunReference r) {
        try {
            long[] ks = r.getLrKnotSteps().stream().mapToLong(Long::longValue).toArray();
            double[] kv = r.getLrKnotValues().stream().mapToDouble(Double::doubleValue).toArray();
            long[] steps = r.getLossSteps().stream().mapToLong(Long::longValue).toArray();
            double[] losses = r.getLosses().stream().mapToDouble(Double::doubleValue).toArray();
            return new RunObservations(r.getRunId(), LrTrack.of(ks, kv).toSchedule(), steps, losses);
        } catch (RuntimeException e) {
            LOG.warn("run reference {} cannot be used: {}", r.getRunId(), e.toString());
            return null;
        }
    }

    private RunTracker load(String runId, String familyId) throws IOException {
        if (familyId != null) {
            // The family arrives with RunStarted, possibly after the first steps created the tracker; it is kept
            // apart from the tracker so a late RunStarted needs no rewrite of it.
            family.update(familyId);
        }
        byte[] b = tracker.value();
        return b == null ? RunTracker.create(runId, "") : RunTracker.fromBytes(b);
    }

    private String familyOf() throws IOException {
        String f = family.value();
        return f == null ? "" : f;
    }

    private void save(RunTracker t) throws IOException {
        tracker.update(t.toBytes());
    }

    private static Target toTarget(StopTarget s) {
        if (s == null) {
            return null;
        }
        return switch (s.getKind()) {
            case LOSS -> new Target(Target.Kind.LOSS, s.getTargetLoss());
            case BEAT_BEST_SIBLING -> new Target(Target.Kind.BEAT_BEST_SIBLING, Double.NaN);
        };
    }

    private static byte[] key(String runId) {
        return runId.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(ByteBuffer buf) {
        byte[] out = new byte[buf.remaining()];
        buf.get(out);
        return out;
    }

    private static int orZero(Integer v) {
        return v == null ? 0 : v;
    }
}
