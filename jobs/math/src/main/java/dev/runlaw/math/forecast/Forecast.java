package dev.runlaw.math.forecast;

import java.util.Locale;

/**
 * A forecast of the loss at one step: point value and a central interval at {@link #level()}, in loss units. The
 * predictive distribution is log-normal, {@code ln L ~ N(ln point, logSd^2)}, which {@link #probabilityBelow} uses.
 * A forecast that could not be made has {@code ok == false}, NaN numbers and a message; it is never thrown.
 *
 * @param step    the optimizer step forecast
 * @param point   point forecast (median of the predictive distribution)
 * @param lo      lower end of the interval
 * @param hi      upper end of the interval
 * @param level   interval's nominal coverage, e.g. 0.9
 * @param logSd   predictive standard deviation of ln L
 * @param ok      whether the forecast is usable
 * @param message why not, or a short description of what went into the interval
 */
public record Forecast(long step, double point, double lo, double hi, double level, double logSd, boolean ok,
                       String message) {

    static Forecast failed(long step, double level, String message) {
        return new Forecast(step, Double.NaN, Double.NaN, Double.NaN, level, Double.NaN, false, message);
    }

    /** Probability that the loss at this step is below {@code target} under the predictive distribution. */
    public double probabilityBelow(double target) {
        if (!ok || !(target > 0)) {
            return Double.NaN;
        }
        if (logSd <= 0) {
            return target > point ? 1 : 0;
        }
        return Normal.cdf((Math.log(target) - Math.log(point)) / logSd);
    }

    /** Whether {@code value} lies within [lo, hi]. */
    public boolean covers(double value) {
        return ok && value >= lo && value <= hi;
    }

    @Override
    public String toString() {
        return ok ? String.format(Locale.ROOT, "Forecast[step %d: %.5f in [%.5f, %.5f] @%.0f%%]", step, point, lo, hi,
                100 * level) : "Forecast[step " + step + ": failed: " + message + "]";
    }
}
