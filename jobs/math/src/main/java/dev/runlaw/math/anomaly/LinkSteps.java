package dev.runlaw.math.anomaly;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * HOT_LINK on a stream of data-movement records of one run × layer, one record per (step, sending device, receiving
 * device) as trainers publish them ({@code DataMovement}, keyed like {@code sql/007_data_movement.sql}). A step's pairs
 * arrive one at a time, so this class sums the open step (off-diagonal total, largest pair) and hands it to a
 * {@link LinkDetector} when the first record of a later step arrives, or when the run ends ({@link #closeAll}).
 *
 * <p>Devices: the largest device index seen in the run plus one, so a pair that sent nothing in a step counts as 0
 * bytes in the mean. A repeated pair within a step adds to the total and is judged as its own record (the schema
 * says one record per pair: a duplicate dilutes the mean, which can only hide a hot link, never invent one). Records
 * of an earlier step than the open one arrive too late to judge and are dropped (counted in {@link #lateRecords()}).
 * State O(1): the detector plus six numbers. Not thread-safe; one instance per run × layer.
 */
public final class LinkSteps {
    private static final int VERSION = 1;

    private final LinkDetector detector;
    private long step = Long.MIN_VALUE;
    private long total;
    private long maxPair = -1;
    private int from = -1;
    private int to = -1;
    private int devices;
    private long late;

    private LinkSteps(LinkDetector detector) {
        this.detector = detector;
    }

    /** HOT_LINK for {@code layer} ({@link Alert#NO_LAYER} when the traffic is not per layer). */
    public static LinkSteps create(int layer, AnomalySettings settings) {
        return new LinkSteps(new LinkDetector(layer, Objects.requireNonNull(settings, "settings")));
    }

    /**
     * Folds one record in.
     *
     * @param recordStep optimizer step of the record (≥ 0)
     * @param src        sending device (≥ 0)
     * @param dst        receiving device (≥ 0)
     * @param bytes      bytes sent (≥ 0)
     * @return the events raised by judging the previous step, when this record is the first of a later one
     */
    public List<Alert> onBytes(long recordStep, int src, int dst, long bytes) {
        if (recordStep < 0 || src < 0 || dst < 0 || bytes < 0) {
            throw new IllegalArgumentException("data movement needs step, devices and bytes >= 0, got step "
                    + recordStep + ", " + src + " -> " + dst + ", " + bytes + " bytes");
        }
        if (recordStep < step) {
            late++;
            return List.of();
        }
        List<Alert> out = recordStep > step ? judge() : List.of();
        if (recordStep > step) {
            step = recordStep;
            total = 0;
            maxPair = -1;
        }
        devices = Math.max(devices, Math.max(src, dst) + 1);
        if (src != dst) {
            total += bytes;
            if (bytes > maxPair) {
                maxPair = bytes;
                from = src;
                to = dst;
            }
        }
        return out;
    }

    /** Judges the open step, if it has traffic between at least two devices. */
    private List<Alert> judge() {
        if (step == Long.MIN_VALUE || maxPair < 0 || devices < 2) {
            return List.of();
        }
        List<Alert> out = detector.onSummary(step, total, maxPair, from, to, devices);
        maxPair = -1;
        return out;
    }

    /**
     * The run has ended: judges the open step, then resolves an open HOT_LINK at the last judged step.
     *
     * @return the events of the last step and the RESOLVED event, in order
     */
    public List<Alert> closeAll() {
        List<Alert> out = new ArrayList<>(judge());
        out.addAll(detector.closeAll());
        return out;
    }

    /** Records dropped because their step was before the open one. */
    public long lateRecords() {
        return late;
    }

    /** Serialises the state (version byte first); the settings are not stored. */
    public byte[] toBytes() {
        byte[] inner = detector.toBytes();
        return StateBytes.write(VERSION, out -> {
            out.writeLong(step);
            out.writeLong(total);
            out.writeLong(maxPair);
            out.writeInt(from);
            out.writeInt(to);
            out.writeInt(devices);
            out.writeLong(late);
            out.writeInt(inner.length);
            out.write(inner);
        });
    }

    /**
     * Restores what {@link #toBytes} wrote, with the given settings.
     *
     * @throws IllegalArgumentException on an unknown version or truncated bytes
     */
    public static LinkSteps fromBytes(byte[] state, AnomalySettings settings) {
        return StateBytes.read(state, VERSION, "LinkSteps", in -> {
            long step = in.readLong();
            long total = in.readLong();
            long maxPair = in.readLong();
            int from = in.readInt();
            int to = in.readInt();
            int devices = in.readInt();
            long late = in.readLong();
            int n = in.readInt();
            if (n < 0 || n > 1 << 20) {
                throw new java.io.IOException("bad LinkSteps detector length " + n);
            }
            byte[] inner = new byte[n];
            in.readFully(inner);
            LinkSteps l = new LinkSteps(LinkDetector.fromBytes(inner, settings));
            l.step = step;
            l.total = total;
            l.maxPair = maxPair;
            l.from = from;
            l.to = to;
            l.devices = devices;
            l.late = late;
            return l;
        });
    }
}
