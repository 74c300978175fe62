package dev.runlaw.math.fit;

import dev.runlaw.math.law.LossLaw;
import dev.runlaw.math.schedule.LrSchedule;
import java.util.Arrays;
import java.util.Locale;

/**
 * Result of a {@link LawFitter} fit: a status, and when it is {@link FitStatus#OK} the fitted law (with its chosen
 * hyper-parameters, e.g. lambda), the parameters and diagnostics. A failed fit carries no parameters and never
 * throws; {@link #ok()} tells which.
 *
 * <p>Diagnostics are in log-loss units (residual {@code r = ln Lhat - ln L}): the Huber objective at the optimum,
 * the RMS residual, the residual lag-1 autocorrelation (in step order within each run) and the Laplace covariance
 * of the parameters {@code s^2 (J^T J)^+} with {@code J = d r / d theta} at the optimum and {@code s^2} the mean
 * squared residual.
 */
public final class FitResult {
    private final FitStatus status;
    /** The message once formatted (lazily: most fits' messages are never read), or null. */
    private String message;
    /**
     * Format and arguments of a message not yet formatted (null once formatted or when given as a string). Plain
     * values, not a lambda: tools that walk a retained state's object graph (JOL) cannot see into hidden classes.
     */
    private String messageFormat;
    private Object[] messageArgs;
    private final LossLaw law;
    private final double[] params;
    private final double objective;
    private final double rmsLogResidual;
    private final double lag1Autocorrelation;
    private final int points;
    private final int iterations;
    private final int evaluations;
    private final int starts;
    private final double[][] covariance;
    private final boolean annealingIdentified;
    private final int freeParameters;

    FitResult(FitStatus status, String message, LossLaw law, double[] params, double objective, double rmsLogResidual,
              double lag1Autocorrelation, int points, int iterations, int evaluations, int starts,
              double[][] covariance, boolean annealingIdentified, int freeParameters) {
        this(status, null, new Object[] {message}, law, params, objective, rmsLogResidual, lag1Autocorrelation,
                points, iterations, evaluations, starts, covariance, annealingIdentified, freeParameters);
    }

    /**
     * As above, with the message {@code String.format(Locale.ROOT, messageFormat, messageArgs)} formatted on its
     * first request ({@code messageFormat} null: {@code messageArgs[0]} is the message).
     */
    FitResult(FitStatus status, String messageFormat, Object[] messageArgs, LossLaw law, double[] params,
              double objective, double rmsLogResidual, double lag1Autocorrelation, int points, int iterations,
              int evaluations, int starts, double[][] covariance, boolean annealingIdentified, int freeParameters) {
        this.freeParameters = freeParameters;
        this.status = status;
        if (messageFormat == null) {
            this.message = (String) messageArgs[0];
        } else {
            this.messageFormat = messageFormat;
            this.messageArgs = messageArgs;
        }
        this.law = law;
        this.params = params == null ? new double[0] : params.clone();
        this.objective = objective;
        this.rmsLogResidual = rmsLogResidual;
        this.lag1Autocorrelation = lag1Autocorrelation;
        this.points = points;
        this.iterations = iterations;
        this.evaluations = evaluations;
        this.starts = starts;
        this.covariance = covariance == null ? new double[0][] : deepCopy(covariance);
        this.annealingIdentified = annealingIdentified;
    }

    static FitResult failure(FitStatus status, LossLaw law, String message, int points) {
        return new FitResult(status, message, law, null, Double.NaN, Double.NaN, Double.NaN, points, 0, 0, 0, null,
                false, 0);
    }

    public FitStatus status() {
        return status;
    }

    /** True when the fit converged and its parameters may be used. */
    public boolean ok() {
        return status == FitStatus.OK;
    }

    /** Why the fit failed, or a one-line summary when it did not. */
    public String message() {
        // Formatting every fit's summary cost ~2 % of a live forecast thread; a benign race formats it twice at most.
        String m = message;
        if (m == null && messageFormat != null) {
            m = String.format(Locale.ROOT, messageFormat, messageArgs);
            message = m;
        }
        return m;
    }

    /** The law variant fitted (hyper-parameters such as lambda fixed to the chosen value). */
    public LossLaw law() {
        return law;
    }

    /** Fitted parameters in the law's order; empty when the fit failed. */
    public double[] params() {
        return params.clone();
    }

    /** A parameter by name, NaN when the fit failed. */
    public double param(String name) {
        int i = law.parameterNames().indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException("no parameter " + name + " in " + law.name());
        }
        return ok() ? params[i] : Double.NaN;
    }

    /** Huber objective at the optimum (sum over points). */
    public double objective() {
        return objective;
    }

    public double rmsLogResidual() {
        return rmsLogResidual;
    }

    public double lag1Autocorrelation() {
        return lag1Autocorrelation;
    }

    /** Number of points fitted. */
    public int points() {
        return points;
    }

    public int iterations() {
        return iterations;
    }

    public int evaluations() {
        return evaluations;
    }

    /** Number of optimiser starts run. */
    public int starts() {
        return starts;
    }

    /**
     * Laplace covariance of the parameters (law order); empty when the fit failed or was made without diagnostics
     * ({@link LawFitter#withDiagnostics}).
     */
    public double[][] covariance() {
        return deepCopy(covariance);
    }

    /** Whether the fitted runs contained LR annealing, so that the annealing parameters were estimated. */
    public boolean annealingIdentified() {
        return annealingIdentified;
    }

    /**
     * Number of parameters estimated; the others were fixed (annealing terms when no annealing was seen, or taken
     * from a reference fit).
     */
    public int freeParameterCount() {
        return freeParameters;
    }

    /** Point prediction at {@code step} under {@code schedule}; NaN when the fit failed. */
    public double predict(LrSchedule schedule, long step) {
        return ok() ? law.predict(params, schedule, step) : Double.NaN;
    }

    @Override
    public String toString() {
        if (!ok()) {
            return "FitResult[" + status + ": " + message() + "]";
        }
        StringBuilder sb = new StringBuilder("FitResult[OK ").append(law.name());
        if (!law.hyperParameters().isEmpty()) {
            sb.append(' ').append(law.hyperParameters());
        }
        for (int i = 0; i < params.length; i++) {
            sb.append(String.format(Locale.ROOT, " %s=%.6g", law.parameterNames().get(i), params[i]));
        }
        return sb.append(String.format(Locale.ROOT, ", rms=%.3g, %d points, %d it]", rmsLogResidual, points,
                iterations)).toString();
    }

    private static double[][] deepCopy(double[][] m) {
        double[][] out = new double[m.length][];
        for (int i = 0; i < m.length; i++) {
            out[i] = Arrays.copyOf(m[i], m[i].length);
        }
        return out;
    }
}
