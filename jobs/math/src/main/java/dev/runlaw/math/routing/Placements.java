package dev.runlaw.math.routing;

import java.util.Arrays;

/**
 * Expert → device maps: contiguous, load-balanced (DeepSeek's EPLB balanced packing), EPLB-style replication of hot
 * experts, and the affinity-aware map over consecutive layers (ExFlow, Lina).
 *
 * <p>Device capacities: every map puts on device d exactly as many experts as the contiguous map does, i.e. the
 * experts e with ⌊e·N/E⌋ = d: E/N each when N divides E (the maps only ever move experts, never change how many a
 * device holds).
 */
public final class Placements {
    private Placements() {
    }

    /** Expert e on device ⌊e·N/E⌋. */
    public static int[] contiguous(int experts, int devices) {
        check(experts, devices);
        int[] map = new int[experts];
        for (int e = 0; e < experts; e++) {
            map[e] = (int) ((long) e * devices / experts);
        }
        return map;
    }

    /** Experts per device under {@link #contiguous}: the capacity of device d in every map. */
    public static int[] capacities(int experts, int devices) {
        int[] cap = new int[devices];
        for (int d : contiguous(experts, devices)) {
            cap[d]++;
        }
        return cap;
    }

    /**
     * EPLB's balanced packing (DeepSeek, {@code eplb.balanced_packing}): experts heaviest first (equal loads: lower
     * id first), each onto the device with the smallest summed load among those not yet full (equal: lowest device
     * index). Index = expert id, value = device.
     */
    public static int[] balanced(long[] load, int devices) {
        double[] w = new double[load.length];
        for (int e = 0; e < load.length; e++) {
            w[e] = load[e];
        }
        return pack(w, devices);
    }

    /**
     * EPLB-style replication: {@code spare} extra slots go one at a time to the expert with the highest load per
     * replica (equal: lower id), then the E + R replicas, each carrying its expert's load / replicas, are packed
     * with {@link #balanced}'s rule onto the devices ((E + R)/N slots each, contiguous capacities as above).
     */
    public static ReplicatedPlacement replicated(long[] load, int devices, int spare) {
        if (spare < 0) {
            throw new IllegalArgumentException("spare slots must be >= 0, got " + spare);
        }
        int experts = load.length;
        int[] replicas = new int[experts];
        Arrays.fill(replicas, 1);
        int[] slotExpert = new int[experts + spare];
        for (int e = 0; e < experts; e++) {
            slotExpert[e] = e;
        }
        for (int s = experts; s < experts + spare; s++) {
            int best = 0;
            for (int e = 1; e < experts; e++) {
                if (ratioGreater(load[e], replicas[e], load[best], replicas[best])) {
                    best = e;
                }
            }
            replicas[best]++;
            slotExpert[s] = best;
        }
        double[] w = new double[experts + spare];
        for (int s = 0; s < w.length; s++) {
            w[s] = (double) load[slotExpert[s]] / replicas[slotExpert[s]];
        }
        return new ReplicatedPlacement(slotExpert, pack(w, devices), replicas);
    }

    /**
     * The affinity-aware map over consecutive layers: device balance per layer within 0.01 (max/mean) of EPLB's,
     * and as many layer-to-layer hops as it can kept on one device ({@link AffinityPlacement}).
     *
     * @param load        load[i][e] of the i-th layer, all of one length E
     * @param transitions transitions[i][a][b] = hops from expert a at layer i to expert b at layer i + 1 (E × E;
     *                    null or missing when layer i + 1 is not the next layer id)
     * @return map[i][e] = device
     */
    public static int[][] optimized(long[][] load, long[][][] transitions, int devices) {
        return new AffinityPlacement(load, transitions, devices).solve();
    }

    /** Device loads of a map: Σ load[e] over the experts on each device. */
    public static long[] deviceLoads(long[] load, int[] map, int devices) {
        long[] d = new long[devices];
        for (int e = 0; e < load.length; e++) {
            d[map[e]] += load[e];
        }
        return d;
    }

    /** max / mean of the device loads of a map; NaN when the layer has no load. */
    public static double maxOverMean(long[] load, int[] map, int devices) {
        long[] d = deviceLoads(load, map, devices);
        long max = 0;
        long sum = 0;
        for (long x : d) {
            max = Math.max(max, x);
            sum += x;
        }
        return sum == 0 ? Double.NaN : (double) max * devices / (double) sum;
    }

    static int[] pack(double[] weight, int devices) {
        int items = weight.length;
        check(items, devices);
        Integer[] order = new Integer[items];
        for (int i = 0; i < items; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> {
            int c = Double.compare(weight[b], weight[a]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        int[] cap = capacities(items, devices);
        double[] packWeight = new double[devices];
        int[] packItems = new int[devices];
        int[] map = new int[items];
        for (int item : order) {
            int best = -1;
            for (int d = 0; d < devices; d++) {
                if (packItems[d] < cap[d] && (best < 0 || packWeight[d] < packWeight[best])) {
                    best = d;
                }
            }
            map[item] = best;
            packWeight[best] += weight[item];
            packItems[best]++;
        }
        return map;
    }

    /** a / ca &gt; b / cb, exactly (128-bit products). */
    private static boolean ratioGreater(long a, long ca, long b, long cb) {
        long hi1 = Math.multiplyHigh(a, cb);
        long hi2 = Math.multiplyHigh(b, ca);
        if (hi1 != hi2) {
            return hi1 > hi2;
        }
        return Long.compareUnsigned(a * cb, b * ca) > 0;
    }

    private static void check(int experts, int devices) {
        if (devices < 1 || experts < devices) {
            throw new IllegalArgumentException("need 1 <= devices <= experts, got " + devices + " devices for "
                    + experts + " experts");
        }
    }
}
