package dev.runlaw.jobs.forecast;

/**
 * The per-step bookkeeping of one run in the forecast job, kept as ONE value so that a step costs one state read
 * and one write (with RocksDB each state access is a lookup and a (de)serialisation). A Flink POJO: public fields,
 * no-arg constructor.
 */
public class RunControl {
    /** Measured losses buffered since the last refit. */
    public int pendingPoints;
    /** Steps buffered since the last refit or fold. */
    public int pendingSteps;
    /** Processing time of the registered refit timer, 0 when none. */
    public long refitTimer;
    /** Processing time by which a run-finished run is finished even if its last steps never arrive, 0 when none. */
    public long finishAt;
    /** The step that ends the run (planned_total_steps, or final_step once run-finished was seen), -1 unknown. */
    public long endStep = -1;
    /** The run was finished and published as a reference; later records are ignored. */
    public boolean done;

    public RunControl() {
    }
}
