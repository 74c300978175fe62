package dev.runlaw.math.routing;

import java.util.Arrays;
import java.util.List;

/**
 * The exact, additive sufficient statistics of a routing-trace analysis ({@link RoutingAnalysis}): everything the
 * report needs, as integer counts, so that counts of disjoint parts of a trace merge into exactly the counts of the
 * whole.
 *
 * <p>The unit of input is a sequence, {@code (source, step, sequenceId)}: {@link #addSequence} takes all records of
 * one sequence at once, in any order, because temporal locality pairs positions p and p + 1 of a sequence and the
 * cross-layer transitions pair a token's layers; nothing else crosses sequences. A parallel job groups records by
 * that key, adds each group once to some partial count, and merges the partials ({@link #merge}); the result equals
 * one pass over the whole trace. Adding the same sequence twice counts it twice.
 *
 * <p>Per layer it keeps: records (empty routes included); load per expert (an id repeated in one route counts
 * once); load per (expert, home device) for the traffic estimate; locality pairs and hits; co-selection pair counts;
 * counts of every id set of three or more ids (the higher-order terms of the exact chance of intersection); and
 * (first id here → first id at layer + 1) transition counts. Which device is a token's home is fixed here: token
 * position mod {@code devices}, so counts for different device counts do not merge.
 *
 * <p>The analyses follow "Patterns behind Chaos" (temporal locality of production MoE routing), ExFlow and Lina
 * (inter-layer expert affinity) and DeepSeek's EPLB (expert load balancing). Not thread-safe.
 */
public final class RoutingCounts {
    /** Format version of {@link #toBytes()}. */
    static final int VERSION = 1;

    private final int devices;
    private long tokens;
    private LayerCounts[] layers = new LayerCounts[0];

    /** Empty counts whose tokens are homed on {@code devices} devices (position mod devices). */
    public RoutingCounts(int devices) {
        if (devices < 1) {
            throw new IllegalArgumentException("devices must be >= 1, got " + devices);
        }
        this.devices = devices;
    }

    /** Empty counts for the analysis {@code settings} will run. */
    public static RoutingCounts forSettings(RoutingSettings settings) {
        return new RoutingCounts(settings.devices());
    }

    /** The device count the tokens' home devices were taken modulo. */
    public int devices() {
        return devices;
    }

    /**
     * Adds every record of one sequence {@code (source, step, sequenceId)}, in any order.
     *
     * @throws IllegalArgumentException if the records are not all of one sequence
     */
    public void addSequence(List<TokenRoute> routes) {
        int n = routes.size();
        if (n == 0) {
            return;
        }
        TokenRoute head = routes.get(0);
        for (TokenRoute r : routes) {
            if (!r.sameSequence(head)) {
                throw new IllegalArgumentException("addSequence takes one sequence; got " + head.source() + "/"
                        + head.step() + "/" + head.sequenceId() + " and " + r.source() + "/" + r.step() + "/"
                        + r.sequenceId());
            }
        }
        new SequenceScan(routes).addTo(this);
    }

    /**
     * Adds every record of one sequence given in columns, in any order: the same counts as
     * {@link #addSequence(List)} on the routes {@code (positions[i], layers[i], ids[idEnds[i - 1] .. idEnds[i]))}
     * ({@code idEnds[-1]} = 0), without an object per route. The caller vouches that the columns are one sequence;
     * the arrays are read, never kept or changed.
     *
     * @throws IllegalArgumentException if the columns disagree in length, a position, layer or id is negative, or
     *                                  {@code idEnds} is not a non-decreasing sequence within {@code ids}
     */
    public void addSequence(int[] positions, int[] layers, int[] idEnds, int[] ids) {
        int n = positions.length;
        if (layers.length != n || idEnds.length != n) {
            throw new IllegalArgumentException("columns of different lengths: " + n + " positions, " + layers.length
                    + " layers, " + idEnds.length + " id ends");
        }
        int prevEnd = 0;
        for (int i = 0; i < n; i++) {
            if (positions[i] < 0 || layers[i] < 0) {
                throw new IllegalArgumentException("route " + i + ": position and layer must be >= 0, got "
                        + positions[i] + ", " + layers[i]);
            }
            if (idEnds[i] < prevEnd || idEnds[i] > ids.length) {
                throw new IllegalArgumentException("route " + i + ": id end " + idEnds[i] + " outside " + prevEnd
                        + ".." + ids.length);
            }
            prevEnd = idEnds[i];
        }
        for (int k = 0; k < prevEnd; k++) {
            if (ids[k] < 0) {
                throw new IllegalArgumentException("expert id must be >= 0, got " + ids[k]);
            }
        }
        if (n > 0) {
            new SequenceScan(positions, layers, idEnds, ids).addTo(this);
        }
    }

    /** Adds {@code other}'s counts to these. */
    public void merge(RoutingCounts other) {
        if (other.devices != devices) {
            throw new IllegalArgumentException("cannot merge counts homed on " + other.devices + " devices into "
                    + devices);
        }
        tokens += other.tokens;
        for (int l = 0; l < other.layers.length; l++) {
            if (other.layers[l] != null) {
                layer(l).merge(other.layers[l]);
            }
        }
    }

    /** Distinct tokens {@code (source, step, sequenceId, tokenPosition)} added. */
    public long tokens() {
        return tokens;
    }

    /** The layer ids with at least one record, ascending. */
    public int[] layers() {
        int n = 0;
        int[] out = new int[layers.length];
        for (int l = 0; l < layers.length; l++) {
            if (layers[l] != null && layers[l].records > 0) {
                out[n++] = l;
            }
        }
        return Arrays.copyOf(out, n);
    }

    /** The largest expert id in any route + 1 (0 when no route has an id). */
    public int experts() {
        int e = 0;
        for (LayerCounts lc : layers) {
            if (lc != null) {
                e = Math.max(e, lc.usedExperts());
            }
        }
        return e;
    }

    /** Records at {@code layer}, empty routes included. */
    public long records(int layer) {
        LayerCounts lc = peek(layer);
        return lc == null ? 0 : lc.records;
    }

    /** Load per expert at {@code layer} (index = expert id, length {@code experts}; ids beyond it are dropped). */
    public long[] load(int layer, int experts) {
        LayerCounts lc = peek(layer);
        long[] out = new long[experts];
        if (lc != null) {
            System.arraycopy(lc.load, 0, out, 0, Math.min(experts, lc.load.length));
        }
        return out;
    }

    /** Consecutive-position record pairs at {@code layer}. */
    public long localityPairs(int layer) {
        LayerCounts lc = peek(layer);
        return lc == null ? 0 : lc.localityPairs;
    }

    /** Of {@link #localityPairs}, those whose expert-id sets intersect. */
    public long localityHits(int layer) {
        LayerCounts lc = peek(layer);
        return lc == null ? 0 : lc.localityHits;
    }

    /** Visits the co-selection counts of {@code layer}: {@code (e1, e2, routes containing both)}, e1 &lt; e2. */
    public void forEachPair(int layer, PairVisitor visitor) {
        LayerCounts lc = peek(layer);
        if (lc != null) {
            lc.pairs.forEach(visitor);
        }
    }

    /** Visits the transitions from {@code layer} to {@code layer + 1}: {@code (a, b, tokens)}, in (a, b) order. */
    public void forEachTransition(int layer, PairVisitor visitor) {
        LayerCounts lc = peek(layer);
        if (lc != null) {
            lc.transitions.forEach(visitor);
        }
    }

    /** These counts as bytes ({@link #fromBytes}); equal counts give equal bytes. */
    public byte[] toBytes() {
        return CountsCodec.write(this);
    }

    /** Counts from {@link #toBytes()}; a clear {@link IllegalArgumentException} on other bytes. */
    public static RoutingCounts fromBytes(byte[] bytes) {
        return CountsCodec.read(bytes);
    }

    /** Receives one count keyed by two expert ids. */
    @FunctionalInterface
    public interface PairVisitor {
        void accept(int first, int second, long count);
    }

    // --- package-private access for the scan, the codec and the analysis

    LayerCounts peek(int layer) {
        return layer >= 0 && layer < layers.length ? layers[layer] : null;
    }

    LayerCounts layer(int layer) {
        if (layer >= layers.length) {
            layers = Arrays.copyOf(layers, Math.max(layer + 1, layers.length * 2));
        }
        LayerCounts lc = layers[layer];
        if (lc == null) {
            lc = new LayerCounts(devices);
            layers[layer] = lc;
        }
        return lc;
    }

    void addTokens(long n) {
        tokens += n;
    }
}
