package dev.runlaw.jobs.forecast;

/**
 * Where one run's forecast state lives between inputs: Flink keyed state in the job ({@link RunForecastFunction}),
 * a few fields in tests. Reads happen while a {@link RunSession} computes; writes only in
 * {@link Transition#commit}, after the outputs are out. Exceptions are the store's own (state backend) failures:
 * they fail the task, which then restores from its last checkpoint.
 */
public interface RunStateStore {
    /** The run's {@code RunTracker} bytes, or null. */
    byte[] tracker() throws Exception;

    void tracker(byte[] bytes) throws Exception;

    /** The run's small values, or null for a run not seen (or cleared). */
    RunControl control() throws Exception;

    void control(RunControl control) throws Exception;

    /** Steps buffered since the last refit, in arrival order. */
    Iterable<PendingStep> pending() throws Exception;

    void addPending(PendingStep step) throws Exception;

    void clearPending() throws Exception;

    /** Drops everything the run holds. */
    void clear() throws Exception;
}
