package dev.runlaw.producers;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.ToLongFunction;

/**
 * Each run's most recent events of one topic, numbered by their Kafka offset, with waiters for newer ones: the
 * store behind {@link AdviceSubscriber#alerts} and {@link AdviceSubscriber#batchAdvice}. A run's events share one
 * partition, so offsets increase within a run and serve as a cursor that survives a restart of the subscriber.
 * At most {@code maxRuns} runs are kept (the least recently updated dropped first) and {@code perRun} events per
 * run (the oldest dropped first). Thread-safe.
 *
 * @param <E> the event type, carrying its offset
 */
final class RunEventLog<E> {
    private record Waiter<E>(long after, CompletableFuture<List<E>> future) {
    }

    private final Object lock = new Object();
    private final int perRun;
    private final ToLongFunction<E> offset;
    private final LinkedHashMap<String, ArrayDeque<E>> events;
    private final Map<String, List<Waiter<E>>> waiters = new HashMap<>();

    RunEventLog(int maxRuns, int perRun, ToLongFunction<E> offset) {
        this.perRun = perRun;
        this.offset = offset;
        this.events = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, ArrayDeque<E>> eldest) {
                return size() > maxRuns;
            }
        };
    }

    /** The run's events with an offset above {@code after} (-1: all kept), oldest first. */
    List<E> after(String run, long after) {
        synchronized (lock) {
            return newer(events.get(run), after);
        }
    }

    /** Completes with the run's events newer than {@code after} once there is one; forgotten if it fails. */
    CompletableFuture<List<E>> next(String run, long after) {
        CompletableFuture<List<E>> f = new CompletableFuture<>();
        synchronized (lock) {
            List<E> now = newer(events.get(run), after);
            if (!now.isEmpty()) {
                f.complete(now);
                return f;
            }
            waiters.computeIfAbsent(run, k -> new ArrayList<>()).add(new Waiter<>(after, f));
        }
        f.whenComplete((a, e) -> {
            if (e != null) {
                synchronized (lock) {
                    List<Waiter<E>> w = waiters.get(run);
                    if (w != null) {
                        w.removeIf(x -> x.future == f);
                        if (w.isEmpty()) {
                            waiters.remove(run);
                        }
                    }
                }
            }
        });
        return f;
    }

    /**
     * Adds an event read from Kafka and completes the run's waiters.
     *
     * @return false when it was already held (read again after a re-assignment), so listeners are not told twice
     */
    boolean add(String run, E e) {
        List<Waiter<E>> ready;
        List<E> snapshot;
        synchronized (lock) {
            ArrayDeque<E> list = events.remove(run); // re-insert: least recently updated runs go first
            if (list == null) {
                list = new ArrayDeque<>();
            }
            events.put(run, list);
            if (!list.isEmpty() && offset.applyAsLong(list.peekLast()) >= offset.applyAsLong(e)) {
                return false;
            }
            list.addLast(e);
            while (list.size() > perRun) {
                list.removeFirst();
            }
            snapshot = List.copyOf(list);
            ready = waiters.remove(run);
        }
        if (ready != null) {
            for (Waiter<E> w : ready) {
                w.future.complete(newer(snapshot, w.after));
            }
        }
        return true;
    }

    /** Cancels every pending waiter (the subscriber is closing). */
    void cancelWaiters() {
        List<Waiter<E>> pending = new ArrayList<>();
        synchronized (lock) {
            waiters.values().forEach(pending::addAll);
            waiters.clear();
        }
        // Cancelled outside the lock and the map: a cancelled future's own clean-up (see next) runs on this thread
        // and edits the waiter lists, which threw ConcurrentModificationException while they were iterated.
        pending.forEach(w -> w.future.cancel(false));
    }

    private List<E> newer(Iterable<E> list, long after) {
        List<E> out = new ArrayList<>();
        if (list != null) {
            for (E e : list) {
                if (offset.applyAsLong(e) > after) {
                    out.add(e);
                }
            }
        }
        return out;
    }
}
