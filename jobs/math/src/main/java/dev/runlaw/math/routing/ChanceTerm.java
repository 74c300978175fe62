package dev.runlaw.math.routing;

import java.util.HashMap;
import java.util.Map;

/**
 * The exact probability that two records drawn independently, with replacement, from a layer's records have
 * intersecting expert-id sets, by inclusion–exclusion over id subsets S:
 * <pre>
 *   P = Σ_{S ≠ ∅} (−1)^{|S|+1} c_S² / n²
 * </pre>
 * with {@code c_S} the records whose set contains S and n the layer's records (empty routes included; they
 * intersect nothing). For top-1 routes only singletons occur and P = Σ_e q_e², q_e = load[e] / n. The singleton
 * terms are the loads, the pair terms the co-selection counts, and the terms of three or more ids come from the
 * counts of every distinct set of three or more ids. The numerator is a count of ordered record pairs, computed in
 * {@code long}: intermediate sums may wrap, but two's-complement addition is exact modulo 2^64 and the true value
 * lies in [0, n²], so the result is exact for n up to 3·10^9 records per layer.
 */
final class ChanceTerm {
    /** Subset terms enumerated at most; beyond this the chance term is not computed (null). */
    static final long MAX_SUBSETS = 400_000_000L;

    private ChanceTerm() {
    }

    /** The chance of intersection at this layer, or null with no records or when too many subsets. */
    static Double of(LayerCounts lc) {
        long n = lc.records;
        if (n == 0) {
            return null;
        }
        long intersecting = 0;
        for (long c : lc.load) {
            intersecting += c * c;
        }
        long[] pairSquares = {0};
        lc.pairs.forEach((k, c) -> pairSquares[0] += c * c);
        intersecting -= pairSquares[0];
        if (!lc.bigSets.isEmpty()) {
            Long higher = higherOrder(lc.bigSets);
            if (higher == null) {
                return null;
            }
            intersecting += higher;
        }
        return (double) intersecting / ((double) n * (double) n);
    }

    /** Σ over subsets S of three or more ids of (−1)^{|S|+1} c_S², level by level to bound memory. */
    private static Long higherOrder(Map<IdSet, long[]> sets) {
        int maxSize = 0;
        long cost = 0;
        for (IdSet s : sets.keySet()) {
            int k = s.ids().length;
            maxSize = Math.max(maxSize, k);
            cost += k >= 62 ? Long.MAX_VALUE / 4 : (1L << k);
            if (cost > MAX_SUBSETS) {
                return null;
            }
        }
        long sum = 0;
        for (int size = 3; size <= maxSize; size++) {
            Map<IdSet, long[]> level = new HashMap<>();
            int[] pick = new int[size];
            for (Map.Entry<IdSet, long[]> t : sets.entrySet()) {
                int[] ids = t.getKey().ids();
                if (ids.length >= size) {
                    subsets(ids, size, 0, 0, pick, t.getValue()[0], level);
                }
            }
            long squares = 0;
            for (long[] c : level.values()) {
                squares += c[0] * c[0];
            }
            sum += (size % 2 == 1) ? squares : -squares;
        }
        return sum;
    }

    private static void subsets(int[] ids, int size, int from, int depth, int[] pick, long count,
                                Map<IdSet, long[]> level) {
        if (depth == size) {
            level.computeIfAbsent(new IdSet(pick.clone()), k -> new long[1])[0] += count;
            return;
        }
        for (int i = from; i <= ids.length - (size - depth); i++) {
            pick[depth] = ids[i];
            subsets(ids, size, i + 1, depth + 1, pick, count, level);
        }
    }
}
