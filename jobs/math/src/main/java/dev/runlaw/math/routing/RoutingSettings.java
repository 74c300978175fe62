package dev.runlaw.math.routing;

/**
 * What a routing analysis needs beyond the counts: the device count of the placements and the cost model of the
 * traffic estimate.
 *
 * <p>Defaults ({@link #defaults(int)}): experts 0 (the largest expert id seen + 1), hidden size 4096, 2 bytes per
 * element (bf16 activations), no spare slots.
 *
 * @param devices         N, devices experts are placed on ({@code >= 1}; at most E, checked by the analysis)
 * @param experts         E, experts per layer; 0 = the largest expert id in the counts + 1
 * @param hiddenSize      H, elements of one token's hidden state sent to an expert
 * @param bytesPerElement B, bytes per element of that hidden state
 * @param spareSlots      R, extra expert slots for EPLB-style replication ({@link Placements#replicated})
 */
public record RoutingSettings(int devices, int experts, int hiddenSize, int bytesPerElement, int spareSlots) {
    /** Default hidden size (elements). */
    public static final int DEFAULT_HIDDEN_SIZE = 4096;
    /** Default bytes per element (bf16). */
    public static final int DEFAULT_BYTES_PER_ELEMENT = 2;

    public RoutingSettings {
        if (devices < 1) {
            throw new IllegalArgumentException("devices must be >= 1, got " + devices);
        }
        if (experts < 0) {
            throw new IllegalArgumentException("experts must be >= 0 (0 = largest id + 1), got " + experts);
        }
        if (experts > 0 && devices > experts) {
            throw new IllegalArgumentException("devices (" + devices + ") must not exceed experts (" + experts + ")");
        }
        if (hiddenSize < 1) {
            throw new IllegalArgumentException("hidden size must be >= 1, got " + hiddenSize);
        }
        if (bytesPerElement < 1) {
            throw new IllegalArgumentException("bytes per element must be >= 1, got " + bytesPerElement);
        }
        if (spareSlots < 0) {
            throw new IllegalArgumentException("spare slots must be >= 0, got " + spareSlots);
        }
    }

    /** {@code devices} devices, everything else default. */
    public static RoutingSettings defaults(int devices) {
        return new RoutingSettings(devices, 0, DEFAULT_HIDDEN_SIZE, DEFAULT_BYTES_PER_ELEMENT, 0);
    }

    public RoutingSettings withExperts(int e) {
        return new RoutingSettings(devices, e, hiddenSize, bytesPerElement, spareSlots);
    }

    public RoutingSettings withHiddenSize(int h) {
        return new RoutingSettings(devices, experts, h, bytesPerElement, spareSlots);
    }

    public RoutingSettings withBytesPerElement(int b) {
        return new RoutingSettings(devices, experts, hiddenSize, b, spareSlots);
    }

    public RoutingSettings withSpareSlots(int r) {
        return new RoutingSettings(devices, experts, hiddenSize, bytesPerElement, r);
    }

    /** Bytes one remote expert costs one token at one layer: dispatch + combine, {@code 2 · H · B}. */
    public long bytesPerRemoteExpert() {
        return 2L * hiddenSize * bytesPerElement;
    }
}
