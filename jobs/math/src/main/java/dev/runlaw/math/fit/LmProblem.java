package dev.runlaw.math.fit;

import org.hipparchus.exception.MathIllegalStateException;
import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.ArrayRealVector;
import org.hipparchus.optim.nonlinear.vector.leastsquares.EvaluationRmsChecker;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LeastSquaresBuilder;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LeastSquaresOptimizer;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LevenbergMarquardtOptimizer;
import org.hipparchus.optim.nonlinear.vector.leastsquares.MultivariateJacobianFunction;
import org.hipparchus.util.Pair;

/**
 * One Levenberg–Marquardt run of a {@link LawProblem} from one start, in the internal coordinates of its
 * {@link BoundedParameters}.
 *
 * <p>The Huber objective becomes least squares through the residual {@code rho(r) = sign(r) sqrt(2 Huber(r))}
 * ({@code = r} inside delta, {@code sign(r) sqrt(2 delta |r| - delta^2)} outside; {@code d rho / dr = delta / |rho|}
 * there), weighted by {@code sqrt(w_i)}, plus one residual per prior entry. The Jacobian is the law's analytic one,
 * {@code d ln Lhat / d theta}, times {@code d rho / dr} and {@code d theta / dz}. A non-positive or non-finite law
 * value gets residual 50 and a zero Jacobian row.
 *
 * <p>Stopping: Hipparchus's relative cost and parameter tolerances (1e-10), or an iteration changing the residual
 * RMS by less than {@link LawFitter#RMS_RELATIVE_TOLERANCE}. Every evaluation keeps the best point seen, so a run
 * stopped at its iteration limit still has {@link #bestParams}. Mutable, single-use.
 */
final class LmProblem {
    final LawProblem problem;
    double[] bestParams;
    double objective = Double.POSITIVE_INFINITY;
    int iterations;
    int evaluations;
    /** Whether LM stopped by its own criteria (not at the iteration or evaluation limit). */
    boolean finished;

    LmProblem(LawProblem problem) {
        this.problem = problem;
    }

    /**
     * LM from {@code start} for at most {@code iterationLimit} iterations. Reaching the limit leaves
     * {@link #finished} false, with the best point seen in {@link #bestParams}.
     */
    void optimize(double[] start, int iterationLimit) {
        BoundedParameters b = problem.bounds;
        double[] z0 = b.toInternal(start);
        int n = problem.n();
        int[] evaluationCount = new int[1];
        MultivariateJacobianFunction model = model(evaluationCount);
        LeastSquaresOptimizer.Optimum opt;
        try {
            opt = new LevenbergMarquardtOptimizer()
                    .withCostRelativeTolerance(1e-10)
                    .withParameterRelativeTolerance(1e-10)
                    .optimize(new LeastSquaresBuilder()
                            .start(z0)
                            .model(model)
                            .target(new double[n + problem.priorK.length])
                            .maxIterations(iterationLimit)
                            .maxEvaluations(4 * iterationLimit)
                            .lazyEvaluation(false)
                            .checker(new EvaluationRmsChecker(LawFitter.RMS_RELATIVE_TOLERANCE))
                            .build());
        } catch (MathIllegalStateException e) {
            // Iteration / evaluation limit: not converged; keep the counts.
            iterations = iterationLimit;
            evaluations = Math.min(evaluationCount[0], 4 * iterationLimit);
            finished = false;
            return;
        }
        iterations = opt.getIterations();
        evaluations = opt.getEvaluations();
        finished = true;
    }

    /** The residuals and Jacobian in internal coordinates; records the best point seen. */
    private MultivariateJacobianFunction model(int[] evaluationCount) {
        LawProblem pr = problem;
        BoundedParameters b = pr.bounds;
        int[] freeIdx = b.freeIndex;
        int n = pr.n();
        int np = pr.variant.parameterCount();
        double[] values = new double[n];
        double[][] jac = new double[n][np];
        double[] sqrtW = pr.sqrtW;
        double[] lnL = pr.lnL;
        double delta = pr.huberDelta;
        return point -> {
            evaluationCount[0]++;
            double[] z = point.toArray();
            double[] p = b.toExternal(z);
            pr.evaluate(p, values, jac);
            int m = pr.priorK.length;
            double[] res = new double[n + m];
            double[][] jz = new double[n + m][freeIdx.length];
            // d external / d internal per free parameter: the same for every point.
            double[] dz = new double[freeIdx.length];
            for (int k = 0; k < freeIdx.length; k++) {
                dz[k] = b.dExternal(k, z[k]);
            }
            double obj = 0;
            for (int q = 0; q < m; q++) {
                int k = pr.priorK[q];
                int j = freeIdx[k];
                res[n + q] = pr.priorResidual(p, q);
                obj += 0.5 * res[n + q] * res[n + q];
                if (p[j] > 0) {
                    jz[n + q][k] = pr.priorCoef / p[j] * b.dExternal(k, z[k]);
                }
            }
            for (int i = 0; i < n; i++) {
                double lhat = values[i];
                boolean valid = lhat > 0 && Double.isFinite(lhat);
                double r = valid ? Math.log(lhat) - lnL[i] : 50;
                obj += sqrtW[i] * sqrtW[i] * pr.huber(r);
                double a = Math.abs(r);
                double rp;
                double drp;
                if (a <= delta) {
                    rp = r;
                    drp = 1;
                } else {
                    rp = Math.copySign(Math.sqrt(2 * delta * a - delta * delta), r);
                    drp = delta / Math.abs(rp);
                }
                res[i] = sqrtW[i] * rp;
                if (valid) {
                    double scale = sqrtW[i] * drp / lhat;
                    double[] row = jac[i];
                    double[] out = jz[i];
                    for (int k = 0; k < freeIdx.length; k++) {
                        out[k] = scale * row[freeIdx[k]] * dz[k];
                    }
                }
            }
            if (obj < objective) {
                objective = obj;
                bestParams = p;
            }
            return new Pair<>(new ArrayRealVector(res, false), new Array2DRowRealMatrix(jz, false));
        };
    }

    /** Finished, with a finite objective and finite parameters. */
    boolean converged() {
        if (!finished || bestParams == null || !Double.isFinite(objective)) {
            return false;
        }
        for (double p : bestParams) {
            if (!Double.isFinite(p)) {
                return false;
            }
        }
        return true;
    }

    FitResult result(int totalIt, int totalEval, int startsRun, boolean annealingIdentified,
                     double[][] referenceCov, boolean diagnostics) {
        return problem.result(bestParams, objective, totalIt, totalEval, startsRun, annealingIdentified,
                referenceCov, diagnostics);
    }
}
