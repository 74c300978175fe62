package dev.runlaw.math.routing;

import java.util.Arrays;
import java.util.List;

/**
 * One sequence's records sorted by (layer, position), with each route reduced to its distinct ids in ascending
 * order: the walk that turns a sequence into counts ({@link RoutingCounts#addSequence}).
 */
final class SequenceScan {
    private static final int INDEX_BITS = 20;
    private static final int MAX_PACKED_LAYER = (1 << (63 - 31 - INDEX_BITS)) - 1;

    private final int n;
    /** Record indices in (layer, position) order. */
    private final int[] order;
    private final int[] layer;
    private final int[] position;
    /** First listed id of each record (in sorted order), -1 for an empty route. */
    private final int[] first;
    /** Distinct ids of sorted record i: ids[start[i] .. start[i + 1]). */
    private final int[] start;
    private int[] ids;

    SequenceScan(List<TokenRoute> routes) {
        n = routes.size();
        order = sortedOrder(routes);
        layer = new int[n];
        position = new int[n];
        first = new int[n];
        start = new int[n + 1];
        int total = 0;
        for (TokenRoute r : routes) {
            total += r.expertIds().length;
        }
        ids = new int[total];
        int at = 0;
        for (int i = 0; i < n; i++) {
            TokenRoute r = routes.get(order[i]);
            layer[i] = r.layer();
            position[i] = r.tokenPosition();
            int[] e = r.expertIds();
            first[i] = e.length == 0 ? -1 : e[0];
            start[i] = at;
            at = appendDistinct(e, at);
        }
        start[n] = at;
    }

    void addTo(RoutingCounts counts) {
        counts.addTokens(distinctPositions());
        int devices = counts.devices();
        int runStart = 0;
        int prevStart = -1;
        while (runStart < n) {
            int l = layer[runStart];
            int runEnd = runStart;
            while (runEnd < n && layer[runEnd] == l) {
                runEnd++;
            }
            LayerCounts lc = counts.layer(l);
            for (int i = runStart; i < runEnd; i++) {
                lc.addRecord(ids, start[i], start[i + 1] - start[i], position[i] % devices);
            }
            locality(lc, runStart, runEnd);
            if (prevStart >= 0 && layer[prevStart] == l - 1) {
                transitions(counts.layer(l - 1), prevStart, runStart, runEnd);
            }
            prevStart = runStart;
            runStart = runEnd;
        }
    }

    /** Pairs of records at positions p and p + 1 of this layer, and how many share an expert. */
    private void locality(LayerCounts lc, int from, int to) {
        int g = from;
        while (g < to) {
            int gEnd = groupEnd(g, to);
            if (gEnd < to && position[gEnd] == position[g] + 1) {
                int hEnd = groupEnd(gEnd, to);
                lc.localityPairs += (long) (gEnd - g) * (hEnd - gEnd);
                for (int i = g; i < gEnd; i++) {
                    for (int j = gEnd; j < hEnd; j++) {
                        if (intersects(i, j)) {
                            lc.localityHits++;
                        }
                    }
                }
            }
            g = gEnd;
        }
    }

    /** First id at layer l (records [a, b)) → first id at l + 1 (records [b, c)), per token with both non-empty. */
    private void transitions(LayerCounts lc, int a, int b, int c) {
        int i = a;
        int j = b;
        while (i < b && j < c) {
            if (position[i] < position[j]) {
                i = groupEnd(i, b);
            } else if (position[i] > position[j]) {
                j = groupEnd(j, c);
            } else {
                int iEnd = groupEnd(i, b);
                int jEnd = groupEnd(j, c);
                for (int x = i; x < iEnd; x++) {
                    for (int y = j; y < jEnd; y++) {
                        if (first[x] >= 0 && first[y] >= 0) {
                            lc.transitions.add(first[x], first[y], 1);
                        }
                    }
                }
                i = iEnd;
                j = jEnd;
            }
        }
    }

    private int groupEnd(int i, int to) {
        int p = position[i];
        int e = i + 1;
        while (e < to && position[e] == p) {
            e++;
        }
        return e;
    }

    private boolean intersects(int i, int j) {
        int x = start[i];
        int xe = start[i + 1];
        int y = start[j];
        int ye = start[j + 1];
        while (x < xe && y < ye) {
            int d = ids[x] - ids[y];
            if (d == 0) {
                return true;
            }
            if (d < 0) {
                x++;
            } else {
                y++;
            }
        }
        return false;
    }

    private long distinctPositions() {
        int max = 0;
        for (int p : position) {
            max = Math.max(max, p);
        }
        if (max < 4L * n + 64) { // dense positions (the usual 0..L-1): a bitmap instead of a sort
            long[] seen = new long[(max >>> 6) + 1];
            for (int p : position) {
                seen[p >>> 6] |= 1L << p;
            }
            long d = 0;
            for (long w : seen) {
                d += Long.bitCount(w);
            }
            return d;
        }
        int[] p = position.clone();
        Arrays.sort(p);
        long d = 0;
        for (int i = 0; i < n; i++) {
            if (i == 0 || p[i] != p[i - 1]) {
                d++;
            }
        }
        return d;
    }

    /** Appends the distinct ids of {@code e} in ascending order at {@code at}; returns the new end. */
    private int appendDistinct(int[] e, int at) {
        int from = at;
        for (int id : e) {
            int k = at;
            while (k > from && ids[k - 1] > id) {
                k--;
            }
            if (k > from && ids[k - 1] == id) {
                continue;
            }
            System.arraycopy(ids, k, ids, k + 1, at - k);
            ids[k] = id;
            at++;
        }
        return at;
    }

    private static boolean isSorted(List<TokenRoute> routes) {
        TokenRoute prev = null;
        for (TokenRoute r : routes) {
            if (prev != null && (r.layer() < prev.layer()
                    || (r.layer() == prev.layer() && r.tokenPosition() < prev.tokenPosition()))) {
                return false;
            }
            prev = r;
        }
        return true;
    }

    private static int[] sortedOrder(List<TokenRoute> routes) {
        int n = routes.size();
        int[] order = new int[n];
        if (isSorted(routes)) { // trace files list a sequence layer by layer, positions ascending
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            return order;
        }
        boolean packable = n < (1 << INDEX_BITS);
        for (TokenRoute r : routes) {
            packable &= r.layer() <= MAX_PACKED_LAYER;
        }
        if (packable) {
            long[] keys = new long[n];
            for (int i = 0; i < n; i++) {
                TokenRoute r = routes.get(i);
                keys[i] = ((long) r.layer() << (31 + INDEX_BITS)) | ((long) r.tokenPosition() << INDEX_BITS) | i;
            }
            Arrays.sort(keys);
            for (int i = 0; i < n; i++) {
                order[i] = (int) (keys[i] & ((1 << INDEX_BITS) - 1));
            }
            return order;
        }
        Integer[] boxed = new Integer[n];
        for (int i = 0; i < n; i++) {
            boxed[i] = i;
        }
        Arrays.sort(boxed, (x, y) -> {
            TokenRoute a = routes.get(x);
            TokenRoute b = routes.get(y);
            int c = Integer.compare(a.layer(), b.layer());
            return c != 0 ? c : Integer.compare(a.tokenPosition(), b.tokenPosition());
        });
        for (int i = 0; i < n; i++) {
            order[i] = boxed[i];
        }
        return order;
    }
}
