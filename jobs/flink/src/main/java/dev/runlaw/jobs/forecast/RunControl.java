package dev.runlaw.jobs.forecast;

/**
 * The small per-run values of the forecast job, kept as ONE value so that a step costs one state read and one write
 * (with RocksDB each state access is a lookup and a (de)serialisation). A Flink POJO: public fields, no-arg
 * constructor (Flink's POJO serializer, which lets fields be added later). {@link RunSession} works on a
 * {@link #copy()} and the Flink function saves it only once a record's outputs are out.
 */
public class RunControl {
    /** Measured losses buffered since the last refit (or failed refit attempt). */
    public int pendingPoints;
    /** Steps buffered since the last refit or fold. */
    public int pendingSteps;
    /** Processing time of the refit timer, 0 when none. */
    public long refitTimer;
    /** Processing time by which a run-finished run is finished even if its last steps never arrive, 0 when none. */
    public long finishAt;
    /** Processing time of the idle check, 0 when none; one timer per run, moved on lazily (see RunSession). */
    public long idleTimer;
    /** Processing time of the run's last record. */
    public long lastRecordMs;
    /** The step that ends the run (planned_total_steps, or final_step once run-finished was seen), -1 unknown. */
    public long endStep = -1;
    /**
     * The run was finished and its last forecast and reference are out: everything else is cleared and this marker
     * stays until the idle timeout, so that late records are ignored instead of starting a new session.
     */
    public boolean done;
    /** Failed computations in a row (a refit or a finish): their retries back off. */
    public int failedAttempts;
    /** The run's family id, from RunStarted (null before). */
    public String family;
    /** The last advice decision emitted (null before any). */
    public String lastDecision;
    /** Sequence number of the last advice emitted (0 before any). */
    public int adviceSeq;
    /**
     * The plan, target or family changed after steps were forecast (a RunStarted that lagged the steps): the next
     * refit timer forecasts again even with no new step.
     */
    public boolean replan;
    /**
     * The run's end step arrived before its RunStarted (family unknown): the finish waits for RunStarted, at most
     * until {@link #finishAt}.
     */
    public boolean endReached;
    /**
     * Stamp of the last write of the run's tracker bytes (0: none, or written without a stamp): a decoded tracker in
     * the task's {@link TrackerCache} is used only when it carries this stamp.
     */
    public long trackerStamp;

    public RunControl() {
    }

    /** A field-by-field copy. */
    public RunControl copy() {
        RunControl c = new RunControl();
        c.pendingPoints = pendingPoints;
        c.pendingSteps = pendingSteps;
        c.refitTimer = refitTimer;
        c.finishAt = finishAt;
        c.idleTimer = idleTimer;
        c.lastRecordMs = lastRecordMs;
        c.endStep = endStep;
        c.done = done;
        c.failedAttempts = failedAttempts;
        c.family = family;
        c.lastDecision = lastDecision;
        c.adviceSeq = adviceSeq;
        c.replan = replan;
        c.endReached = endReached;
        c.trackerStamp = trackerStamp;
        return c;
    }

    /** The registered timers' times (0 = none): refit, finish, idle. */
    long[] timers() {
        return new long[] {refitTimer, finishAt, idleTimer};
    }

    /** The family id, "" when unknown. */
    String familyOrEmpty() {
        return family == null ? "" : family;
    }
}
