package dev.runlaw.jobs.batch;

import dev.runlaw.math.cbs.BatchTradeoff;
import dev.runlaw.math.cbs.CrossingCurve;
import dev.runlaw.math.cbs.NoiseScaleEstimate;
import dev.runlaw.math.cbs.NoiseScaleEstimator;
import dev.runlaw.math.cbs.NoiseScaleSettings;
import dev.runlaw.math.cbs.SampleStatus;
import dev.runlaw.schema.BatchDecision;
import dev.runlaw.schema.RunStarted;
import dev.runlaw.schema.StepMetrics;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The live batch-size state of one run: its gradient noise scale ({@link NoiseScaleEstimator}, from each step's
 * squared gradient norms at two batch sizes), its loss curve for the family's steps-to-target
 * ({@link CrossingCurve}) and the facts that come with RunStarted (family, batch, sequence length, peak LR, weight
 * decay). It decides when a {@code gradient_noise} row is due (at most one per {@code emitEverySteps} steps), when
 * the batch advice changed (emitted only then, numbered by {@code seq}) and when the family's fit should hear from
 * the run (at most once per {@code familyUpdateSteps} steps, and when the run finishes).
 *
 * <p>Pure (no Flink, no clock), bounded (O(1) plus the curve's documented maximum) and saved as two byte arrays:
 * {@link #stateBytes()} (facts and estimator, versioned) and {@link #curveBytes()} (the curve's own format), so the
 * Flink function rewrites the curve only when a loss was added.
 */
public final class RunNoise {
    private static final byte FORMAT = 1;

    /**
     * What one step produced.
     *
     * @param sample   the estimator's verdict on the step's norms, null when the step carries none
     * @param point    a {@code gradient_noise} row that is due, or null
     * @param advice   new advice (its decision or suggested batch changed), or null
     * @param progress an update for the family's fit, or null
     * @param finished the run is finished: this was its last output (the caller drops the state)
     */
    public record Outcome(SampleStatus sample, NoisePoint point, AdviceChange advice, RunProgress progress,
                          boolean finished) {
        static final Outcome NOTHING = new Outcome(null, null, null, null, false);
    }

    /**
     * A change of the run's advice.
     *
     * @param seq   1 for the run's first advice, +1 at each change
     * @param point the estimate and advice behind it
     * @param step  the step of the estimate
     */
    public record AdviceChange(int seq, NoisePoint point, long step) {
    }

    private final BatchConfig.Policy policy;
    private final NoiseScaleEstimator estimator;
    private CrossingCurve curve;
    private boolean curveChanged;

    private String runId = "";
    private String familyId = "";
    private long startedBatch;
    private int seqLen;
    private double peakLr = Double.NaN;
    private double weightDecay = Double.NaN;
    private long plannedSteps;
    private long stepBatch;
    private long lastStep = -1;
    private long lastWallMs;
    private long lastEmittedStep = -1;
    private long lastFamilyStep = -1;
    private int adviceSeq;
    private int lastDecision = -1;
    private long lastSuggested;
    private long samples;
    /** The final step announced by run-finished, awaited before finishing; -1 while the run is not finished. */
    private long finishAt = -1;
    /** Finished: its last outputs went out; kept a while only so a late RunStarted can still name its family. */
    private boolean finished;

    private RunNoise(BatchConfig.Policy policy, NoiseScaleEstimator estimator, CrossingCurve curve) {
        this.policy = policy;
        this.estimator = estimator;
        this.curve = curve;
    }

    /** A run nothing is known of yet. */
    public static RunNoise create(BatchConfig.Policy policy, NoiseScaleSettings settings) {
        return new RunNoise(policy, new NoiseScaleEstimator(settings),
                new CrossingCurve(policy.smoothingWindow(), policy.curveResolution()));
    }

    /** A run saved with {@link #stateBytes()} and {@link #curveBytes()} (either may be null: not saved yet). */
    public static RunNoise restore(BatchConfig.Policy policy, NoiseScaleSettings settings, byte[] state,
                                   byte[] curveBytes) {
        CrossingCurve c = curveBytes == null ? new CrossingCurve(policy.smoothingWindow(), policy.curveResolution())
                : CrossingCurve.fromBytes(curveBytes);
        if (state == null) {
            return new RunNoise(policy, new NoiseScaleEstimator(settings), c);
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(state))) {
            byte v = in.readByte();
            if (v != FORMAT) {
                throw new IllegalArgumentException("unknown RunNoise state format " + v);
            }
            byte[] est = new byte[in.readInt()];
            in.readFully(est);
            RunNoise r = new RunNoise(policy, NoiseScaleEstimator.fromBytes(settings, est), c);
            r.runId = in.readUTF();
            r.familyId = in.readUTF();
            r.startedBatch = in.readLong();
            r.seqLen = in.readInt();
            r.peakLr = in.readDouble();
            r.weightDecay = in.readDouble();
            r.plannedSteps = in.readLong();
            r.stepBatch = in.readLong();
            r.lastStep = in.readLong();
            r.lastWallMs = in.readLong();
            r.lastEmittedStep = in.readLong();
            r.lastFamilyStep = in.readLong();
            r.adviceSeq = in.readInt();
            r.lastDecision = in.readInt();
            r.lastSuggested = in.readLong();
            r.samples = in.readLong();
            r.finishAt = in.readLong();
            r.finished = in.readBoolean();
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Facts and estimator, versioned. */
    public byte[] stateBytes() {
        byte[] est = estimator.toBytes();
        ByteArrayOutputStream b = new ByteArrayOutputStream(128 + est.length + familyId.length());
        try (DataOutputStream out = new DataOutputStream(b)) {
            out.writeByte(FORMAT);
            out.writeInt(est.length);
            out.write(est);
            out.writeUTF(runId);
            out.writeUTF(familyId);
            out.writeLong(startedBatch);
            out.writeInt(seqLen);
            out.writeDouble(peakLr);
            out.writeDouble(weightDecay);
            out.writeLong(plannedSteps);
            out.writeLong(stepBatch);
            out.writeLong(lastStep);
            out.writeLong(lastWallMs);
            out.writeLong(lastEmittedStep);
            out.writeLong(lastFamilyStep);
            out.writeInt(adviceSeq);
            out.writeInt(lastDecision);
            out.writeLong(lastSuggested);
            out.writeLong(samples);
            out.writeLong(finishAt);
            out.writeBoolean(finished);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    /** The loss curve's bytes. */
    public byte[] curveBytes() {
        return curve.toBytes();
    }

    /** Whether the curve changed since this object was restored (the caller saves it only then). */
    public boolean curveChanged() {
        return curveChanged;
    }

    /**
     * RunStarted: the family, batch, sequence length, peak LR, weight decay and plan. RunStarted comes on its own
     * topic and may arrive after steps or even after the run finished: the family then hears of the run at once.
     */
    public Outcome onStarted(RunStarted r) {
        boolean familyWasKnown = !familyId.isEmpty();
        applyStarted(r);
        if (familyWasKnown || lastStep < 0) {
            return Outcome.NOTHING;
        }
        RunProgress p = progress(finished);
        if (p != null) {
            lastFamilyStep = lastStep;
        }
        return new Outcome(null, null, null, p, false);
    }

    /** Whether the run has finished (its last outputs went out). */
    public boolean isFinished() {
        return finished;
    }

    private void applyStarted(RunStarted r) {
        runId = r.getRunId();
        familyId = r.getFamilyId();
        startedBatch = r.getBatchSizeSequences();
        seqLen = r.getSeqLen();
        if (r.getSchedule() != null && r.getSchedule().getPeakLr() > 0) {
            peakLr = r.getSchedule().getPeakLr();
        }
        weightDecay = r.getWeightDecay() == null ? Double.NaN : r.getWeightDecay();
        plannedSteps = r.getPlannedTotalSteps();
    }

    /** One step: its norms into the estimator, its loss into the curve; what is due. */
    public Outcome onStep(StepMetrics s) {
        if (finished) {
            return Outcome.NOTHING; // a late or replayed step of a finished run must not move its last outputs
        }
        runId = s.getRunId();
        SampleStatus sample = null;
        if (s.getGradSqNormSmall() != null && s.getGradSqNormBig() != null) {
            long tokens = seqLen > 0 ? s.getBatchBig() * (long) seqLen : 0;
            sample = estimator.add(s.getStep(), s.getGradSqNormSmall(), s.getBatchSmall(), s.getGradSqNormBig(),
                    s.getBatchBig(), tokens);
            if (sample == SampleStatus.ACCEPTED) {
                stepBatch = s.getBatchBig();
                samples++;
            }
        }
        if (s.getLoss() != null && Double.isFinite(s.getLoss()) && s.getLoss() > 0) {
            curve.add(s.getStep(), s.getLoss());
            curveChanged = true;
        }
        if (Double.isNaN(peakLr) || s.getLr() > peakLr) {
            peakLr = s.getLr() > 0 ? s.getLr() : peakLr;
        }
        if (s.getStep() >= lastStep) {
            lastStep = s.getStep();
            lastWallMs = s.getWallTimeMs();
        }
        NoisePoint point = null;
        AdviceChange advice = null;
        if (samples > 0 && (lastEmittedStep < 0 || s.getStep() >= lastEmittedStep + policy.emitEverySteps())) {
            point = point(s.getWallTimeMs());
            lastEmittedStep = s.getStep();
            advice = adviceChange(point);
        }
        RunProgress progress = null;
        if (lastFamilyStep < 0 || s.getStep() >= lastFamilyStep + policy.familyUpdateSteps()) {
            progress = progress(false);
            if (progress != null) {
                lastFamilyStep = s.getStep();
            }
        }
        if (finishAt >= 0 && lastStep >= finishAt) {
            // The awaited final step is in (steps and run-finished come on different topics, in any order).
            Outcome f = finish();
            return new Outcome(sample, point != null ? point : f.point(), advice != null ? advice : f.advice(),
                    f.progress(), true);
        }
        return new Outcome(sample, point, advice, progress, false);
    }

    /**
     * Run-finished with its final step: finishes now when that step has arrived, else waits for it (see
     * {@link #awaitsFinalStep()}; the caller finishes with {@link #finish()} after a grace period).
     */
    public Outcome onFinished(long finalStep) {
        if (finished) {
            return Outcome.NOTHING;
        }
        if (lastStep >= finalStep) {
            return finish();
        }
        finishAt = finalStep;
        return Outcome.NOTHING;
    }

    /** Whether run-finished came and its final step has not. */
    public boolean awaitsFinalStep() {
        return finishAt >= 0;
    }

    /** Finishes the run with what it has: its last row (unless already written) and its final curve. */
    public Outcome finish() {
        finished = true;
        finishAt = -1;
        NoisePoint point = null;
        AdviceChange advice = null;
        if (samples > 0 && lastStep > lastEmittedStep) {
            point = point(lastWallMs);
            lastEmittedStep = lastStep;
            advice = adviceChange(point);
        }
        return new Outcome(null, point, advice, progress(true), true);
    }

    /** The run's estimate now. */
    public NoiseScaleEstimate estimate() {
        return estimator.estimate();
    }

    /** The batch the run trains with: the RunStarted batch, else the steps' global batch. */
    public long batch() {
        return startedBatch > 0 ? startedBatch : stepBatch;
    }

    public String familyId() {
        return familyId;
    }

    /** The AdamW timescale B/(eta lambda D) with D the planned tokens (Power Lines); NaN without weight decay. */
    double adamTimescale() {
        long b = batch();
        if (!(weightDecay > 0) || !(peakLr > 0) || plannedSteps <= 0 || b <= 0) {
            return Double.NaN;
        }
        double unit = seqLen > 0 ? seqLen : 1; // tokens when the sequence length is known, else sequences
        return BatchTradeoff.adamTimescale(b * unit, peakLr, weightDecay, plannedSteps * b * unit);
    }

    private NoisePoint point(long wallMs) {
        NoiseScaleEstimate e = estimator.estimate();
        BatchAdvisor.Advice a = BatchAdvisor.advise(batch(), e, policy.adviceRatio());
        return new NoisePoint(runId, familyId, wallMs, batch(), seqLen, e, a, adamTimescale());
    }

    /** New advice when the decision or the suggested batch changed (UNDECIDED before any decision is not news). */
    private AdviceChange adviceChange(NoisePoint p) {
        BatchAdvisor.Advice a = p.advice();
        int d = a.decision().ordinal();
        boolean first = lastDecision < 0;
        if ((first && a.decision() == BatchDecision.UNDECIDED)
                || (!first && d == lastDecision && a.suggestedBatch() == lastSuggested)) {
            return null;
        }
        lastDecision = d;
        lastSuggested = a.suggestedBatch();
        adviceSeq++;
        return new AdviceChange(adviceSeq, p, p.estimate().step());
    }

    private RunProgress progress(boolean finished) {
        if (familyId.isEmpty() || batch() <= 0 || !Double.isFinite(curve.lowest()) || lastStep < 0) {
            return null;
        }
        return new RunProgress(familyId, runId, batch(), seqLen, lastStep, lastWallMs, finished, curve.toBytes());
    }
}
