package dev.runlaw.math.live;

import dev.runlaw.math.forecast.ForecastModel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary form of a {@link RunTracker}'s state ({@link RunTracker#toBytes()} / {@link RunTracker#fromBytes}):
 * {@link DataOutputStream} encoding, first byte {@link #FORMAT_VERSION}, then every field in a fixed order; the
 * derived planned schedule is not written (rebuilt from the spec or track). Lengths read back are checked against
 * the input's size, and trailing bytes are an error, so malformed input fails with an
 * {@link IllegalArgumentException} rather than a huge allocation. Changing the field order or a field's encoding
 * needs a new version number (and reading the old one, or state written by a running job cannot be restored).
 *
 * <p>Versions: 1 wrote the planned LR track always (a boolean, then the track); 2 writes a byte instead, 0 = no plan,
 * 1 = the track follows (a per-step LR plan), 2 = the track is the spec's and is rebuilt from it at decode
 * ({@link RunTracker#planFromSpec}, O(knots)), which saves ~16 bytes per planned knot (about 16 KB for a cosine plan
 * of 200,000 steps) at every write. Both are read; only 2 is written.
 */
final class RunTrackerCodec {
    /** First byte of the encoding. */
    static final byte FORMAT_VERSION = RunTracker.FORMAT_VERSION;
    /** The first version: the planned track always written. */
    static final byte VERSION_1 = 1;
    /** Version 2's planned-track markers. */
    private static final byte NO_PLAN = 0;
    private static final byte PLAN_TRACK = 1;
    private static final byte PLAN_FROM_SPEC = 2;

    private RunTrackerCodec() {
    }

    /** {@code t}'s state as bytes: first byte {@link #FORMAT_VERSION}, then a fixed field order (see {@link #decode}). */
    static byte[] encode(RunTracker t) {
        ByteArrayOutputStream bo = new ByteArrayOutputStream(4096);
        try (DataOutputStream o = new DataOutputStream(bo)) {
            o.writeByte(FORMAT_VERSION);
            o.writeUTF(t.runId);
            o.writeUTF(t.familyId);
            o.writeBoolean(t.spec != null);
            if (t.spec != null) {
                o.writeUTF(t.spec.kind());
                o.writeLong(t.spec.warmupSteps());
                o.writeDouble(t.spec.warmupInitLr());
                o.writeDouble(t.spec.peakLr());
                o.writeDouble(t.spec.minLr());
                o.writeLong(t.spec.decayStartStep());
                o.writeLong(t.spec.totalSteps());
                long[] m = t.spec.milestones();
                o.writeInt(m.length);
                for (long x : m) {
                    o.writeLong(x);
                }
                o.writeDouble(t.spec.gamma());
                o.writeLong(t.spec.cycleSteps());
            }
            writeNullableUtf(o, t.specError);
            if (t.planned == null) {
                o.writeByte(NO_PLAN);
            } else if (t.plannedFromSpec()) {
                o.writeByte(PLAN_FROM_SPEC);
            } else {
                o.writeByte(PLAN_TRACK);
                writeTrack(o, t.planned);
            }
            o.writeLong(t.plannedTotalSteps);
            o.writeBoolean(t.target != null);
            if (t.target != null) {
                o.writeByte(t.target.kind().ordinal());
                o.writeDouble(t.target.loss());
            }
            writeTrack(o, t.observedLr);
            o.writeInt(t.losses.capacity());
            o.writeDouble(t.losses.bucketWidth());
            o.writeLong(t.losses.observed());
            o.writeLong(t.losses.lastStep());
            double[] rs = t.losses.rawSteps();
            double[] ls = t.losses.losses();
            double[] ws = t.losses.weights();
            o.writeInt(rs.length);
            for (int i = 0; i < rs.length; i++) {
                o.writeDouble(rs[i]);
                o.writeDouble(ls[i]);
                o.writeDouble(ws[i]);
            }
            o.writeLong(t.lastStep);
            o.writeBoolean(t.pastWarmup);
            o.writeDouble(t.lastLoss);
            o.writeLong(t.lastWallTimeMs);
            o.writeInt(t.pointsSinceForecast);
            o.writeLong(t.forecasts);
            o.writeBoolean(t.finished);
            o.writeLong(t.finalStep);
            o.writeLong(t.counts.duplicates);
            o.writeLong(t.counts.outOfOrder);
            o.writeLong(t.counts.nanLosses);
            o.writeLong(t.counts.firstNanStep);
            o.writeLong(t.counts.contradictions);
            o.writeLong(t.counts.firstContradictionStep);
            o.writeLong(t.counts.invalidLr);
            o.writeLong(t.referenceKey);
            writeNullableUtf(o, t.modelLaw);
            o.writeBoolean(t.seed != null);
            if (t.seed != null) {
                o.writeUTF(t.seed.name());
                o.writeBoolean(t.seed.balanced());
                o.writeDouble(t.seed.priorStrength());
                o.writeInt(t.seed.headCopies());
                double[] w = t.seed.weights();
                o.writeInt(w.length);
                for (int i = 0; i < w.length; i++) {
                    ForecastModel.Member m = t.seed.members().get(i);
                    o.writeDouble(w[i]);
                    o.writeUTF(m.law());
                    o.writeDouble(m.lambda());
                    o.writeBoolean(m.annealingIdentified());
                    double[] p = m.params();
                    o.writeInt(p.length);
                    for (double x : p) {
                        o.writeDouble(x);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bo.toByteArray();
    }

    /**
     * A tracker from {@link #encode}; exact round trip.
     *
     * @throws IllegalArgumentException for an unknown version or malformed bytes
     */
    static RunTracker decode(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int version = in.readByte();
            if (version != FORMAT_VERSION && version != VERSION_1) {
                throw new IllegalArgumentException("unknown RunTracker format version " + version);
            }
            RunTracker t = new RunTracker(in.readUTF(), in.readUTF());
            if (in.readBoolean()) {
                String kind = in.readUTF();
                long warm = in.readLong();
                double init = in.readDouble();
                double peak = in.readDouble();
                double min = in.readDouble();
                long decay = in.readLong();
                long total = in.readLong();
                long[] m = new long[checkedLength(in.readInt(), bytes.length)];
                for (int i = 0; i < m.length; i++) {
                    m[i] = in.readLong();
                }
                t.spec = new ScheduleSpec(kind, warm, init, peak, min, decay, total, m, in.readDouble(),
                        in.readLong());
            }
            t.specError = readNullableUtf(in);
            int plan = version == VERSION_1 ? (in.readBoolean() ? PLAN_TRACK : NO_PLAN) : in.readByte();
            if (plan == PLAN_TRACK) {
                t.planned = readTrack(in, bytes.length);
            } else if (plan == PLAN_FROM_SPEC) {
                if (t.spec == null) {
                    throw new IllegalArgumentException("planned track from a spec, but no spec");
                }
                t.planFromSpec();
            } else if (plan != NO_PLAN) {
                throw new IllegalArgumentException("unknown planned-track marker " + plan);
            }
            t.plannedTotalSteps = in.readLong();
            if (in.readBoolean()) {
                int k = in.readByte();
                t.target = new Target(Target.Kind.values()[k], in.readDouble());
            }
            t.observedLr = readTrack(in, bytes.length);
            int capacity = in.readInt();
            double width = in.readDouble();
            long observed = in.readLong();
            long last = in.readLong();
            int n = checkedLength(in.readInt(), bytes.length);
            double[] rs = new double[n];
            double[] ls = new double[n];
            double[] ws = new double[n];
            for (int i = 0; i < n; i++) {
                rs[i] = in.readDouble();
                ls[i] = in.readDouble();
                ws[i] = in.readDouble();
            }
            t.losses = LossSummary.restore(capacity, width, observed, last, rs, ls, ws);
            t.lastStep = in.readLong();
            t.pastWarmup = in.readBoolean();
            t.lastLoss = in.readDouble();
            t.lastWallTimeMs = in.readLong();
            t.pointsSinceForecast = in.readInt();
            t.forecasts = in.readLong();
            t.finished = in.readBoolean();
            t.finalStep = in.readLong();
            t.counts.duplicates = in.readLong();
            t.counts.outOfOrder = in.readLong();
            t.counts.nanLosses = in.readLong();
            t.counts.firstNanStep = in.readLong();
            t.counts.contradictions = in.readLong();
            t.counts.firstContradictionStep = in.readLong();
            t.counts.invalidLr = in.readLong();
            t.referenceKey = in.readLong();
            t.modelLaw = readNullableUtf(in);
            if (in.readBoolean()) {
                String name = in.readUTF();
                boolean balanced = in.readBoolean();
                double strength = in.readDouble();
                int copies = in.readInt();
                int members = checkedLength(in.readInt(), bytes.length);
                double[] w = new double[members];
                List<ForecastModel.Member> ms = new ArrayList<>();
                for (int i = 0; i < members; i++) {
                    w[i] = in.readDouble();
                    String law = in.readUTF();
                    double lambda = in.readDouble();
                    boolean annealing = in.readBoolean();
                    double[] p = new double[checkedLength(in.readInt(), bytes.length)];
                    for (int j = 0; j < p.length; j++) {
                        p[j] = in.readDouble();
                    }
                    ms.add(new ForecastModel.Member(law, lambda, annealing, p));
                }
                t.seed = new ForecastModel.Seed(name, balanced, strength, copies, w, ms);
            }
            if (in.available() != 0) {
                throw new IllegalArgumentException(in.available() + " trailing bytes");
            }
            return t;
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalArgumentException("malformed RunTracker bytes: " + e, e);
        }
    }

    private static int checkedLength(int n, int total) {
        if (n < 0 || n > total) {
            throw new IllegalArgumentException("bad length " + n);
        }
        return n;
    }

    private static void writeNullableUtf(DataOutputStream o, String s) throws IOException {
        o.writeBoolean(s != null);
        if (s != null) {
            o.writeUTF(s.length() > 2000 ? s.substring(0, 2000) : s);
        }
    }

    private static String readNullableUtf(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }

    private static void writeTrack(DataOutputStream o, LrTrack t) throws IOException {
        o.writeDouble(t.currentTolerance());
        o.writeDouble(t.tolerance());
        o.writeInt(t.maxKnots());
        o.writeDouble(t.maxLr());
        long[] s = t.isEmpty() ? new long[0] : t.knotSteps();
        double[] v = t.isEmpty() ? new double[0] : t.knotValues();
        o.writeInt(s.length);
        for (int i = 0; i < s.length; i++) {
            o.writeLong(s[i]);
            o.writeDouble(v[i]);
        }
        o.writeBoolean(t.hasOpenSegment());
        o.writeDouble(t.slopeLo());
        o.writeDouble(t.slopeHi());
    }

    private static LrTrack readTrack(DataInputStream in, int total) throws IOException {
        double relTol = in.readDouble();
        double bound = in.readDouble();
        int maxKnots = in.readInt();
        double maxLr = in.readDouble();
        int n = checkedLength(in.readInt(), total);
        long[] s = new long[n];
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = in.readLong();
            v[i] = in.readDouble();
        }
        boolean open = in.readBoolean();
        double lo = in.readDouble();
        double hi = in.readDouble();
        return LrTrack.restore(relTol, bound, maxKnots, maxLr, s, v, open, lo, hi);
    }
}
