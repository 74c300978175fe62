package dev.runlaw.jobs.forecast;

import dev.runlaw.math.live.RunTracker;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A per-task cache of decoded {@link RunTracker}s, so that a refit neither reads the tracker's bytes from the state
 * backend (about 20 KB per run: with RocksDB a lookup and a copy) nor decodes them (and rebuilds the planned
 * schedule). Flink state stays the truth: the bytes are still written at every change, and an entry is used only
 * when it is provably the object those bytes were made from.
 *
 * <p><b>Why it can never serve stale state.</b> Every write of a run's tracker bytes gets a fresh {@linkplain
 * #nextStamp() stamp}, saved in the same commit in the run's {@link RunControl#trackerStamp}; the entry is stored
 * under that stamp. A lookup ({@link #take}) returns the tracker only when the run's current control value carries
 * the entry's stamp. Stamps start at a random 64-bit value per cache instance and count up, so a stamp of another
 * task instance (restored state, a rescale, a restart with the same function object) does not match; and a cache
 * is created in {@code open()}, i.e. empty after every restore. {@link #take} removes the entry: a computation that
 * fails after mutating the tracker leaves no entry behind, and the next input decodes the saved bytes.
 *
 * <p>Bounded: at most {@code capacity} runs, the least recently used evicted first (an evicted run decodes its
 * bytes at its next refit, as without the cache). Capacity 0 disables it ({@link #NONE}). Not thread-safe: one per
 * operator instance, used from its task thread only.
 */
public final class TrackerCache {
    /** No caching: every input decodes the run's bytes. */
    public static final TrackerCache NONE = new TrackerCache(0);

    private final int capacity;
    private final Map<String, Entry> entries;
    private long stamp;
    private long hits;
    private long misses;

    private record Entry(long stamp, RunTracker tracker) {
    }

    /** A cache of at most {@code capacity} runs' trackers (0: none kept). */
    public TrackerCache(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity must be >= 0, got " + capacity);
        }
        this.capacity = capacity;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                return size() > TrackerCache.this.capacity;
            }
        };
        this.stamp = ThreadLocalRandom.current().nextLong();
    }

    /** A stamp for a new write of a run's tracker bytes; never 0 (0 = "no stamp"), always 0 when disabled. */
    public long nextStamp() {
        if (capacity == 0) {
            return 0;
        }
        stamp++;
        if (stamp == 0) {
            stamp++;
        }
        return stamp;
    }

    /**
     * The decoded tracker of {@code runId} if it is the one whose bytes carry {@code currentStamp} (the run's
     * {@link RunControl#trackerStamp}), else null. Removes the entry either way: the caller owns the object now and
     * puts it back ({@link #put}) with the stamp of the bytes it commits.
     */
    public RunTracker take(String runId, long currentStamp) {
        if (capacity == 0) {
            return null;
        }
        Entry e = entries.remove(runId);
        if (e != null && currentStamp != 0 && e.stamp() == currentStamp) {
            hits++;
            return e.tracker();
        }
        misses++;
        return null;
    }

    /** Keeps {@code tracker} as the decoded form of {@code runId}'s bytes saved under {@code stamp}. */
    public void put(String runId, long stamp, RunTracker tracker) {
        if (capacity > 0 && stamp != 0) {
            entries.put(runId, new Entry(stamp, tracker));
        }
    }

    /** Forgets {@code runId} (its state was cleared). */
    public void evict(String runId) {
        entries.remove(runId);
    }

    /** Runs cached now. */
    public int size() {
        return entries.size();
    }

    /** Lookups answered from the cache. */
    public long hits() {
        return hits;
    }

    /** Lookups that had to decode (no entry, or a stale stamp). */
    public long misses() {
        return misses;
    }

    /** The most runs kept. */
    public int capacity() {
        return capacity;
    }
}
