package dev.runlaw.math.routing;

import java.util.Arrays;

/**
 * Exact counts of distinct id sets (routes of three or more distinct ids, ascending), held flat: the ids of set i
 * are {@code ids[start[i] .. start[i + 1])}, found through an open-addressing table on their content, so counting
 * a route allocates nothing.
 */
final class SetCounter {
    private int[] ids = new int[64];
    private int[] start = new int[17];
    private long[] count = new long[16];
    private int sets;
    private int[] table = new int[32]; // set index + 1, 0 = empty
    private int mask = 31;

    /** Adds {@code n} to the set {@code a[from .. from + len)} (ascending, distinct). */
    void add(int[] a, int from, int len, long n) {
        int h = hash(a, from, len);
        int slot = h & mask;
        while (true) {
            int s = table[slot];
            if (s == 0) {
                break;
            }
            if (equal(s - 1, a, from, len)) {
                count[s - 1] += n;
                return;
            }
            slot = (slot + 1) & mask;
        }
        append(a, from, len, n);
        table[slot] = sets;
        if (sets * 2 > table.length) {
            rehash();
        }
    }

    int size() {
        return sets;
    }

    int length(int i) {
        return start[i + 1] - start[i];
    }

    int id(int i, int j) {
        return ids[start[i] + j];
    }

    long count(int i) {
        return count[i];
    }

    /** The ids of set i (a copy). */
    int[] set(int i) {
        return Arrays.copyOfRange(ids, start[i], start[i + 1]);
    }

    void addAll(SetCounter o) {
        for (int i = 0; i < o.sets; i++) {
            add(o.ids, o.start[i], o.length(i), o.count[i]);
        }
    }

    /** Set indices in lexicographic order of their ids (for bytes that do not depend on insertion order). */
    int[] sortedOrder() {
        Integer[] order = new Integer[sets];
        for (int i = 0; i < sets; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Arrays.compare(ids, start[x], start[x + 1], ids, start[y], start[y + 1]));
        int[] out = new int[sets];
        for (int i = 0; i < sets; i++) {
            out[i] = order[i];
        }
        return out;
    }

    private void append(int[] a, int from, int len, long n) {
        int end = start[sets];
        if (end + len > ids.length) {
            ids = Arrays.copyOf(ids, Math.max(ids.length * 2, end + len));
        }
        System.arraycopy(a, from, ids, end, len);
        if (sets + 2 > start.length || sets >= count.length) {
            start = Arrays.copyOf(start, start.length * 2);
            count = Arrays.copyOf(count, start.length);
        }
        count[sets] = n;
        sets++;
        start[sets] = end + len;
    }

    private boolean equal(int s, int[] a, int from, int len) {
        if (length(s) != len) {
            return false;
        }
        int o = start[s];
        for (int k = 0; k < len; k++) {
            if (ids[o + k] != a[from + k]) {
                return false;
            }
        }
        return true;
    }

    private static int hash(int[] a, int from, int len) {
        int h = len;
        for (int k = from; k < from + len; k++) {
            h = h * 0x9E3779B1 + a[k];
        }
        return h ^ (h >>> 15);
    }

    private void rehash() {
        table = new int[table.length * 2];
        mask = table.length - 1;
        for (int s = 0; s < sets; s++) {
            int slot = hash(ids, start[s], length(s)) & mask;
            while (table[slot] != 0) {
                slot = (slot + 1) & mask;
            }
            table[slot] = s + 1;
        }
    }
}
