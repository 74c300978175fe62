package dev.runlaw.math.routing;

import java.util.Arrays;

/**
 * Exact counts keyed by an ordered pair of expert ids (co-selection pairs, layer-to-layer transitions): a dense
 * square array while every id is below {@link #DENSE_LIMIT} (the common case, one array increment per pair), a
 * sparse {@link LongCounter} once a larger id appears. Visits are always in ascending (a, b) order.
 */
final class PairCounter {
    /** Ids below this are counted densely (256² longs = 512 KiB at most per counter). */
    static final int DENSE_LIMIT = 256;

    private int cap;
    private long[] dense = new long[0];
    private LongCounter sparse;

    void add(int a, int b, long n) {
        if (sparse == null) {
            int m = Math.max(a, b);
            if (m < cap) {
                dense[a * cap + b] += n;
                return;
            }
            if (m < DENSE_LIMIT) {
                grow(m + 1);
                dense[a * cap + b] += n;
                return;
            }
            toSparse();
        }
        sparse.add(LongCounter.key(a, b), n);
    }

    long get(int a, int b) {
        if (sparse != null) {
            return sparse.get(LongCounter.key(a, b));
        }
        return a < cap && b < cap ? dense[a * cap + b] : 0;
    }

    /** Visits every non-zero count in ascending (a, b) order. */
    void forEach(RoutingCounts.PairVisitor v) {
        if (sparse != null) {
            for (long k : sparse.sortedKeys()) {
                v.accept(LongCounter.first(k), LongCounter.second(k), sparse.get(k));
            }
            return;
        }
        for (int a = 0; a < cap; a++) {
            for (int b = 0; b < cap; b++) {
                long c = dense[a * cap + b];
                if (c != 0) {
                    v.accept(a, b, c);
                }
            }
        }
    }

    /** Non-zero entries. */
    int size() {
        if (sparse != null) {
            return sparse.size();
        }
        int n = 0;
        for (long c : dense) {
            if (c != 0) {
                n++;
            }
        }
        return n;
    }

    void addAll(PairCounter o) {
        o.forEach(this::add);
    }

    private void grow(int need) {
        int n = Math.min(DENSE_LIMIT, Math.max(need, Math.max(8, cap * 2)));
        long[] d = new long[n * n];
        for (int a = 0; a < cap; a++) {
            System.arraycopy(dense, a * cap, d, a * n, cap);
        }
        dense = d;
        cap = n;
    }

    private void toSparse() {
        LongCounter s = new LongCounter(Math.max(16, size()));
        for (int a = 0; a < cap; a++) {
            for (int b = 0; b < cap; b++) {
                if (dense[a * cap + b] != 0) {
                    s.add(LongCounter.key(a, b), dense[a * cap + b]);
                }
            }
        }
        sparse = s;
        dense = new long[0];
        cap = 0;
    }
}
