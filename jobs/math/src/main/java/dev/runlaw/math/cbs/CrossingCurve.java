package dev.runlaw.math.cbs;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.OptionalLong;

/**
 * A run's loss curve kept just well enough to answer "the first step at which the smoothed loss fell to ≤ target"
 * for any target chosen later (e.g. once a family's runs have finished), which is how the steps-versus-batch law
 * of Zhang et al. 2024 (arXiv 2410.21676) gets its steps to a target.
 *
 * <p>The smoothed loss is the trailing mean of the last {@code smoothingWindow} losses (fewer at the start). The
 * first crossing of a target is the first crossing of the smoothed curve's running minimum, so only the
 * running minimum's breakpoints are kept: a new breakpoint when the smoothed loss falls below the last one by
 * more than {@code relativeResolution} (relative). The answer is exact for any target farther than that
 * resolution below a kept breakpoint, and at most one breakpoint late otherwise. At most {@value #MAX_POINTS}
 * breakpoints are kept: when full, the resolution doubles and the kept points are thinned to it, so state stays
 * bounded (≈ 16 bytes per point plus 8 per window slot) for runs of any length.
 */
public final class CrossingCurve {
    /** Most breakpoints kept. */
    public static final int MAX_POINTS = 1024;
    /** Largest smoothing window. */
    public static final int MAX_WINDOW = 10_000;
    private static final int VERSION = 1;

    private final int window;
    private double resolution;
    private final double[] recent;
    private int filled;
    private int next;
    private double sum;
    private long lastStep = Long.MIN_VALUE;
    private double lowest = Double.NaN;
    private long lowestStep = -1;
    private long[] steps = new long[16];
    private double[] values = new double[16];
    private int size;

    /**
     * @param smoothingWindow    losses in the trailing mean, 1..{@value #MAX_WINDOW}
     * @param relativeResolution relative fall of the smoothed loss that makes a new breakpoint, in [0, 0.5)
     */
    public CrossingCurve(int smoothingWindow, double relativeResolution) {
        if (smoothingWindow < 1 || smoothingWindow > MAX_WINDOW) {
            throw new IllegalArgumentException(
                    "smoothingWindow must be in 1.." + MAX_WINDOW + ", got " + smoothingWindow);
        }
        if (!(relativeResolution >= 0 && relativeResolution < 0.5)) {
            throw new IllegalArgumentException("relativeResolution must be in [0, 0.5), got " + relativeResolution);
        }
        this.window = smoothingWindow;
        this.resolution = relativeResolution;
        this.recent = new double[smoothingWindow];
    }

    /**
     * Adds the loss at {@code step}. Non-finite losses and steps not after the last one are ignored (a replayed
     * record must not move the curve).
     */
    public void add(long step, double loss) {
        if (!Double.isFinite(loss) || step <= lastStep) {
            return;
        }
        lastStep = step;
        if (filled == window) {
            sum -= recent[next];
        } else {
            filled++;
        }
        recent[next] = loss;
        sum += loss;
        next = (next + 1) % window;
        if (next == 0) {
            // Re-sum once per window so rounding in the running sum never accumulates.
            sum = 0;
            for (int i = 0; i < filled; i++) {
                sum += recent[i];
            }
        }
        double smoothed = sum / filled;
        if (!(smoothed < lowest) && !Double.isNaN(lowest)) {
            return;
        }
        lowest = smoothed;
        lowestStep = step;
        if (size == 0 || smoothed <= values[size - 1] - resolution * Math.abs(values[size - 1])) {
            append(step, smoothed);
        }
    }

    private void append(long step, double value) {
        if (size == MAX_POINTS) {
            coarsen();
        }
        if (size == steps.length) {
            steps = Arrays.copyOf(steps, Math.min(MAX_POINTS, size * 2));
            values = Arrays.copyOf(values, steps.length);
        }
        steps[size] = step;
        values[size] = value;
        size++;
    }

    /** Doubles the resolution (from 1e-4 when it was 0) and keeps only the breakpoints it would have made. */
    private void coarsen() {
        resolution = resolution == 0 ? 1e-4 : Math.min(0.49, resolution * 2);
        int kept = 1;
        for (int i = 1; i < size; i++) {
            if (values[i] <= values[kept - 1] - resolution * Math.abs(values[kept - 1])) {
                steps[kept] = steps[i];
                values[kept] = values[i];
                kept++;
            }
        }
        if (kept == size) {
            // Nothing thinned (cannot happen below the cap's resolution, but never loop): drop every other point.
            kept = 0;
            for (int i = 0; i < size; i += 2) {
                steps[kept] = steps[i];
                values[kept] = values[i];
                kept++;
            }
        }
        size = kept;
    }

    /** The first step at which the smoothed loss was ≤ {@code target}; empty if it never fell that low. */
    public OptionalLong firstCrossing(double target) {
        if (size == 0 || !(target >= lowest)) {
            return OptionalLong.empty();
        }
        int lo = 0;
        int hi = size;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (values[mid] <= target) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return OptionalLong.of(lo < size ? steps[lo] : lowestStep);
    }

    /** The lowest smoothed loss so far; NaN before any loss. */
    public double lowest() {
        return lowest;
    }

    /** Breakpoints kept (≤ {@value #MAX_POINTS}). */
    public int points() {
        return size;
    }

    /** The current relative resolution (grows only when the cap was reached). */
    public double resolution() {
        return resolution;
    }

    /** The state, versioned. */
    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + 8 * filled + 16 * size);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeInt(window);
            out.writeDouble(resolution);
            out.writeLong(lastStep);
            out.writeDouble(lowest);
            out.writeLong(lowestStep);
            // The window's losses oldest first, so the reader can refill the ring from slot 0.
            out.writeInt(filled);
            int start = filled == window ? next : 0;
            for (int i = 0; i < filled; i++) {
                out.writeDouble(recent[(start + i) % window]);
            }
            out.writeInt(size);
            for (int i = 0; i < size; i++) {
                out.writeLong(steps[i]);
                out.writeDouble(values[i]);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * A curve from {@link #toBytes()}.
     *
     * @throws IllegalArgumentException on an unknown version or truncated or inconsistent bytes
     */
    public static CrossingCurve fromBytes(byte[] state) {
        if (state == null || state.length == 0) {
            throw new IllegalArgumentException("crossing curve state is empty");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(state))) {
            int version = in.readUnsignedByte();
            if (version != VERSION) {
                throw new IllegalArgumentException("unknown crossing curve state version " + version);
            }
            CrossingCurve c = new CrossingCurve(in.readInt(), in.readDouble());
            c.lastStep = in.readLong();
            c.lowest = in.readDouble();
            c.lowestStep = in.readLong();
            int filled = in.readInt();
            if (filled < 0 || filled > c.window) {
                throw new IllegalArgumentException("crossing curve state holds " + filled + " window losses");
            }
            for (int i = 0; i < filled; i++) {
                c.recent[i] = in.readDouble();
                c.sum += c.recent[i];
            }
            c.filled = filled;
            c.next = filled % c.window;
            int size = in.readInt();
            if (size < 0 || size > MAX_POINTS) {
                throw new IllegalArgumentException("crossing curve state holds " + size + " breakpoints");
            }
            c.steps = new long[Math.max(16, size)];
            c.values = new double[c.steps.length];
            for (int i = 0; i < size; i++) {
                c.steps[i] = in.readLong();
                c.values[i] = in.readDouble();
            }
            c.size = size;
            return c;
        } catch (IOException e) {
            throw new IllegalArgumentException("crossing curve state unreadable: " + e.getMessage(), e);
        }
    }
}
