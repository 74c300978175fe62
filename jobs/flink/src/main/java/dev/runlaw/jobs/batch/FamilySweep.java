package dev.runlaw.jobs.batch;

import dev.runlaw.math.cbs.CrossingCurve;
import dev.runlaw.math.cbs.PowerLawFit;
import dev.runlaw.math.cbs.PowerLawFitter;
import dev.runlaw.math.cbs.StepsBatchFit;
import dev.runlaw.math.cbs.StepsBatchFitter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The batch-size sweep of one family: its runs (one batch size each, or several runs per batch), each with the loss
 * curve it reported ({@link CrossingCurve}), refitted at each update into
 * <ul>
 *   <li>one steps-versus-batch law per target loss, S(B) = S_min (1 + B_noise / B) ({@link StepsBatchFitter}, Zhang
 *       et al. 2024; McCandlish et al. 2018), from the first step each run's smoothed loss reached the target;</li>
 *   <li>the scaling of B_noise and CBS with D = tokens to the target at the base batch, k D^beta
 *       ({@link PowerLawFitter}; Zhang et al. 2024, Power Lines 2025), once three targets have a D;</li>
 *   <li>advice for the family's next run: the batch nearest the CBS predicted at {@code nextRunTokenFactor} x the
 *       largest D, emitted when it changes.</li>
 * </ul>
 * Targets are the family's configured ones, else {@code targetLevels} levels between the finished runs' final
 * (lowest smoothed) losses: from the level the third-best run reached (the lowest one three runs reach, the fewest a
 * law needs) up to the level every finished run reached. A target no run set can fit (fewer than three crossings,
 * one batch size only) gives no law.
 *
 * <p>Pure (no Flink, no clock), bounded: at most {@code maxRunsPerFamily} runs (the least recently updated go
 * first), each curve bounded by its own documented maximum. Saved as versioned bytes.
 */
public final class FamilySweep {
    private static final byte FORMAT = 1;
    /** Targets a hair above a run's lowest loss, so that run counts as reaching it despite rounding. */
    private static final double TARGET_SLACK = 1e-9;

    /**
     * One law.
     *
     * @param targetLoss     the target loss
     * @param configured     whether the target was configured (else a default level)
     * @param fit            the steps-versus-batch fit
     * @param cbs            (1 + overhead) x base + overhead x B_noise
     * @param runIds         the runs behind the points
     * @param batches        their batches, sequences
     * @param steps          their first steps at or below the target
     * @param tokensToTarget S(base) x base x seqLen, NaN without a sequence length
     */
    public record Law(double targetLoss, boolean configured, StepsBatchFit fit, double cbs, List<String> runIds,
                      double[] batches, double[] steps, double tokensToTarget) {
    }

    /**
     * The scaling across the family's targets and the next run's prediction.
     *
     * @param bNoise          B_noise = k D^beta
     * @param cbs             CBS = k D^beta
     * @param nextTokens      D of the next run
     * @param nextBNoise      predicted B_noise there
     * @param nextBNoiseLo90  its 90 % interval
     * @param nextBNoiseHi90  its 90 % interval
     * @param nextCbs         predicted CBS there
     * @param suggestedBatch  the power of two nearest the predicted CBS
     */
    public record Scaling(int targets, PowerLawFit bNoise, PowerLawFit cbs, double nextTokens, double nextBNoise,
                          double nextBNoiseLo90, double nextBNoiseHi90, double nextCbs, long suggestedBatch) {
    }

    /**
     * What one update produced.
     *
     * @param fitSeq     the family's update number (the rows' version)
     * @param wallTimeMs the latest wall time the family has seen (the rows' time)
     * @param seqLen     the family's sequence length, 0 when unknown
     * @param laws       the current laws
     * @param scaling    the scaling, null with fewer than three laws with a D
     * @param adviceSeq  the number of the new family advice, 0 when the advice did not change
     * @param largestBatch the largest batch among the family's runs
     */
    public record Outcome(long fitSeq, long wallTimeMs, int seqLen, List<Law> laws, Scaling scaling, int adviceSeq,
                          long largestBatch) {
    }

    private static final class Entry {
        final String runId;
        long batch;
        int seqLen;
        long step;
        long wallMs;
        boolean finished;
        CrossingCurve curve;

        Entry(String runId) {
            this.runId = runId;
        }
    }

    private final BatchConfig.Policy policy;
    private final String familyId;
    private final TreeMap<String, Entry> runs = new TreeMap<>();
    private long fitSeq;
    private long lastWallMs;
    private int adviceSeq;
    private long lastSuggested;

    public FamilySweep(BatchConfig.Policy policy, String familyId) {
        this.policy = policy;
        this.familyId = familyId;
    }

    /** Adds or replaces a run's progress, applies the bound and refits. */
    public Outcome update(RunProgress p) {
        Entry e = runs.computeIfAbsent(p.runId(), Entry::new);
        e.batch = p.batch();
        e.seqLen = p.seqLen();
        e.step = p.step();
        e.wallMs = p.wallTimeMs();
        e.finished = e.finished || p.finished();
        e.curve = CrossingCurve.fromBytes(p.curve());
        while (runs.size() > policy.maxRunsPerFamily()) {
            Entry oldest = runs.values().stream().filter(x -> x != e)
                    .min(Comparator.comparingLong((Entry x) -> x.wallMs).thenComparing(x -> x.runId)).orElseThrow();
            runs.remove(oldest.runId);
        }
        fitSeq++;
        lastWallMs = Math.max(lastWallMs, p.wallTimeMs());
        return refit();
    }

    /** Runs kept. */
    public int size() {
        return runs.size();
    }

    /** The targets the next refit uses: configured, else the default levels (empty before three finished runs). */
    public double[] targets() {
        double[] configured = policy.targetsOf(familyId);
        if (configured != null) {
            return configured;
        }
        double[] finals = runs.values().stream().filter(x -> x.finished).mapToDouble(x -> x.curve.lowest())
                .filter(Double::isFinite).sorted().toArray();
        if (finals.length < 3) {
            return new double[0];
        }
        double low = finals[2];
        double high = finals[finals.length - 1];
        int levels = policy.targetLevels();
        double[] out = new double[levels];
        for (int i = 0; i < levels; i++) {
            double t = i == levels - 1 ? high : low + (high - low) * i / Math.max(1, levels - 1);
            out[i] = t * (1 + TARGET_SLACK);
        }
        return Arrays.stream(out).distinct().toArray();
    }

    private Outcome refit() {
        boolean configured = policy.targetsOf(familyId) != null;
        int seqLen = seqLen();
        List<Law> laws = new ArrayList<>();
        for (double target : targets()) {
            Law law = law(target, configured, seqLen);
            if (law != null) {
                laws.add(law);
            }
        }
        long largest = runs.values().stream().mapToLong(x -> x.batch).max().orElse(0);
        Scaling scaling = scaling(laws);
        int newAdvice = 0;
        if (scaling != null && scaling.suggestedBatch() != lastSuggested) {
            lastSuggested = scaling.suggestedBatch();
            newAdvice = ++adviceSeq;
        }
        return new Outcome(fitSeq, lastWallMs, seqLen, laws, scaling, newAdvice, largest);
    }

    private Law law(double target, boolean configured, int seqLen) {
        List<String> ids = new ArrayList<>();
        List<double[]> points = new ArrayList<>();
        for (Entry e : runs.values()) {
            OptionalLong s = e.curve.firstCrossing(target);
            if (s.isPresent() && s.getAsLong() > 0) {
                ids.add(e.runId);
                points.add(new double[] {e.batch, s.getAsLong()});
            }
        }
        if (points.size() < 3) {
            return null;
        }
        double[] b = points.stream().mapToDouble(x -> x[0]).toArray();
        double[] s = points.stream().mapToDouble(x -> x[1]).toArray();
        StepsBatchFit fit;
        try {
            fit = StepsBatchFitter.fit(b, s);
        } catch (IllegalArgumentException ex) {
            return null; // e.g. one batch size only: no law at this target yet
        }
        if (!Double.isFinite(fit.bNoise()) || !(fit.sMin() > 0)) {
            return null;
        }
        double base = policy.baseBatch();
        double tokens = seqLen > 0 ? fit.steps(base) * base * seqLen : Double.NaN;
        return new Law(target, configured, fit, fit.cbs(policy.overhead(), base), List.copyOf(ids), b, s, tokens);
    }

    private Scaling scaling(List<Law> laws) {
        List<Law> withD = laws.stream().filter(l -> l.tokensToTarget() > 0 && l.fit().bNoise() > 0).toList();
        if (withD.size() < 3) {
            return null;
        }
        double[] d = withD.stream().mapToDouble(Law::tokensToTarget).toArray();
        double[] bn = withD.stream().mapToDouble(l -> l.fit().bNoise()).toArray();
        double[] cbs = withD.stream().mapToDouble(Law::cbs).toArray();
        PowerLawFit fb;
        PowerLawFit fc;
        try {
            fb = PowerLawFitter.fit(d, bn);
            fc = PowerLawFitter.fit(d, cbs);
        } catch (IllegalArgumentException ex) {
            return null; // e.g. every target at the same D
        }
        double next = policy.nextRunTokenFactor() * Arrays.stream(d).max().orElseThrow();
        double[] band = fb.predictInterval90(next);
        double nextCbs = fc.predict(next);
        return new Scaling(withD.size(), fb, fc, next, fb.predict(next), band[0], band[1], nextCbs,
                BatchAdvisor.nearestPowerOfTwo(nextCbs));
    }

    /** The family's sequence length: the most recently updated run's that has one. */
    private int seqLen() {
        return runs.values().stream().filter(x -> x.seqLen > 0)
                .max(Comparator.comparingLong((Entry x) -> x.wallMs).thenComparing(x -> x.runId))
                .map(x -> x.seqLen).orElse(0);
    }

    /** State as bytes (Flink state). */
    public byte[] toBytes() {
        ByteArrayOutputStream b = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(b)) {
            out.writeByte(FORMAT);
            out.writeUTF(familyId);
            out.writeLong(fitSeq);
            out.writeLong(lastWallMs);
            out.writeInt(adviceSeq);
            out.writeLong(lastSuggested);
            out.writeInt(runs.size());
            for (Entry e : runs.values()) {
                out.writeUTF(e.runId);
                out.writeLong(e.batch);
                out.writeInt(e.seqLen);
                out.writeLong(e.step);
                out.writeLong(e.wallMs);
                out.writeBoolean(e.finished);
                byte[] c = e.curve.toBytes();
                out.writeInt(c.length);
                out.write(c);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    /** Reads {@link #toBytes()}. */
    public static FamilySweep fromBytes(BatchConfig.Policy policy, byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            byte v = in.readByte();
            if (v != FORMAT) {
                throw new IllegalArgumentException("unknown FamilySweep state format " + v);
            }
            FamilySweep f = new FamilySweep(policy, in.readUTF());
            f.fitSeq = in.readLong();
            f.lastWallMs = in.readLong();
            f.adviceSeq = in.readInt();
            f.lastSuggested = in.readLong();
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                Entry e = new Entry(in.readUTF());
                e.batch = in.readLong();
                e.seqLen = in.readInt();
                e.step = in.readLong();
                e.wallMs = in.readLong();
                e.finished = in.readBoolean();
                byte[] c = new byte[in.readInt()];
                in.readFully(c);
                e.curve = CrossingCurve.fromBytes(c);
                f.runs.put(e.runId, e);
            }
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
