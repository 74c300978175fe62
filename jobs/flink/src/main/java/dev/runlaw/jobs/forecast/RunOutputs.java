package dev.runlaw.jobs.forecast;

import dev.runlaw.math.forecast.EarlyStopRule;
import dev.runlaw.math.forecast.Forecast;
import dev.runlaw.math.live.LiveForecast;
import dev.runlaw.math.live.RunTracker;
import dev.runlaw.math.live.Target;
import dev.runlaw.schema.Advice;
import dev.runlaw.schema.AdviceDecision;
import dev.runlaw.schema.ForecastStatus;
import dev.runlaw.schema.RunForecast;
import dev.runlaw.schema.RunReference;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The forecast job's outputs for one run, as Avro records, their ClickHouse rows and their topic records, added to
 * an {@link Emission}: a forecast, the advice that follows from it (numbered, only when the decision changes) and a
 * finished run's reference. Pure apart from the Avro encoding; one per operator instance (it reuses one
 * {@link ForecastRows} buffer).
 */
public final class RunOutputs {
    private final ForecastRows rows = new ForecastRows();
    private final EarlyStopRule rule;
    private final String forecastsTopic;
    private final String adviceTopic;
    private final String referencesTopic;

    /**
     * @param stopBelow       STOP when P(beat target) is at most this
     * @param continueAbove   CONTINUE when P(beat target) is at least this
     * @param forecastsTopic  topic of forecast records (prefix included)
     * @param adviceTopic     topic of advice records
     * @param referencesTopic topic of reference records
     */
    public RunOutputs(double stopBelow, double continueAbove, String forecastsTopic, String adviceTopic,
                      String referencesTopic) {
        this.rule = EarlyStopRule.create().withThresholds(stopBelow, continueAbove);
        this.forecastsTopic = forecastsTopic;
        this.adviceTopic = adviceTopic;
        this.referencesTopic = referencesTopic;
    }

    /** Adds a forecast's rows and record; returns the record. */
    RunForecast forecast(LiveForecast f, String family, long now, Emission out) {
        return forecast(ForecastRows.toAvro(f, family, now), now, out);
    }

    /** Adds an already built forecast record's rows and record. */
    RunForecast forecast(RunForecast avro, long now, Emission out) {
        rows.forecastRows(avro, now, out::row);
        out.record(new KafkaOut(forecastsTopic, key(avro.getRunId()), encode(avro::toByteBuffer)));
        out.countForecast();
        return avro;
    }

    /**
     * The final forecast of a run whose state expired: its last forecast with status {@code IDLE_EXPIRED} and an
     * issue line saying why, or (when {@code f} is null: no forecast could be made) the run's position only.
     */
    RunForecast expired(RunTracker t, LiveForecast f, String family, long idleMs, long now, String why) {
        RunForecast avro = f != null ? ForecastRows.toAvro(f, family, now) : RunForecast.newBuilder()
                .setRunId(t.runId())
                .setFamilyId(family)
                .setStep(t.lastStep())
                .setObservedPoints(t.observedPoints())
                .setStepWallTimeMs(t.lastWallTimeMs())
                .setEmittedAtMs(now)
                .setStatus(ForecastStatus.IDLE_EXPIRED)
                .setPlannedFinalStep(t.plannedFinalStep())
                .build();
        List<String> issues = new ArrayList<>(avro.getIssues());
        issues.add("no record for " + idleMs + " ms: the run's state was cleared" + (why == null ? "" : "; " + why));
        avro.setIssues(issues);
        avro.setStatus(ForecastStatus.IDLE_EXPIRED);
        return avro;
    }

    /**
     * Adds an advice record and row when the run has a target and the decision differs from the last one
     * ({@code c.lastDecision}); numbers it {@code c.adviceSeq + 1} and records both in {@code c}.
     */
    void advice(RunTracker t, LiveForecast f, FamilyReferenceBook.FamilyReferences refs, RunControl c, long now,
                Emission out) {
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
        } else if (refs.bestSibling() == null) {
            d = new EarlyStopRule.Decision(EarlyStopRule.Action.UNDECIDED, Double.NaN,
                    "no finished run of family '" + c.familyOrEmpty() + "' to beat yet");
        } else {
            targetLoss = refs.bestSibling().getFinalLoss();
            sibling = refs.bestSibling().getRunId();
            d = rule.decide(f.finalForecast(), targetLoss);
        }
        String decision = d.action().name();
        if (decision.equals(c.lastDecision)) {
            return;
        }
        int seq = c.adviceSeq + 1;
        Forecast fin = f.finalForecast() != null && f.finalForecast().ok() ? f.finalForecast() : null;
        Advice a = Advice.newBuilder()
                .setRunId(t.runId())
                .setFamilyId(c.familyOrEmpty())
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
        out.row(rows.adviceRow(a, f.stepWallTimeMs(), now));
        out.record(new KafkaOut(adviceTopic, key(t.runId()), encode(a::toByteBuffer)));
        out.countAdvice();
        c.lastDecision = decision;
        c.adviceSeq = seq;
    }

    /** Adds a finished run's reference record and row; returns the record. */
    RunReference reference(RunTracker t, String family, long now, Emission out) {
        RunReference ref = RunReference.newBuilder()
                .setRunId(t.runId())
                .setFamilyId(family)
                .setFinishedAtMs(t.lastWallTimeMs() > 0 ? t.lastWallTimeMs() : now)
                .setFinalStep(t.lastStep())
                .setFinalLoss(Double.isFinite(t.lastLoss()) ? t.lastLoss() : null)
                .setLrKnotSteps(longs(t.lrKnotSteps()))
                .setLrKnotValues(doubles(t.lrKnotValues()))
                .setLossSteps(longs(t.lossSteps()))
                .setLosses(doubles(t.lossValues()))
                .build();
        out.row(rows.referenceRow(ref, now));
        out.record(new KafkaOut(referencesTopic, key(t.runId()), encode(ref::toByteBuffer)));
        out.countReference();
        return ref;
    }

    private static List<Long> longs(long[] values) {
        List<Long> out = new ArrayList<>(values.length);
        for (long v : values) {
            out.add(v);
        }
        return out;
    }

    private static List<Double> doubles(double[] values) {
        List<Double> out = new ArrayList<>(values.length);
        for (double v : values) {
            out.add(v);
        }
        return out;
    }

    private static byte[] key(String runId) {
        return runId.getBytes(StandardCharsets.UTF_8);
    }

    /** An Avro record's single-object encoding ({@code toByteBuffer}). */
    private interface Encoding {
        ByteBuffer encode() throws IOException;
    }

    private static byte[] encode(Encoding e) {
        try {
            ByteBuffer buf = e.encode();
            byte[] out = new byte[buf.remaining()];
            buf.get(out);
            return out;
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
    }
}
