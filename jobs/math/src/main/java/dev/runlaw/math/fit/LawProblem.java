package dev.runlaw.math.fit;

import dev.runlaw.math.law.LossLaw;
import dev.runlaw.math.law.PreparedCurve;
import java.util.ArrayList;
import java.util.List;
import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.RealMatrix;
import org.hipparchus.linear.SingularValueDecomposition;

/**
 * One law variant's fitting problem over prepared runs: the observations, their weights, the parameter box
 * ({@link BoundedParameters}), an optional log-normal prior, the objective and the result at a solution. Shared,
 * read-only, by every start ({@link LmProblem}) and by the projected starts ({@link VariableProjection}).
 *
 * <p>Objective: {@code sum_i w_i Huber_delta(ln Lhat_i - ln L_i) + sum_q r_q^2 / 2}, with the prior residuals
 * {@code r_q = priorCoef (ln p_j - ln mean_j)}, {@code priorCoef = delta sqrt(strength W)} (W the total weight;
 * see {@link LawFitter#withPrior}). Weights are the runs' point weights, scaled per run by {@code N / (R n_run)}
 * with balanced runs ({@link LawFitter#withBalancedRuns}).
 */
final class LawProblem {
    final LossLaw variant;
    final List<PreparedCurve> curves;
    final double[] lnL;
    final double[] obs;
    final double[] sqrtW;
    /** Offset of each run's first point, and the total at the end. */
    final int[] runStart;
    final double huberDelta;
    final BoundedParameters bounds;
    /** Free-parameter positions (in bounds.freeIndex) with a prior, and the prior's ln mean for each. */
    final int[] priorK;
    final double[] priorLnMean;
    final double priorCoef;
    /**
     * Per run, the earlier run whose prepared curve is the very same object (a copy of an observed run entered
     * several times, prepared once through a {@link PreparedCurveCache}), or -1: its values are copied, not
     * evaluated again.
     */
    private final int[] sameAs;

    /**
     * @param priorMean     prior means by parameter (NaN or non-positive: none), or null
     * @param priorStrength 0 for no prior
     */
    LawProblem(LossLaw variant, PreparedRuns data, List<double[]> losses, List<double[]> weights, double minLoss,
               boolean[] fixed, double[] fixedValues, double huberDelta, boolean balanceRuns, double[] priorMean,
               double priorStrength) {
        this.variant = variant;
        this.huberDelta = huberDelta;
        List<PreparedCurve> cs = new ArrayList<>();
        int n = 0;
        for (int r = 0; r < losses.size(); r++) {
            cs.add(data.prepare(variant, r));
            n += losses.get(r).length;
        }
        this.curves = cs;
        this.sameAs = new int[cs.size()];
        for (int r = 0; r < cs.size(); r++) {
            sameAs[r] = -1;
            for (int q = 0; q < r && sameAs[r] < 0; q++) {
                if (cs.get(q) == cs.get(r)) {
                    sameAs[r] = q;
                }
            }
        }
        this.obs = new double[n];
        this.lnL = new double[n];
        this.sqrtW = new double[n];
        this.runStart = new int[losses.size() + 1];
        int k = 0;
        int nonEmpty = 0;
        for (double[] l : losses) {
            if (l.length > 0) {
                nonEmpty++;
            }
        }
        double totalW = 0;
        for (double[] w : weights) {
            for (double x : w) {
                totalW += x;
            }
        }
        for (int r = 0; r < losses.size(); r++) {
            runStart[r] = k;
            double[] lr = losses.get(r);
            double[] wr = weights.get(r);
            double runW = 0;
            for (double x : wr) {
                runW += x;
            }
            double scale = balanceRuns && runW > 0 ? totalW / (nonEmpty * runW) : 1;
            for (int i = 0; i < lr.length; i++) {
                obs[k] = lr[i];
                lnL[k] = Math.log(lr[i]);
                sqrtW[k] = Math.sqrt(scale * wr[i]);
                k++;
            }
        }
        runStart[losses.size()] = k;
        this.bounds = new BoundedParameters(variant.lowerBounds(minLoss), variant.upperBounds(minLoss), fixed,
                fixedValues);
        double sumW = 0;
        for (double x : sqrtW) {
            sumW += x * x;
        }
        int[] freeIdx = bounds.freeIndex;
        List<Integer> pk = new ArrayList<>();
        List<Double> pm = new ArrayList<>();
        if (priorMean != null && priorStrength > 0) {
            for (int q = 0; q < freeIdx.length; q++) {
                double m = priorMean[freeIdx[q]];
                if (m > 0 && Double.isFinite(m)) {
                    pk.add(q);
                    pm.add(Math.log(m));
                }
            }
        }
        this.priorK = pk.stream().mapToInt(Integer::intValue).toArray();
        this.priorLnMean = pm.stream().mapToDouble(Double::doubleValue).toArray();
        this.priorCoef = Math.sqrt(priorStrength * sumW) * huberDelta;
    }

    /** Number of observations. */
    int n() {
        return obs.length;
    }

    /** The law at every observation into {@code values}, and its Jacobian into {@code jac} when not null. */
    void evaluate(double[] p, double[] values, double[][] jac) {
        for (int r = 0; r < curves.size(); r++) {
            PreparedCurve c = curves.get(r);
            int off = runStart[r];
            int q = sameAs[r];
            if (q < 0) {
                c.evaluate(p, values, off, jac);
                continue;
            }
            // The same curve at the same parameters: the same numbers, bit for bit.
            int from = runStart[q];
            System.arraycopy(values, from, values, off, c.size());
            if (jac != null) {
                for (int i = 0; i < c.size(); i++) {
                    System.arraycopy(jac[from + i], 0, jac[off + i], 0, jac[off + i].length);
                }
            }
        }
    }

    double huber(double r) {
        double a = Math.abs(r);
        return a <= huberDelta ? 0.5 * r * r : huberDelta * (a - 0.5 * huberDelta);
    }

    /** The prior's residual for prior entry {@code q} at parameters {@code p} (0 if p is not positive). */
    double priorResidual(double[] p, int q) {
        double x = p[bounds.freeIndex[priorK[q]]];
        return x > 0 ? priorCoef * (Math.log(x) - priorLnMean[q]) : 0;
    }

    double penalty(double[] p) {
        double s = 0;
        for (int q = 0; q < priorK.length; q++) {
            double r = priorResidual(p, q);
            s += 0.5 * r * r;
        }
        return s;
    }

    /** The objective at {@code p} ({@code values}: scratch of length n); +Infinity where the law is not positive. */
    double objectiveAt(double[] p, double[] values) {
        evaluate(p, values, null);
        double sum = 0;
        for (int i = 0; i < values.length; i++) {
            if (!(values[i] > 0) || !Double.isFinite(values[i])) {
                return Double.POSITIVE_INFINITY;
            }
            sum += sqrtW[i] * sqrtW[i] * huber(Math.log(values[i]) - lnL[i]);
        }
        return sum + penalty(p);
    }

    /**
     * The fit result at {@code best}: RMS log residual, lag-1 autocorrelation of the residuals within runs, and the
     * Laplace covariance {@code s^2 (J^T W J)^+} of the free parameters ({@code J = d ln Lhat / d theta},
     * pseudo-inverse by SVD, {@code s^2} the weighted residual variance); fixed parameters take
     * {@code referenceCov}'s entries when given. Without {@code diagnostics}, the parameters and objective alone:
     * RMS and autocorrelation NaN, no covariance (it costs an evaluation of the law with its Jacobian and an SVD).
     */
    FitResult result(double[] best, double objective, int totalIt, int totalEval, int startsRun,
                     boolean annealingIdentified, double[][] referenceCov, boolean diagnostics) {
        if (!diagnostics) {
            int points = n();
            return new FitResult(FitStatus.OK, "%s %s: %d points, objective %.4g (no diagnostics)",
                    new Object[] {variant.name(), variant.hyperParameters(), points, objective}, variant, best,
                    objective, Double.NaN, Double.NaN, points, totalIt, totalEval, startsRun, null,
                    annealingIdentified, bounds.freeIndex.length);
        }
        int n = n();
        int np = variant.parameterCount();
        double[] values = new double[n];
        double[][] jac = new double[n][np];
        evaluate(best, values, jac);
        double[] r = new double[n];
        double ss = 0;
        double sw = 0;
        for (int i = 0; i < n; i++) {
            r[i] = Math.log(values[i]) - lnL[i];
            double w = sqrtW[i] * sqrtW[i];
            ss += w * r[i] * r[i];
            sw += w;
        }
        double rms = Math.sqrt(ss / Math.max(sw, 1e-300));
        double num = 0;
        double den = 0;
        for (int run = 0; run + 1 < runStart.length; run++) {
            for (int i = runStart[run]; i < runStart[run + 1]; i++) {
                den += r[i] * r[i];
                if (i + 1 < runStart[run + 1]) {
                    num += r[i] * r[i + 1];
                }
            }
        }
        double lag1 = den > 0 ? num / den : 0;
        int[] freeIdx = bounds.freeIndex;
        double[][] cov = new double[np][np];
        int f = freeIdx.length;
        double[][] jr = new double[n][f];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < f; k++) {
                jr[i][k] = sqrtW[i] * jac[i][freeIdx[k]] / values[i];
            }
        }
        RealMatrix jm = new Array2DRowRealMatrix(jr, false);
        RealMatrix jtj = jm.transposeMultiply(jm);
        RealMatrix inv = new SingularValueDecomposition(jtj).getSolver().getInverse();
        double s2 = ss / Math.max(1, sw - f);
        for (int a = 0; a < f; a++) {
            for (int b = 0; b < f; b++) {
                cov[freeIdx[a]][freeIdx[b]] = s2 * inv.getEntry(a, b);
            }
        }
        boolean[] fixed = bounds.fixed;
        if (referenceCov != null && referenceCov.length == np) {
            for (int a = 0; a < np; a++) {
                for (int b = 0; b < np; b++) {
                    if (fixed[a] && fixed[b]) {
                        cov[a][b] = referenceCov[a][b];
                    }
                }
            }
        }
        // Formatted on request only: String.format showed in the live forecast thread's profile.
        return new FitResult(FitStatus.OK, "%s %s: %d points, rms log residual %.3g, objective %.4g",
                new Object[] {variant.name(), variant.hyperParameters(), n, rms, objective}, variant, best, objective,
                rms, lag1, n, totalIt, totalEval, startsRun, cov, annealingIdentified, f);
    }
}
