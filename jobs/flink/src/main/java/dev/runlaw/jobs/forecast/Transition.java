package dev.runlaw.jobs.forecast;

import java.util.Arrays;

/**
 * What one input (a record or a timer) does to one run, fully computed before anything is emitted or saved: the
 * {@link Emission}, then the new state ({@link #commit}) and the timers to move ({@link #timersToDelete()},
 * {@link #timersToRegister()}). The Flink function emits, commits, then moves the timers, in that order.
 *
 * <p>When the computation failed ({@link #failure()} not null), the emission is empty and the state change is only
 * the input's own bookkeeping (a step is buffered, a finish is remembered), so the step is not lost and a later
 * input retries.
 */
public final class Transition {
    private static final long[] NO_TIMERS = new long[3];

    private final RunControl before;
    private final RunControl after;
    private final boolean clearAll;
    private final byte[] tracker;
    private final boolean clearPending;
    private final PendingStep append;
    private final Emission emission;
    private final RuntimeException failure;
    /** Runs after a successful {@link #commit} (keeps the task's tracker cache in step with the state). */
    private Runnable afterCommit;

    private Transition(RunControl before, RunControl after, boolean clearAll, byte[] tracker, boolean clearPending,
                       PendingStep append, Emission emission, RuntimeException failure) {
        this.before = before;
        this.after = after;
        this.clearAll = clearAll;
        this.tracker = tracker;
        this.clearPending = clearPending;
        this.append = append;
        this.emission = emission;
        this.failure = failure;
    }

    /** No change at all (e.g. a record for a run already finished). */
    static Transition none(RunControl before) {
        return new Transition(before, before, false, null, false, null, new Emission(), null);
    }

    /**
     * A change of the run's state.
     *
     * @param tracker      new tracker bytes, null to keep them
     * @param clearPending drop the buffered steps (they are in {@code tracker} now)
     * @param append       a step to buffer (after the clear), or null
     */
    static Transition update(RunControl before, RunControl after, byte[] tracker, boolean clearPending,
                             PendingStep append, Emission emission) {
        return new Transition(before, after, false, tracker, clearPending, append, emission, null);
    }

    /** A failed computation: nothing emitted, only the input's bookkeeping kept. */
    static Transition failed(RunControl before, RunControl after, PendingStep append, RuntimeException failure) {
        return new Transition(before, after, false, null, false, append, new Emission(), failure);
    }

    /**
     * Everything the run holds is dropped once {@code emission} is out; {@code marker}, if not null, is kept
     * alone (a finished run's marker).
     */
    static Transition clear(RunControl before, RunControl marker, Emission emission, RuntimeException failure) {
        return new Transition(before, marker, true, null, true, null, emission, failure);
    }

    /** Also runs {@code action} once {@link #commit} has written the state; returns this. */
    Transition afterCommit(Runnable action) {
        this.afterCommit = action;
        return this;
    }

    /** What to emit, in order; empty after a failure. */
    public Emission emission() {
        return emission;
    }

    /** The failure absorbed while computing, or null (an expired run's record may still be emitted). */
    public RuntimeException failure() {
        return failure;
    }

    /** Whether this transition drops the run's tracker and buffer. */
    public boolean clearsRun() {
        return clearAll;
    }

    /** Writes the new state (call after the emission is out). */
    public void commit(RunStateStore store) throws Exception {
        if (clearAll) {
            store.clear();
            if (after != null) {
                store.control(after);
            }
            runAfterCommit();
            return;
        }
        if (tracker != null) {
            store.tracker(tracker);
        }
        if (clearPending) {
            store.clearPending();
        }
        if (append != null) {
            store.addPending(append);
        }
        if (after != before && after != null) {
            store.control(after);
        }
        runAfterCommit();
    }

    private void runAfterCommit() {
        if (afterCommit != null) {
            afterCommit.run();
        }
    }

    /** Processing-time timers registered before and not wanted after (0 entries are none). */
    public long[] timersToDelete() {
        return minus(timers(before), timers(after));
    }

    /** Processing-time timers wanted after and not registered before. */
    public long[] timersToRegister() {
        return minus(timers(after), timers(before));
    }

    private static long[] timers(RunControl c) {
        return c == null ? NO_TIMERS : c.timers();
    }

    /** The non-zero times of {@code a} absent from {@code b}, distinct (timers of one key are per timestamp). */
    private static long[] minus(long[] a, long[] b) {
        // Plain loops: this runs twice per input (10^4 steps/s at 1,000 runs), where streams showed in the profile.
        long[] out = new long[a.length];
        int n = 0;
        outer:
        for (long t : a) {
            if (t == 0) {
                continue;
            }
            for (long u : b) {
                if (u == t) {
                    continue outer;
                }
            }
            for (int i = 0; i < n; i++) {
                if (out[i] == t) {
                    continue outer;
                }
            }
            out[n++] = t;
        }
        return n == out.length ? out : Arrays.copyOf(out, n);
    }
}
