package dev.runlaw.math.anomaly;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Open → resolved lifecycle of the alerts of one key (a run, or a run × layer), shared by all detectors.
 *
 * <p>Per (kind, layer): at most one alert is open at a time (a second {@link #open} while one is open is absorbed:
 * de-duplication), and after an alert resolves at step {@code s} the same (kind, layer) cannot open again before
 * step {@code s + cooldownSteps} (cool-down). State is O(number of (kind, layer) pairs seen), constant per key;
 * they are few (at most one per kind for a run or a layer), so they are scanned in a list: no boxing on the per-step
 * path. Not thread-safe; one instance per key.
 */
public final class AlertLifecycle {
    private static final int VERSION = 1;

    private final long cooldownSteps;
    /** One slot per (kind, layer) seen. */
    private final List<Slot> slots = new ArrayList<>(4);

    /** The state of one (kind, layer): its open alert (or null) and the first step it may open again. */
    private static final class Slot {
        final AlertKind kind;
        final int layer;
        Alert open;
        long quietUntil = Long.MIN_VALUE;

        Slot(AlertKind kind, int layer) {
            this.kind = kind;
            this.layer = layer;
        }
    }

    /** A lifecycle with the given cool-down in steps (≥ 0). */
    public AlertLifecycle(long cooldownSteps) {
        if (cooldownSteps < 0) {
            throw new IllegalArgumentException("cooldownSteps must be >= 0, got " + cooldownSteps);
        }
        this.cooldownSteps = cooldownSteps;
    }

    private Slot find(AlertKind kind, int layer) {
        for (int i = 0; i < slots.size(); i++) {
            Slot s = slots.get(i);
            if (s.kind == kind && s.layer == layer) {
                return s;
            }
        }
        return null;
    }

    private Slot slot(AlertKind kind, int layer) {
        Slot s = find(kind, layer);
        if (s == null) {
            s = new Slot(kind, layer);
            slots.add(s);
        }
        return s;
    }

    /**
     * Raises an alert unless one of the same (kind, layer) is open or cooling down at {@code detectedStep}.
     *
     * @return the OPEN event, or empty when de-duplicated or suppressed
     */
    public Optional<Alert> open(AlertKind kind, Severity severity, int layer, long firstStep, long detectedStep,
                                double value, double expected, double score, String message) {
        Slot s = slot(kind, layer);
        if (s.open != null || detectedStep < s.quietUntil) {
            return Optional.empty();
        }
        s.open = new Alert(kind, severity, layer, firstStep, detectedStep, -1, value, expected, score, message,
                AlertState.OPEN);
        return Optional.of(s.open);
    }

    /**
     * Closes the open alert of (kind, layer), if any, with its last anomalous step.
     *
     * @return the RESOLVED event, or empty when nothing was open
     */
    public Optional<Alert> resolve(AlertKind kind, int layer, long lastStep) {
        Slot s = find(kind, layer);
        if (s == null || s.open == null) {
            return Optional.empty();
        }
        Alert a = s.open;
        s.open = null;
        s.quietUntil = lastStep + 1 + cooldownSteps;
        return Optional.of(a.resolved(Math.max(lastStep, a.firstStep())));
    }

    /**
     * Resolves every open alert at {@code lastStep} (each at least at its own first step), in the order their
     * (kind, layer) was first seen: the key's stream has ended (a finished run, the end of a replayed file), so
     * nothing open can be closed by later evidence.
     *
     * @param out receives the RESOLVED events
     */
    public void closeAll(long lastStep, List<Alert> out) {
        for (Slot s : slots) {
            if (s.open != null) {
                Alert a = s.open;
                s.open = null;
                s.quietUntil = lastStep + 1 + cooldownSteps;
                out.add(a.resolved(Math.max(lastStep, a.firstStep())));
            }
        }
    }

    /** True when an alert of (kind, layer) is open. */
    public boolean isOpen(AlertKind kind, int layer) {
        Slot s = find(kind, layer);
        return s != null && s.open != null;
    }

    /** The open alert of (kind, layer), or null. */
    public Alert openAlert(AlertKind kind, int layer) {
        Slot s = find(kind, layer);
        return s == null ? null : s.open;
    }

    /** Writes the state (version byte first). */
    public void write(DataOutput out) throws IOException {
        out.writeByte(VERSION);
        out.writeLong(cooldownSteps);
        out.writeInt(slots.size());
        for (Slot s : slots) {
            out.writeInt(s.kind.ordinal());
            out.writeInt(s.layer);
            out.writeLong(s.quietUntil);
            out.writeBoolean(s.open != null);
            if (s.open != null) {
                Alert a = s.open;
                out.writeInt(a.severity().ordinal());
                out.writeLong(a.firstStep());
                out.writeLong(a.detectedStep());
                out.writeDouble(a.value());
                out.writeDouble(a.expected());
                out.writeDouble(a.score());
                out.writeUTF(a.message());
            }
        }
    }

    /** Reads what {@link #write} wrote. */
    public static AlertLifecycle read(DataInput in) throws IOException {
        int version = in.readUnsignedByte();
        if (version != VERSION) {
            throw new IOException("unknown AlertLifecycle state version " + version);
        }
        AlertLifecycle l = new AlertLifecycle(in.readLong());
        int n = in.readInt();
        if (n < 0 || n > AlertKind.values().length * 4096) {
            throw new IOException("bad AlertLifecycle slot count " + n);
        }
        for (int i = 0; i < n; i++) {
            Slot s = new Slot(AlertKind.values()[in.readInt()], in.readInt());
            s.quietUntil = in.readLong();
            if (in.readBoolean()) {
                s.open = new Alert(s.kind, Severity.values()[in.readInt()], s.layer, in.readLong(), in.readLong(), -1,
                        in.readDouble(), in.readDouble(), in.readDouble(), in.readUTF(), AlertState.OPEN);
            }
            l.slots.add(s);
        }
        return l;
    }
}
