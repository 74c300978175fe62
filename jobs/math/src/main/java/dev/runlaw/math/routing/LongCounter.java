package dev.runlaw.math.routing;

import java.util.Arrays;

/**
 * Exact counts keyed by a {@code long} (an expert pair or transition packed as {@code a << 32 | b}): open
 * addressing with linear probing, no boxing, because the routing counts increment one of these per record.
 * Not thread-safe.
 */
final class LongCounter {
    private static final long EMPTY = Long.MIN_VALUE;

    private long[] keys;
    private long[] values;
    private int size;
    private int mask;

    LongCounter() {
        this(16);
    }

    LongCounter(int expected) {
        int cap = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
        keys = new long[cap];
        Arrays.fill(keys, EMPTY);
        values = new long[cap];
        mask = cap - 1;
    }

    static long key(int a, int b) {
        return ((long) a << 32) | (b & 0xffffffffL);
    }

    static int first(long key) {
        return (int) (key >>> 32);
    }

    static int second(long key) {
        return (int) key;
    }

    /** Adds {@code n} to the count of {@code key} ({@code key} must not be {@link Long#MIN_VALUE}). */
    void add(long key, long n) {
        int i = slot(key);
        while (true) {
            long k = keys[i];
            if (k == key) {
                values[i] += n;
                return;
            }
            if (k == EMPTY) {
                keys[i] = key;
                values[i] = n;
                if (++size * 2 > keys.length) {
                    grow();
                }
                return;
            }
            i = (i + 1) & mask;
        }
    }

    long get(long key) {
        int i = slot(key);
        while (true) {
            long k = keys[i];
            if (k == key) {
                return values[i];
            }
            if (k == EMPTY) {
                return 0;
            }
            i = (i + 1) & mask;
        }
    }

    int size() {
        return size;
    }

    /** Visits every (key, count); the order is unspecified. */
    void forEach(Entry visitor) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != EMPTY) {
                visitor.accept(keys[i], values[i]);
            }
        }
    }

    /** The keys in ascending order (serialisation and ties need a fixed order). */
    long[] sortedKeys() {
        long[] out = new long[size];
        int n = 0;
        for (long k : keys) {
            if (k != EMPTY) {
                out[n++] = k;
            }
        }
        Arrays.sort(out);
        return out;
    }

    void addAll(LongCounter other) {
        other.forEach(this::add);
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }

    private void grow() {
        long[] oldKeys = keys;
        long[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        Arrays.fill(keys, EMPTY);
        values = new long[oldKeys.length * 2];
        mask = keys.length - 1;
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY) {
                add(oldKeys[i], oldValues[i]);
            }
        }
    }

    /** Receives one entry. */
    interface Entry {
        void accept(long key, long count);
    }
}
