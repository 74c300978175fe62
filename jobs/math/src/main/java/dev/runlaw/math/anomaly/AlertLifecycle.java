package dev.runlaw.math.anomaly;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Open → resolved lifecycle of the alerts of one key (a run, or a run × layer), shared by all detectors.
 *
 * <p>Per (kind, layer): at most one alert is open at a time (a second {@link #open} while one is open is absorbed:
 * de-duplication), and after an alert resolves at step {@code s} the same (kind, layer) cannot open again before
 * step {@code s + cooldownSteps} (cool-down). State is O(number of (kind, layer) pairs seen), constant per key.
 * Not thread-safe; one instance per key.
 */
public final class AlertLifecycle {
    private static final int VERSION = 1;

    private final long cooldownSteps;
    /** Open alert per (kind, layer). */
    private final Map<Long, Alert> open = new HashMap<>();
    /** First step at which (kind, layer) may open again. */
    private final Map<Long, Long> quietUntil = new HashMap<>();

    /** A lifecycle with the given cool-down in steps (≥ 0). */
    public AlertLifecycle(long cooldownSteps) {
        if (cooldownSteps < 0) {
            throw new IllegalArgumentException("cooldownSteps must be >= 0, got " + cooldownSteps);
        }
        this.cooldownSteps = cooldownSteps;
    }

    private static long key(AlertKind kind, int layer) {
        return ((long) kind.ordinal() << 32) | (layer & 0xffffffffL);
    }

    /**
     * Raises an alert unless one of the same (kind, layer) is open or cooling down at {@code detectedStep}.
     *
     * @return the OPEN event, or empty when de-duplicated or suppressed
     */
    public Optional<Alert> open(AlertKind kind, Severity severity, int layer, long firstStep, long detectedStep,
                                double value, double expected, double score, String message) {
        long k = key(kind, layer);
        if (open.containsKey(k) || detectedStep < quietUntil.getOrDefault(k, Long.MIN_VALUE)) {
            return Optional.empty();
        }
        Alert a = new Alert(kind, severity, layer, firstStep, detectedStep, -1, value, expected, score, message,
                AlertState.OPEN);
        open.put(k, a);
        return Optional.of(a);
    }

    /**
     * Closes the open alert of (kind, layer), if any, with its last anomalous step.
     *
     * @return the RESOLVED event, or empty when nothing was open
     */
    public Optional<Alert> resolve(AlertKind kind, int layer, long lastStep) {
        long k = key(kind, layer);
        Alert a = open.remove(k);
        if (a == null) {
            return Optional.empty();
        }
        quietUntil.put(k, lastStep + 1 + cooldownSteps);
        return Optional.of(a.resolved(Math.max(lastStep, a.firstStep())));
    }

    /** True when an alert of (kind, layer) is open. */
    public boolean isOpen(AlertKind kind, int layer) {
        return open.containsKey(key(kind, layer));
    }

    /** The open alert of (kind, layer), or null. */
    public Alert openAlert(AlertKind kind, int layer) {
        return open.get(key(kind, layer));
    }

    /** Writes the state (version byte first). */
    public void write(DataOutput out) throws IOException {
        out.writeByte(VERSION);
        out.writeLong(cooldownSteps);
        out.writeInt(open.size());
        for (Alert a : open.values()) {
            out.writeInt(a.kind().ordinal());
            out.writeInt(a.severity().ordinal());
            out.writeInt(a.layer());
            out.writeLong(a.firstStep());
            out.writeLong(a.detectedStep());
            out.writeDouble(a.value());
            out.writeDouble(a.expected());
            out.writeDouble(a.score());
            out.writeUTF(a.message());
        }
        out.writeInt(quietUntil.size());
        for (Map.Entry<Long, Long> e : quietUntil.entrySet()) {
            out.writeLong(e.getKey());
            out.writeLong(e.getValue());
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
        for (int i = 0; i < n; i++) {
            Alert a = new Alert(AlertKind.values()[in.readInt()], Severity.values()[in.readInt()], in.readInt(),
                    in.readLong(), in.readLong(), -1, in.readDouble(), in.readDouble(), in.readDouble(),
                    in.readUTF(), AlertState.OPEN);
            l.open.put(key(a.kind(), a.layer()), a);
        }
        int m = in.readInt();
        for (int i = 0; i < m; i++) {
            l.quietUntil.put(in.readLong(), in.readLong());
        }
        return l;
    }
}
