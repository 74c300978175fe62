package dev.runlaw.math.routing;

import java.util.Arrays;
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
 * terms are the loads, the pair terms the co-selection counts; the terms of three or more ids come from the counts
 * of the distinct sets of three or more ids, enumerating each subset once, from its smallest id (all subsets with
 * smallest id x are counted together and forgotten before the next x, which bounds memory).
 *
 * <p>The numerator is a count of ordered record pairs in {@code long}: intermediate sums may wrap, but
 * two's-complement addition is exact modulo 2^64 and the true value lies in [0, n²], so the result is exact for n
 * up to 3·10^9 records per layer. Cost: 2^k subsets per distinct set of k ids; above {@link #MAX_SUBSETS} the term
 * is not computed (null).
 */
final class ChanceTerm {
    /** Subsets of three or more ids enumerated at most per layer; beyond, the chance term is null. */
    static final long MAX_SUBSETS = 4_000_000_000L;

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
        lc.pairs.forEach((a, b, c) -> pairSquares[0] += c * c);
        intersecting -= pairSquares[0];
        if (lc.bigSets.size() > 0) {
            Long higher = higherOrder(lc.bigSets);
            if (higher == null) {
                return null;
            }
            intersecting += higher;
        }
        return (double) intersecting / ((double) n * (double) n);
    }

    /** Σ over subsets S of three or more ids of (−1)^{|S|+1} c_S². */
    static Long higherOrder(SetCounter sets) {
        int m = sets.size();
        int maxId = 0;
        int maxLen = 0;
        long cost = 0;
        for (int i = 0; i < m; i++) {
            int len = sets.length(i);
            maxLen = Math.max(maxLen, len);
            maxId = Math.max(maxId, sets.id(i, len - 1));
            if (len >= 40) {
                return null;
            }
            cost += (1L << len) - 1 - len - (long) len * (len - 1) / 2;
            if (cost > MAX_SUBSETS) {
                return null;
            }
        }
        // Partition (set, position of its smallest subset id) by that id, as compressed rows.
        int[] rowStart = new int[maxId + 2];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j + 2 < sets.length(i); j++) {
                rowStart[sets.id(i, j) + 1]++;
            }
        }
        for (int x = 0; x <= maxId; x++) {
            rowStart[x + 1] += rowStart[x];
        }
        int[] fill = Arrays.copyOf(rowStart, rowStart.length);
        int[] rowSet = new int[rowStart[maxId + 1]];
        int[] rowPos = new int[rowSet.length];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j + 2 < sets.length(i); j++) {
                int x = sets.id(i, j);
                rowSet[fill[x]] = i;
                rowPos[fill[x]++] = j;
            }
        }
        int bits = Math.max(1, 32 - Integer.numberOfLeadingZeros(maxId));
        boolean packed = (long) (maxLen - 1) * bits <= 63;
        long sum = 0;
        for (int x = 0; x <= maxId; x++) {
            if (rowStart[x] < rowStart[x + 1]) {
                sum += packed ? partitionPacked(sets, rowSet, rowPos, rowStart[x], rowStart[x + 1], bits)
                        : partitionGeneral(sets, rowSet, rowPos, rowStart[x], rowStart[x + 1]);
            }
        }
        return sum;
    }

    /** Subsets {x} ∪ T (T ≥ 2 larger ids of a set holding x) keyed by T's ids packed {@code bits} apiece. */
    private static long partitionPacked(SetCounter sets, int[] rowSet, int[] rowPos, int from, int to, int bits) {
        long expected = 0;
        for (int r = from; r < to; r++) {
            int rest = sets.length(rowSet[r]) - rowPos[r] - 1;
            expected += (1L << rest) - 1 - rest;
        }
        LongCounter c = new LongCounter((int) Math.min(expected, 1 << 26));
        for (int r = from; r < to; r++) {
            int s = rowSet[r];
            int first = rowPos[r] + 1;
            int rest = sets.length(s) - first;
            long count = sets.count(s);
            for (int mask = 1; mask < (1 << rest); mask++) {
                if ((mask & (mask - 1)) == 0) {
                    continue; // T needs two ids at least
                }
                long key = 0;
                int shift = 0;
                for (int b = mask; b != 0; b &= b - 1) {
                    key |= (long) sets.id(s, first + Integer.numberOfTrailingZeros(b)) << shift;
                    shift += bits;
                }
                c.add(key, count);
            }
        }
        long[] sum = {0};
        c.forEach((key, n) -> {
            // every packed id is > x >= 0, so non-zero: |T| = number of chunks up to the highest set bit
            int chunks = (63 - Long.numberOfLeadingZeros(key)) / bits + 1;
            int size = chunks + 1;
            sum[0] += (size % 2 == 1) ? n * n : -(n * n);
        });
        return sum[0];
    }

    /** As {@link #partitionPacked} for ids too wide to pack: subsets as array keys. */
    private static long partitionGeneral(SetCounter sets, int[] rowSet, int[] rowPos, int from, int to) {
        Map<IdSet, long[]> c = new HashMap<>();
        for (int r = from; r < to; r++) {
            int s = rowSet[r];
            int first = rowPos[r] + 1;
            int rest = sets.length(s) - first;
            long count = sets.count(s);
            for (long mask = 1; mask < (1L << rest); mask++) {
                if (Long.bitCount(mask) < 2) {
                    continue;
                }
                int[] t = new int[Long.bitCount(mask)];
                int k = 0;
                for (long b = mask; b != 0; b &= b - 1) {
                    t[k++] = sets.id(s, first + Long.numberOfTrailingZeros(b));
                }
                c.computeIfAbsent(new IdSet(t), key -> new long[1])[0] += count;
            }
        }
        long sum = 0;
        for (Map.Entry<IdSet, long[]> e : c.entrySet()) {
            long n = e.getValue()[0];
            int size = e.getKey().ids().length + 1;
            sum += (size % 2 == 1) ? n * n : -(n * n);
        }
        return sum;
    }
}
