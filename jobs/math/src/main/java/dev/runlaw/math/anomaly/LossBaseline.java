package dev.runlaw.math.anomaly;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * The expected log loss of a run at the next step and a robust scale of its residuals, O(1) state.
 *
 * <p>The tracked series is {@code y_t = ln loss_t - ln law_t} when the forecast code gives the law's expected loss
 * {@code law_t}, else {@code y_t = ln loss_t}. Over it runs Holt's linear exponential smoothing (level {@code L},
 * trend {@code T}; Holt 1957, reprinted Int. J. Forecasting 20(1), 2004): the one-step prediction is
 * {@code p_t = L + phi * T}, the residual {@code r_t = y_t - p_t}, the score {@code z_t = r_t / s}, where the robust scale
 * is {@code s = sqrt(pi/2) * EWMA|r|} (equal to the standard deviation for Gaussian noise). Updates use the residual
 * clipped to {@code +-clipZ * s}, so one spike moves the baseline by at most {@code levelAlpha * clipZ} scales:
 * <pre>
 *   p = L + phi * T,   L' = p + a * clip(r),   T' = min(0, phi * T + b * (L' - L - phi * T)),
 *   EWMA|r|' = EWMA|r| + c * (|clip(r)| - EWMA|r|)
 * </pre>
 * with the trend damped by {@code phi} = {@link #TREND_DAMPING} (Gardner and McKenzie's damped-trend Holt).
 * The trend is kept at or below 0: a training loss falls, and a rising trend would let the baseline follow a
 * divergence (the level alone follows at most {@code a * clipZ} scales a step).
 * With a law the trend is held at 0: the law already carries the run's downward trend, and a trend would absorb a
 * slow divergence. During the first observations the weights are {@code max(weight, 1/n)} (running means), so the
 * statistics start from data instead of from zero. When the law appears or disappears the level restarts at the
 * new series (the scale is kept: the noise is the run's).
 */
final class LossBaseline {
    private static final double SQRT_HALF_PI = Math.sqrt(Math.PI / 2);
    /**
     * Damping of the trend per step (Gardner and McKenzie 1985, "Forecasting trends in time series", Management
     * Science 31(10)): the undamped trend learnt in a run's first, steepest steps (the loss falls from ~ln(vocab) by
     * half within ~10 steps) outlived the deceleration, so the prediction ran below a clean loss and CUSUM raised a
     * false DIVERGENCE near step 110 of a low-noise run. 0.995 (a memory of ~200 steps) removed that and, on the
     * calibration runs of {@code ./runlaw bench detect --seeds 3}, changed no recall by more than one case.
     */
    static final double TREND_DAMPING = 0.995;

    private long n;
    private double level;
    private double trend;
    private double meanAbs;
    private boolean withLaw;
    /** Prediction, residual and score of the last {@link #observe} call. */
    private double lastPrediction = Double.NaN;
    private double lastResidual = Double.NaN;
    private double lastZ = Double.NaN;

    /**
     * Scores {@code loss} against the prediction, then updates.
     *
     * @param loss     finite positive loss
     * @param lawLoss  the law's expected loss, NaN when there is no fit
     * @return z-score of this step, NaN during the first two observations
     */
    double observe(double loss, double lawLoss, AnomalySettings s) {
        boolean law = lawLoss > 0 && Double.isFinite(lawLoss);
        double y = Math.log(loss) - (law ? Math.log(lawLoss) : 0);
        if (n == 0 || law != withLaw) {
            withLaw = law;
            level = y;
            trend = 0;
            n = Math.max(n, 1);
            lastPrediction = y;
            lastResidual = 0;
            lastZ = Double.NaN;
            return lastZ;
        }
        double p = level + TREND_DAMPING * trend;
        double r = y - p;
        double scale = scale();
        double z = n >= 2 && scale > 0 ? r / scale : Double.NaN;
        lastPrediction = p;
        lastResidual = r;
        lastZ = z;
        double bound = s.clipZ() * scale;
        double rc = n >= 2 && scale > 0 ? Math.max(-bound, Math.min(bound, r)) : r;
        n++;
        double a = Math.max(s.levelAlpha(), 1.0 / n);
        double c = Math.max(s.scaleAlpha(), 1.0 / (n - 1));
        double newLevel = p + a * rc;
        if (!withLaw) {
            trend = Math.min(0, TREND_DAMPING * trend + s.trendBeta() * (newLevel - level - TREND_DAMPING * trend));
        }
        level = newLevel;
        meanAbs += c * (Math.abs(rc) - meanAbs);
        return z;
    }

    /** Robust scale of the residuals (log units); 0 before two observations. */
    double scale() {
        return SQRT_HALF_PI * meanAbs;
    }

    /** Observations folded in. */
    long count() {
        return n;
    }

    /** Expected loss of the last scored step: {@code exp(p) * law}. */
    double expectedLoss(double lawLoss) {
        return Math.exp(lastPrediction) * (withLaw ? lawLoss : 1);
    }

    double lastZ() {
        return lastZ;
    }

    double lastResidual() {
        return lastResidual;
    }

    void write(DataOutput out) throws IOException {
        out.writeLong(n);
        out.writeDouble(level);
        out.writeDouble(trend);
        out.writeDouble(meanAbs);
        out.writeBoolean(withLaw);
        out.writeDouble(lastPrediction);
        out.writeDouble(lastResidual);
        out.writeDouble(lastZ);
    }

    static LossBaseline read(DataInput in) throws IOException {
        LossBaseline b = new LossBaseline();
        b.n = in.readLong();
        b.level = in.readDouble();
        b.trend = in.readDouble();
        b.meanAbs = in.readDouble();
        b.withLaw = in.readBoolean();
        b.lastPrediction = in.readDouble();
        b.lastResidual = in.readDouble();
        b.lastZ = in.readDouble();
        return b;
    }
}
