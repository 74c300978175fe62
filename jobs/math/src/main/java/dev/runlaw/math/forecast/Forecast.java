package dev.runlaw.math.forecast;

import java.util.Locale;
import java.util.Objects;

/**
 * A forecast of the loss at one step: point value and a central interval at {@link #level()}, in loss units. The
 * predictive distribution is log-normal, {@code ln L ~ N(ln point, logSd^2)}, which {@link #probabilityBelow} uses.
 * A forecast that could not be made has {@code ok == false}, NaN numbers and a message; it is never thrown.
 *
 * <p>A value class with a record's contract (component accessors, component-wise {@code equals} and
 * {@code hashCode}), not a record, for one reason: the message of a Laplace interval ("laplace sd ...") is built
 * only when {@link #message()} is first asked for. The live job makes ~37 forecasts per refit (the final, the curve,
 * the what-ifs) and reads none of those messages, and formatting them cost ~7 % of its CPU (docs/benchmarks.md,
 * session 7). The message is the same string either way.
 */
public final class Forecast {
    private final long step;
    private final double point;
    private final double lo;
    private final double hi;
    private final double level;
    private final double logSd;
    private final boolean ok;
    /** The message once built (or given); null until then for a Laplace interval. */
    private String message;
    /** The Laplace interval's sd parts (param, noise, horizon), for the lazy message; null when it was given. */
    private final double[] laplaceParts;

    /**
     * A forecast with its message.
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
    public Forecast(long step, double point, double lo, double hi, double level, double logSd, boolean ok,
                    String message) {
        this(step, point, lo, hi, level, logSd, ok, message, null);
    }

    /**
     * Every field; {@code laplaceParts} (param, noise and horizon sd) instead of a message for a usable
     * Laplace-interval forecast, whose message "laplace sd ..." is then built from them when asked for.
     */
    private Forecast(long step, double point, double lo, double hi, double level, double logSd, boolean ok,
                     String message, double[] laplaceParts) {
        this.step = step;
        this.point = point;
        this.lo = lo;
        this.hi = hi;
        this.level = level;
        this.logSd = logSd;
        this.ok = ok;
        this.message = message;
        this.laplaceParts = laplaceParts;
    }

    /**
     * A usable forecast with a Laplace interval, its message {@code laplace sd <logSd> (param <paramSd>, noise
     * <noiseSd>, horizon <horizonSd>)} (each {@code %.2g}) built only when read.
     */
    static Forecast laplace(long step, double point, double lo, double hi, double level, double logSd,
                            double paramSd, double noiseSd, double horizonSd) {
        return new Forecast(step, point, lo, hi, level, logSd, true, null, new double[] {paramSd, noiseSd, horizonSd});
    }

    static Forecast failed(long step, double level, String message) {
        return new Forecast(step, Double.NaN, Double.NaN, Double.NaN, level, Double.NaN, false, message);
    }

    /** The optimizer step forecast. */
    public long step() {
        return step;
    }

    /** Point forecast (median of the predictive distribution). */
    public double point() {
        return point;
    }

    /** Lower end of the interval. */
    public double lo() {
        return lo;
    }

    /** Upper end of the interval. */
    public double hi() {
        return hi;
    }

    /** The interval's nominal coverage, e.g. 0.9. */
    public double level() {
        return level;
    }

    /** Predictive standard deviation of ln L. */
    public double logSd() {
        return logSd;
    }

    /** Whether the forecast is usable. */
    public boolean ok() {
        return ok;
    }

    /** Why not, or a short description of what went into the interval. */
    public String message() {
        String m = message;
        if (m == null && laplaceParts != null) {
            // Racy but benign: every thread builds the same immutable string.
            m = String.format(Locale.ROOT, "laplace sd %.2g (param %.2g, noise %.2g, horizon %.2g)", logSd,
                    laplaceParts[0], laplaceParts[1], laplaceParts[2]);
            message = m;
        }
        return m;
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

    /** Component-wise, as a record's: doubles by {@link Double#compare}, the message by its text. */
    @Override
    public boolean equals(Object o) {
        return o == this || o instanceof Forecast f && step == f.step && Double.compare(point, f.point) == 0
                && Double.compare(lo, f.lo) == 0 && Double.compare(hi, f.hi) == 0
                && Double.compare(level, f.level) == 0 && Double.compare(logSd, f.logSd) == 0 && ok == f.ok
                && Objects.equals(message(), f.message());
    }

    @Override
    public int hashCode() {
        int h = Long.hashCode(step);
        h = 31 * h + Double.hashCode(point);
        h = 31 * h + Double.hashCode(lo);
        h = 31 * h + Double.hashCode(hi);
        h = 31 * h + Double.hashCode(level);
        h = 31 * h + Double.hashCode(logSd);
        h = 31 * h + Boolean.hashCode(ok);
        return 31 * h + Objects.hashCode(message());
    }

    @Override
    public String toString() {
        return ok ? String.format(Locale.ROOT, "Forecast[step %d: %.5f in [%.5f, %.5f] @%.0f%%]", step, point, lo, hi,
                100 * level) : "Forecast[step " + step + ": failed: " + message + "]";
    }
}
