package dev.runlaw.jobs.forecast;

/**
 * One step of a run buffered in Flink list state between refits (a Flink POJO: public fields, no-arg constructor,
 * so the state is serialized compactly and survives rescaling).
 */
public class PendingStep {
    public long step;
    public double lr;
    /** The measured loss, NaN when not measured at this step. */
    public double loss;
    /** The step record had a NaN or infinite loss (refused upstream); counted in the run's status. */
    public boolean nonFiniteLoss;
    public long wallTimeMs;

    public PendingStep() {
    }

    public PendingStep(long step, double lr, double loss, boolean nonFiniteLoss, long wallTimeMs) {
        this.step = step;
        this.lr = lr;
        this.loss = loss;
        this.nonFiniteLoss = nonFiniteLoss;
        this.wallTimeMs = wallTimeMs;
    }
}
