package dev.runlaw.math.anomaly;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * HOT_LINK (WARNING) over a step's data movement: the bytes {@code b[i][j]} sent from device i to device j (expert
 * parallel all-to-all). With the mean {@code μ} over the {@code n(n − 1)} ordered pairs {@code i ≠ j} (a device's
 * traffic to itself moves nothing over a link), the step is hot when {@code max b[i][j] / μ > hotLinkRatio}; the
 * alert opens after {@code hotLinkSteps} consecutive hot steps and resolves after {@code resolveSteps} steps with
 * every pair at most half-way between the mean and that threshold ({@link AnomalySettings.Moe}). Why the mean of
 * pairs: all-to-all time is set by the slowest link, so one pair far above the rest stalls every device, while a
 * uniformly heavy step is only a big batch. Sustained, because one step's routing is noisy.
 *
 * <p>State O(1) (the shared {@link AlertLifecycle}); no look-ahead; a step not after the last one is ignored.
 * Not thread-safe; one instance per run (or run × layer).
 */
public final class LinkDetector {
    private static final int VERSION = 1;

    private final int layer;
    private final AnomalySettings.Moe s;
    private final AlertLifecycle lifecycle;
    private final Streak hot = new Streak();
    private long lastStep = Long.MIN_VALUE;

    /** A detector for {@code layer}, or {@link Alert#NO_LAYER} when the traffic is not per layer. */
    public LinkDetector(int layer, AnomalySettings settings) {
        this(layer, settings, new AlertLifecycle(settings.cooldownSteps()));
    }

    private LinkDetector(int layer, AnomalySettings settings, AlertLifecycle lifecycle) {
        if (layer < Alert.NO_LAYER) {
            throw new IllegalArgumentException("layer must be >= -1, got " + layer);
        }
        this.layer = layer;
        this.s = settings.moe();
        this.lifecycle = lifecycle;
    }

    /**
     * Feeds one step's traffic matrix.
     *
     * @param step    optimizer step (increasing)
     * @param bytes   {@code devices × devices} bytes, row-major ({@code bytes[i * devices + j]} from i to j), ≥ 0
     * @param devices number of devices, ≥ 2
     * @return OPEN and RESOLVED events raised by this step
     */
    public List<Alert> onTraffic(long step, long[] bytes, int devices) {
        if (devices < 2 || bytes.length != (long) devices * devices) {
            throw new IllegalArgumentException("traffic of step " + step + " needs " + devices + "x" + devices
                    + " values (devices >= 2), got " + bytes.length);
        }
        long total = 0;
        long max = -1;
        int hotFrom = -1;
        int hotTo = -1;
        for (int i = 0; i < devices; i++) {
            for (int j = 0; j < devices; j++) {
                long b = bytes[i * devices + j];
                if (b < 0) {
                    throw new IllegalArgumentException("negative bytes " + b + " from device " + i + " to " + j
                            + " at step " + step);
                }
                if (i != j) {
                    total += b;
                    if (b > max) {
                        max = b;
                        hotFrom = i;
                        hotTo = j;
                    }
                }
            }
        }
        return onSummary(step, total, max, hotFrom, hotTo, devices);
    }

    /**
     * Feeds one step's traffic already summed over its pairs (the live path, where a step's pairs arrive one record
     * at a time: {@link LinkSteps}).
     *
     * @param step          optimizer step (increasing; a step not after the last one is ignored)
     * @param offDiagonal   total bytes over the ordered pairs {@code i != j}, ≥ 0 (0: no evidence, ignored)
     * @param maxPair       the largest pair's bytes, at most {@code offDiagonal}
     * @param from          that pair's sending device
     * @param to            that pair's receiving device
     * @param devices       devices taking part, ≥ 2 (the mean is over {@code devices * (devices - 1)} pairs)
     * @return OPEN and RESOLVED events raised by this step
     */
    public List<Alert> onSummary(long step, long offDiagonal, long maxPair, int from, int to, int devices) {
        if (devices < 2 || offDiagonal < 0 || maxPair > offDiagonal) {
            throw new IllegalArgumentException("bad traffic summary at step " + step + ": " + devices
                    + " devices, total " + offDiagonal + ", max pair " + maxPair);
        }
        if (step <= lastStep || offDiagonal == 0) {
            return List.of();
        }
        lastStep = step;
        double mean = (double) offDiagonal / ((long) devices * (devices - 1));
        double ratio = maxPair / mean;
        boolean isHot = ratio > s.hotLinkRatio();
        boolean calm = ratio <= (1 + s.hotLinkRatio()) / 2;
        List<Alert> out = new ArrayList<>(0);
        if (hot.update(step, isHot, calm) >= s.hotLinkSteps()) {
            lifecycle.open(AlertKind.HOT_LINK, Severity.WARNING, layer, hot.start, step, ratio, s.hotLinkRatio(),
                    ratio, String.format(Locale.ROOT, "%sdevice %d -> %d carries %.1fx the mean bytes per pair for %d steps",
                            layer == Alert.NO_LAYER ? "" : "layer " + layer + ": ", from, to, ratio, hot.length))
                    .ifPresent(out::add);
        }
        if (hot.healthy >= s.resolveSteps()) {
            lifecycle.resolve(AlertKind.HOT_LINK, layer, hot.lastBad).ifPresent(out::add);
        }
        return out;
    }

    /**
     * The run has ended: resolves an open HOT_LINK at the last step with traffic. Call once, when the run finishes.
     *
     * @return the RESOLVED event, or empty
     */
    public List<Alert> closeAll() {
        List<Alert> out = new ArrayList<>(0);
        if (lastStep != Long.MIN_VALUE) {
            lifecycle.closeAll(lastStep, out);
        }
        return out;
    }

    /** The last step with traffic folded in, or {@link Long#MIN_VALUE} before the first. */
    public long lastStep() {
        return lastStep;
    }

    /** Serialises the state (version byte first); the settings are not stored. */
    public byte[] toBytes() {
        return StateBytes.write(VERSION, out -> {
            out.writeInt(layer);
            out.writeLong(lastStep);
            hot.write(out);
            lifecycle.write(out);
        });
    }

    /** Restores what {@link #toBytes} wrote, with the given settings. */
    public static LinkDetector fromBytes(byte[] state, AnomalySettings settings) {
        return StateBytes.read(state, VERSION, "LinkDetector", in -> {
            int layer = in.readInt();
            long lastStep = in.readLong();
            Streak hot = Streak.read(in);
            LinkDetector d = new LinkDetector(layer, settings, AlertLifecycle.read(in));
            d.lastStep = lastStep;
            d.hot.copy(hot);
            return d;
        });
    }
}
