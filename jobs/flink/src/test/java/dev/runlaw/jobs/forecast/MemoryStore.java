package dev.runlaw.jobs.forecast;

import java.util.ArrayList;
import java.util.List;

/** One run's state in fields, for testing {@link RunSession} without Flink. */
final class MemoryStore implements RunStateStore {
    byte[] tracker;
    RunControl control;
    final List<PendingStep> pending = new ArrayList<>();

    @Override
    public byte[] tracker() {
        return tracker;
    }

    @Override
    public void tracker(byte[] bytes) {
        tracker = bytes;
    }

    @Override
    public RunControl control() {
        return control == null ? null : control.copy();
    }

    @Override
    public void control(RunControl c) {
        control = c.copy();
    }

    @Override
    public Iterable<PendingStep> pending() {
        return List.copyOf(pending);
    }

    @Override
    public void addPending(PendingStep step) {
        pending.add(step);
    }

    @Override
    public void clearPending() {
        pending.clear();
    }

    @Override
    public void clear() {
        tracker = null;
        control = null;
        pending.clear();
    }

    /** Steps buffered, by step number. */
    List<Long> pendingSteps() {
        return pending.stream().map(p -> p.step).toList();
    }
}
