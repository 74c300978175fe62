package dev.runlaw.math.forecast;

import dev.runlaw.math.fit.FitResult;
import dev.runlaw.math.fit.LawFitter;
import dev.runlaw.math.law.LossLaw;
import dev.runlaw.math.law.PreparedCurve;
import dev.runlaw.math.schedule.LrSchedule;
import java.util.Arrays;

/**
 * Forecasts the loss at any step of a planned or what-if schedule from a {@link FitResult}, with a central
 * interval (90 % by default).
 *
 * <p><b>Interval</b> (log scale, Laplace / delta method): {@code ln L(s) ~ N(ln Lhat(s), v)} with
 * <pre>
 *   v = k_rho * g^T Sigma g  +  sigma^2  +  (d * ln(s / s_obs))^2      (s &gt; s_obs, else no third term)
 * </pre>
 * {@code g = d ln Lhat / d theta}, {@code Sigma} the fit's Laplace covariance, {@code k_rho = (1 + rho) / (1 - rho)}
 * the variance inflation for lag-1 autocorrelated residuals {@code rho} (the fit's residuals are not independent,
 * so the plain Laplace covariance is too small by about that factor), {@code sigma} the RMS log residual (the
 * measured loss's own noise), and a model-discrepancy term growing with the forecast horizon: {@code s_obs} is the
 * forecast run's last observed step ({@link #withLastObservedStep}; its warmup end when none of it was observed),
 * {@code d} per unit of log horizon ({@link #calibratedDiscrepancy}, calibrated by backtests on the reference
 * curves, see docs/forecast.md). The law's own misspecification, not parameter noise, dominates errors of
 * forecasts far ahead; the Laplace part alone covers well under half of them.
 *
 * <p>When the fit saw no annealing ({@link FitResult#annealingIdentified()} false) and the schedule anneals, the
 * annealing gain is unknown: the point forecast assumes half of a generous prior gain (10 % of the loss for a full
 * decay) and the interval spans from no gain to the full prior gain: wide by construction.
 *
 * <p>Immutable; pure.
 */
public final class Forecaster {
    /**
     * Model-discrepancy sd per unit of log horizon for the momentum law (log-loss units), calibrated on the 48
     * observe-fraction backtests (25M and 100M, fractions 0.2/0.4/0.6) to 90 % coverage; see docs/forecast.md.
     */
    public static final double MOMENTUM_DISCREPANCY = 0.005;
    /**
     * As {@link #MOMENTUM_DISCREPANCY} for the multi-power law as the backtest fits it (with the kernel prior of
     * {@code LawFitter.withPrior}); re-calibrated in-sample on the same 48 cases (was 0.002 without the prior).
     */
    public static final double MULTIPOWER_DISCREPANCY = 0.0015;
    /**
     * Model-discrepancy sd per unit of log horizon for the log-space ensemble of both laws ({@code --law auto},
     * {@link Ensemble#combine(Forecast[][], double[], double, double[])}): its members are forecast without their own
     * horizon terms and this one term is added to the mixture's variance. Calibrated in-sample on the same 48
     * observe-fraction backtests as the laws' constants: pooled coverage is 45/48 for any value in [0, ~0.0019] and
     * the Gaussian log-likelihood of the final errors is highest at 0; see docs/forecast.md.
     */
    public static final double ENSEMBLE_DISCREPANCY = 0;
    /** Prior relative annealing gain bound when no annealing was observed. */
    public static final double PRIOR_MAX_ANNEALING_GAIN = 0.10;

    private final FitResult fit;
    private final double level;
    private final double discrepancy;
    private final long lastObservedStep;

    private Forecaster(FitResult fit, double level, double discrepancy, long lastObservedStep) {
        this.fit = fit;
        this.level = level;
        this.discrepancy = discrepancy;
        this.lastObservedStep = lastObservedStep;
    }

    /**
     * A 90 % forecaster with the law's calibrated discrepancy, for a run none of which was observed (set
     * {@link #withLastObservedStep} when some was).
     */
    public static Forecaster create(FitResult fit) {
        double d = fit.law() != null ? calibratedDiscrepancy(fit.law().name()) : MOMENTUM_DISCREPANCY;
        return new Forecaster(fit, 0.9, d, -1);
    }

    /** The calibrated discrepancy for a law by name ({@code momentum}, {@code multipower}); momentum's otherwise. */
    public static double calibratedDiscrepancy(String lawName) {
        return "multipower".equals(lawName) ? MULTIPOWER_DISCREPANCY : MOMENTUM_DISCREPANCY;
    }

    public Forecaster withLevel(double level) {
        if (!(level > 0 && level < 1)) {
            throw new IllegalArgumentException("level must be in (0, 1), got " + level);
        }
        return new Forecaster(fit, level, discrepancy, lastObservedStep);
    }

    /** Model-discrepancy sd per unit of log horizon (log-loss units). */
    public Forecaster withDiscrepancy(double perLogHorizon) {
        if (!(perLogHorizon >= 0)) {
            throw new IllegalArgumentException("discrepancy must be >= 0, got " + perLogHorizon);
        }
        return new Forecaster(fit, level, perLogHorizon, lastObservedStep);
    }

    /** The forecast run's last observed (fitted) step; -1 when none of it was observed. */
    public Forecaster withLastObservedStep(long step) {
        return new Forecaster(fit, level, discrepancy, step);
    }

    /**
     * The forecast horizon in log units at {@code step} of {@code schedule}: {@code ln(step / s_obs)} with
     * {@code s_obs} the last observed step (the warmup end if none was observed), 0 at or before {@code s_obs}; the
     * factor the discrepancy term grows with.
     */
    public double logHorizon(LrSchedule schedule, long step) {
        long ref = lastObservedStep > schedule.peakStep() ? lastObservedStep : Math.max(1, schedule.peakStep());
        return step > ref ? Math.log((double) step / ref) : 0;
    }

    public FitResult fit() {
        return fit;
    }

    public double level() {
        return level;
    }

    /** Forecast at one step of {@code schedule}. */
    public Forecast forecast(LrSchedule schedule, long step) {
        return forecast(schedule, new long[] {step})[0];
    }

    /** Forecasts at each of {@code steps} under {@code schedule}; never throws for a failed fit. */
    public Forecast[] forecast(LrSchedule schedule, long[] steps) {
        Forecast[] out = new Forecast[steps.length];
        if (!fit.ok()) {
            for (int i = 0; i < steps.length; i++) {
                out[i] = Forecast.failed(steps[i], level, "fit failed: " + fit.status() + ": " + fit.message());
            }
            return out;
        }
        for (int i = 0; i < steps.length; i++) {
            if (!schedule.contains(steps[i]) || steps[i] <= schedule.peakStep()) {
                out[i] = Forecast.failed(steps[i], level, "step " + steps[i] + " is not after warmup within "
                        + schedule);
            }
        }
        LossLaw law = fit.law();
        double[] p = fit.params();
        int np = p.length;
        long[] valid = Arrays.stream(steps)
                .filter(s -> schedule.contains(s) && s > schedule.peakStep()).toArray();
        PreparedCurve c = law.prepare(schedule, valid);
        double[] values = new double[valid.length];
        double[][] jac = new double[valid.length][np];
        c.evaluate(p, values, 0, jac);
        double[][] cov = fit.covariance();
        double rho = Math.max(0, Math.min(0.95, fit.lag1Autocorrelation()));
        double kRho = (1 + rho) / (1 - rho);
        double sigma2 = fit.rmsLogResidual() * fit.rmsLogResidual();
        double z = Normal.quantile(0.5 + level / 2);
        double peak = schedule.peakLr();
        double[] minAfterPeak = fit.annealingIdentified() ? null : minLrAfterPeak(schedule, steps);
        int k = 0;
        for (int i = 0; i < steps.length; i++) {
            if (out[i] != null) {
                continue;
            }
            double lhat = values[k];
            double[] g = jac[k];
            k++;
            if (!(lhat > 0) || !Double.isFinite(lhat)) {
                out[i] = Forecast.failed(steps[i], level, "law gives non-positive loss " + lhat);
                continue;
            }
            double vp = 0;
            for (int a = 0; a < np; a++) {
                for (int b = 0; b < np; b++) {
                    vp += g[a] * cov[a][b] * g[b];
                }
            }
            vp /= lhat * lhat;
            double ext = logHorizon(schedule, steps[i]);
            double v = kRho * vp + sigma2 + Math.pow(discrepancy * ext, 2);
            double center = lhat;
            double lo;
            double hi;
            String msg;
            double annealFrac = minAfterPeak == null ? 0 : 1 - minAfterPeak[i] / peak;
            if (annealFrac > 1 - LawFitter.ANNEALING_THRESHOLD) {
                // Unknown annealing gain: uniform prior on [0, gmax] of the loss, gmax scaled by how deep the decay.
                double gmax = PRIOR_MAX_ANNEALING_GAIN * Math.min(1, annealFrac);
                double lnHi = Math.log(lhat);
                double lnLo = Math.log(lhat * (1 - gmax));
                center = lhat * (1 - gmax / 2);
                double half = 0.5 * (lnHi - lnLo);
                double sd = Math.sqrt(v + half * half / 3);
                lo = Math.exp(lnLo - z * Math.sqrt(v));
                hi = Math.exp(lnHi + z * Math.sqrt(v));
                // Math.round is String.format's "%.0f" here (0 <= 100 gmax <= 10: HALF_UP either way), without
                // the formatter's cost at every post-decay curve point.
                msg = "annealing not observed: prior gain 0.." + Math.round(100 * gmax) + "%";
                out[i] = new Forecast(steps[i], center, lo, hi, level, sd, true, msg);
                continue;
            }
            double sd = Math.sqrt(v);
            lo = lhat * Math.exp(-z * sd);
            hi = lhat * Math.exp(z * sd);
            // The message ("laplace sd ...") is built only if read: the live job reads none of them.
            out[i] = Forecast.laplace(steps[i], center, lo, hi, level, sd, Math.sqrt(kRho * vp), Math.sqrt(sigma2),
                    discrepancy * ext);
        }
        return out;
    }

    /**
     * For each step, the lowest LR after the peak up to that step, visiting the steps in increasing order, each
     * range once ({@link LrSchedule#minLr}: O(knots) in all for a piecewise schedule), so a forecast curve of many
     * points costs one scan of the schedule, not one per point.
     */
    private static double[] minLrAfterPeak(LrSchedule s, long[] steps) {
        Integer[] order = new Integer[steps.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Long.compare(steps[a], steps[b]));
        double[] out = new double[steps.length];
        double m = s.peakLr();
        long t = s.peakStep() + 1;
        for (int i : order) {
            long end = Math.min(steps[i], s.lastStep());
            if (t <= end) {
                m = Math.min(m, s.minLr(t, end));
                t = end + 1;
            }
            out[i] = m;
        }
        return out;
    }
}
