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
        this(columns(routes));
    }

    private SequenceScan(Columns c) {
        this(c.positions, c.layers, c.idEnds, c.ids);
    }

    /**
     * One sequence in columns: record i is at {@code positions[i]}, {@code layers[i]}, with ids
     * {@code ids[idEnds[i - 1] .. idEnds[i])} ({@code idEnds[-1]} = 0), as listed. Checked by the caller.
     */
    SequenceScan(int[] positions, int[] layers, int[] idEnds, int[] routeIds) {
        n = positions.length;
        order = sortedOrder(positions, layers);
        layer = new int[n];
        position = new int[n];
        first = new int[n];
        start = new int[n + 1];
        ids = new int[n == 0 ? 0 : idEnds[n - 1]];
        int at = 0;
        for (int i = 0; i < n; i++) {
            int r = order[i];
            layer[i] = layers[r];
            position[i] = positions[r];
            int from = r == 0 ? 0 : idEnds[r - 1];
            int to = idEnds[r];
            first[i] = to == from ? -1 : routeIds[from];
            start[i] = at;
            at = appendDistinct(routeIds, from, to, at);
        }
        start[n] = at;
    }

    /** A list of routes as columns. */
    private record Columns(int[] positions, int[] layers, int[] idEnds, int[] ids) {
    }

    private static Columns columns(List<TokenRoute> routes) {
        int n = routes.size();
        int[] positions = new int[n];
        int[] layers = new int[n];
        int[] idEnds = new int[n];
        int total = 0;
        for (TokenRoute r : routes) {
            total += r.expertIds().length;
        }
        int[] ids = new int[total];
        int at = 0;
        for (int i = 0; i < n; i++) {
            TokenRoute r = routes.get(i);
            positions[i] = r.tokenPosition();
            layers[i] = r.layer();
            int[] e = r.expertIds();
            System.arraycopy(e, 0, ids, at, e.length);
            at += e.length;
            idEnds[i] = at;
        }
        return new Columns(positions, layers, idEnds, ids);
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

    /** Appends the distinct ids of {@code e[from .. to)} in ascending order at {@code at}; returns the new end. */
    private int appendDistinct(int[] e, int from, int to, int at) {
        int base = at;
        for (int x = from; x < to; x++) {
            int id = e[x];
            int k = at;
            while (k > base && ids[k - 1] > id) {
                k--;
            }
            if (k > base && ids[k - 1] == id) {
                continue;
            }
            System.arraycopy(ids, k, ids, k + 1, at - k);
            ids[k] = id;
            at++;
        }
        return at;
    }

    private static boolean isSorted(int[] positions, int[] layers) {
        for (int i = 1; i < positions.length; i++) {
            if (layers[i] < layers[i - 1] || (layers[i] == layers[i - 1] && positions[i] < positions[i - 1])) {
                return false;
            }
        }
        return true;
    }

    private static int[] sortedOrder(int[] positions, int[] layers) {
        int n = positions.length;
        int[] order = new int[n];
        if (isSorted(positions, layers)) { // trace files list a sequence layer by layer, positions ascending
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            return order;
        }
        boolean packable = n < (1 << INDEX_BITS);
        for (int l : layers) {
            packable &= l <= MAX_PACKED_LAYER;
        }
        if (packable) {
            long[] keys = new long[n];
            for (int i = 0; i < n; i++) {
                keys[i] = ((long) layers[i] << (31 + INDEX_BITS)) | ((long) positions[i] << INDEX_BITS) | i;
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
            int c = Integer.compare(layers[x], layers[y]);
            return c != 0 ? c : Integer.compare(positions[x], positions[y]);
        });
        for (int i = 0; i < n; i++) {
            order[i] = boxed[i];
        }
        return order;
    }
}
