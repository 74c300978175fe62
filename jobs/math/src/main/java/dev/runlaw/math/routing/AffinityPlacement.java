package dev.runlaw.math.routing;

/**
 * The affinity-aware placement over consecutive layers (after ExFlow and Lina: tokens that chose expert a at layer
 * l mostly choose a few experts at l + 1; putting those on a's device keeps the token's hop on one device when
 * tokens stay at their expert's device between layers).
 *
 * <p>Objective: the same-device hops Σ_l Σ_{a,b} T_l(a, b) [map_l(a) = map_{l+1}(b)]. Constraint per layer: device
 * capacities as in {@link Placements#capacities}, and max device load ≤ EPLB's max device load + {@link #SLACK} ×
 * the mean device load (so the average max/mean over layers is within {@code SLACK} &lt; 0.01 of EPLB's). Method:
 * <ol>
 *   <li>every layer starts from EPLB's balanced packing ({@link Placements#balanced});</li>
 *   <li>forward, each layer's device groups are relabelled by a maximum-weight matching against the previous
 *       layer's map (relabelling keeps the balance exactly);</li>
 *   <li>sweeps of pairwise expert swaps within each layer, accepting a swap when it adds same-device hops (towards
 *       both neighbouring layers) and keeps the layer within its load bound, until no swap helps.</li>
 * </ol>
 * Deterministic: fixed visiting orders, ties keep the current map.
 */
final class AffinityPlacement {
    /** Allowed excess of a layer's max/mean device load over EPLB's. */
    static final double SLACK = 0.008;
    private static final int MAX_SWEEPS = 50;

    private final long[][] load;
    /** Per link i (layer i → i + 1): the non-zero transitions as parallel arrays, or null. */
    private final int[][] linkFrom;
    private final int[][] linkTo;
    private final long[][] linkCount;
    private final int devices;
    private final int layers;
    private final int experts;
    private final int[] capacity;
    private final int[][] map;
    private final long[] bound;

    AffinityPlacement(long[][] load, long[][][] transitions, int devices) {
        this(load, sparse(transitions), devices);
    }

    /** With the transitions of link i as a {@link PairCounter} (null: no link). */
    AffinityPlacement(long[][] load, PairCounter[] transitions, int devices) {
        this.load = load;
        this.devices = devices;
        this.layers = load.length;
        this.experts = layers == 0 ? 0 : load[0].length;
        for (long[] l : load) {
            if (l.length != experts) {
                throw new IllegalArgumentException("every layer needs " + experts + " expert loads");
            }
        }
        if (transitions.length > layers) {
            throw new IllegalArgumentException("more transition matrices than layers");
        }
        linkFrom = new int[transitions.length][];
        linkTo = new int[transitions.length][];
        linkCount = new long[transitions.length][];
        for (int i = 0; i < transitions.length; i++) {
            if (transitions[i] != null) {
                int n = transitions[i].size();
                int[] from = new int[n];
                int[] to = new int[n];
                long[] count = new long[n];
                int[] k = {0};
                transitions[i].forEach((a, b, c) -> {
                    if (a >= experts || b >= experts) {
                        throw new IllegalArgumentException("transition " + a + " → " + b + " beyond " + experts
                                + " experts");
                    }
                    from[k[0]] = a;
                    to[k[0]] = b;
                    count[k[0]++] = c;
                });
                linkFrom[i] = from;
                linkTo[i] = to;
                linkCount[i] = count;
            }
        }
        this.capacity = layers == 0 ? new int[0] : Placements.capacities(experts, devices);
        this.map = new int[layers][];
        this.bound = new long[layers];
    }

    int[][] solve() {
        for (int i = 0; i < layers; i++) {
            map[i] = Placements.balanced(load[i], devices);
            long[] d = Placements.deviceLoads(load[i], map[i], devices);
            long max = 0;
            long sum = 0;
            for (long x : d) {
                max = Math.max(max, x);
                sum += x;
            }
            bound[i] = max + (long) Math.floor(SLACK * sum / devices);
        }
        for (int i = 1; i < layers; i++) {
            if (linked(i - 1)) {
                relabel(i);
            }
        }
        for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
            boolean improved = false;
            for (int i = 0; i < layers; i++) {
                improved |= swaps(i);
            }
            if (!improved) {
                break;
            }
        }
        return map;
    }

    private static PairCounter[] sparse(long[][][] transitions) {
        PairCounter[] out = new PairCounter[transitions.length];
        for (int i = 0; i < transitions.length; i++) {
            if (transitions[i] != null) {
                out[i] = new PairCounter();
                for (int a = 0; a < transitions[i].length; a++) {
                    for (int b = 0; b < transitions[i][a].length; b++) {
                        if (transitions[i][a][b] != 0) {
                            out[i].add(a, b, transitions[i][a][b]);
                        }
                    }
                }
            }
        }
        return out;
    }

    /** Whether link i (layer i → i + 1) exists. */
    private boolean linked(int i) {
        return i >= 0 && i < linkFrom.length && linkFrom[i] != null;
    }

    private void relabel(int i) {
        int[] prev = map[i - 1];
        int[] cur = map[i];
        // weight[group][device]: hops into group (current label) from experts on device of the previous layer
        long[][] weight = new long[devices][devices];
        int[] from = linkFrom[i - 1];
        int[] to = linkTo[i - 1];
        long[] count = linkCount[i - 1];
        for (int k = 0; k < from.length; k++) {
            weight[cur[to[k]]][prev[from[k]]] += count[k];
        }
        long penalty = 0;
        for (long[] w : weight) {
            for (long x : w) {
                penalty += x;
            }
        }
        for (int g = 0; g < devices; g++) {
            for (int d = 0; d < devices; d++) {
                if (capacity[g] != capacity[d]) {
                    weight[g][d] = -penalty - 1;
                }
            }
        }
        int[] label = Assignment.maximize(weight);
        for (int b = 0; b < experts; b++) {
            cur[b] = label[cur[b]];
        }
    }

    /** Pairwise swaps within layer i that add same-device hops; whether any was made. */
    private boolean swaps(int i) {
        long[][] gain = gain(i);
        int[] m = map[i];
        long[] l = load[i];
        long[] dev = Placements.deviceLoads(l, m, devices);
        boolean any = false;
        boolean improved = true;
        while (improved) {
            improved = false;
            for (int b1 = 0; b1 < experts; b1++) {
                for (int b2 = b1 + 1; b2 < experts; b2++) {
                    int d1 = m[b1];
                    int d2 = m[b2];
                    if (d1 == d2) {
                        continue;
                    }
                    long delta = gain[b1][d2] + gain[b2][d1] - gain[b1][d1] - gain[b2][d2];
                    if (delta <= 0) {
                        continue;
                    }
                    long n1 = dev[d1] - l[b1] + l[b2];
                    long n2 = dev[d2] - l[b2] + l[b1];
                    if ((n1 > bound[i] && n1 > dev[d1]) || (n2 > bound[i] && n2 > dev[d2])) {
                        continue;
                    }
                    m[b1] = d2;
                    m[b2] = d1;
                    dev[d1] = n1;
                    dev[d2] = n2;
                    improved = true;
                    any = true;
                }
            }
        }
        return any;
    }

    /** gain[b][d]: hops into b from the previous layer's experts on d plus hops out of b to the next's on d. */
    private long[][] gain(int i) {
        long[][] g = new long[experts][devices];
        if (linked(i - 1)) {
            int[] prev = map[i - 1];
            int[] from = linkFrom[i - 1];
            int[] to = linkTo[i - 1];
            long[] count = linkCount[i - 1];
            for (int k = 0; k < from.length; k++) {
                g[to[k]][prev[from[k]]] += count[k];
            }
        }
        if (linked(i) && i + 1 < layers) {
            int[] next = map[i + 1];
            int[] from = linkFrom[i];
            int[] to = linkTo[i];
            long[] count = linkCount[i];
            for (int k = 0; k < from.length; k++) {
                g[from[k]][next[to[k]]] += count[k];
            }
        }
        return g;
    }
}
