package dev.runlaw.math.anomaly;

/**
 * One optimizer step as the run-level detectors see it. Absent values are NaN.
 *
 * @param step         optimizer step number (increasing)
 * @param loss         training loss, NaN when not logged at this step
 * @param gradNorm     global gradient norm, NaN when not logged
 * @param stepMs       wall time of this step in ms, NaN when not logged
 * @param expectedLoss the fitted law's loss at this step when the forecast code has a fit, NaN otherwise (the
 *                     detectors then use their robust running baseline)
 * @param lr           the learning rate of this step, NaN when unknown (PLATEAU does not extrapolate progress across
 *                     a sharp LR drop: see {@link PlateauRule})
 */
public record StepInput(long step, double loss, double gradNorm, double stepMs, double expectedLoss, double lr) {

    /** A step without its learning rate. */
    public StepInput(long step, double loss, double gradNorm, double stepMs, double expectedLoss) {
        this(step, loss, gradNorm, stepMs, expectedLoss, Double.NaN);
    }

    /** A step with only a loss. */
    public static StepInput ofLoss(long step, double loss) {
        return new StepInput(step, loss, Double.NaN, Double.NaN, Double.NaN);
    }
}
