package dev.runlaw.math.fit;

import dev.runlaw.math.law.LossLaw;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.hipparchus.exception.MathRuntimeException;
import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.ArrayRealVector;
import org.hipparchus.linear.DecompositionSolver;
import org.hipparchus.linear.CholeskyDecomposition;

/**
 * Starting points of a {@link LawProblem} by variable projection: at given values of the law's non-linear
 * parameters, the parameters in which the law is linear ({@link LossLaw#linearParameters()}) are solved by weighted
 * linear least squares on the relative residual {@code (L - Lhat) / L} (≈ the log residual the fit minimises).
 *
 * <p>The linear solve: weights {@code w_i / L_i^2}, the law's columns of the free linear parameters as design
 * {@code A}, target {@code L_i} minus the fixed part; the normal equations {@code (A^T W A + ridge I) c = A^T W y}
 * with {@code ridge = 1e-13 * trace(A^T W A) / m} (m columns, so that a vanishing column yields 0 instead of a
 * singular system), solved by Hipparchus's {@link CholeskyDecomposition} (symmetric positive definite with the
 * ridge). The normal equations are m x m (m &lt;= 3 for both laws) and accumulate without allocating per point,
 * where a QR of the n x m weighted design (Hipparchus copies it twice per decomposition) would allocate per
 * projection, hundreds of times per fit; the ridge keeps the small system well conditioned. Solved values are then
 * moved just inside the parameter box.
 *
 * <p>Non-linear parameters that are fixed, or that carry a prior ({@code LawFitter.withPrior}), are held at their
 * fixed value or prior mean on the start grid: a prior pulls the fit's optimum towards its mean (with the
 * multi-power law's kernel prior the fitted kernel ends within a few % of it), so the grid over those parameters
 * would only multiply the projections. The profile over a single remaining non-linear parameter is refined by
 * golden-section search
 * ({@link LawFitter#REFINE_STEPS} steps, the interval shrinking by 0.618 per step). Single-threaded: holds scratch
 * arrays.
 */
final class VariableProjection {
    /** Ridge added to the normal equations' diagonal, relative to their mean diagonal entry. */
    private static final double RIDGE = 1e-13;
    private final LawProblem problem;
    private final BoundedParameters bounds;
    private final int[] lin;
    private final int[] nonlin;
    private final int[] freeLin;
    private final double[] values;
    private final double[][] jac;
    /**
     * Per parameter, the value the start grid holds it at (NaN: from the grid): a fixed parameter's value, or the
     * prior mean of a non-linear parameter with a prior (the fit's optimum lies near it; see the class comment).
     */
    private final double[] pinned;
    /** Weighted residual sum of squares of the last successful {@link #project}. */
    private double lastRss;
    /** Per point, the law's value minus its free linear columns at the last projection (its fixed part). */
    private final double[] offsets;

    VariableProjection(LawProblem problem) {
        this.problem = problem;
        this.bounds = problem.bounds;
        LossLaw v = problem.variant;
        int np = v.parameterCount();
        this.lin = v.linearParameters();
        boolean[] isLin = new boolean[np];
        for (int j : lin) {
            isLin[j] = true;
        }
        this.nonlin = new int[np - lin.length];
        int q = 0;
        for (int j = 0; j < np; j++) {
            if (!isLin[j]) {
                nonlin[q++] = j;
            }
        }
        this.freeLin = Arrays.stream(lin).filter(j -> !bounds.fixed[j]).toArray();
        this.pinned = new double[np];
        Arrays.fill(pinned, Double.NaN);
        for (int j = 0; j < np; j++) {
            if (bounds.fixed[j]) {
                pinned[j] = bounds.fixedValues[j];
            }
        }
        for (int e = 0; e < problem.priorK.length; e++) {
            int j = bounds.freeIndex[problem.priorK[e]];
            if (!isLin[j]) {
                pinned[j] = BoundedParameters.clampInterior(Math.exp(problem.priorLnMean[e]), bounds.lo[j],
                        bounds.hi[j]);
            }
        }
        this.values = new double[problem.n()];
        this.jac = new double[problem.n()][np];
        this.offsets = new double[problem.n()];
    }

    /** The projected start (linear parameters solved) at the non-linear values of {@code p}; null if singular. */
    double[] projectAt(double[] p) {
        double[] q = p.clone();
        for (int j : nonlin) {
            if (bounds.fixed[j]) {
                q[j] = bounds.fixedValues[j];
            }
        }
        return project(q);
    }

    /**
     * Variable-projection starting points at the law's non-linear grid ({@link LossLaw#nonlinearGrid()}). Without
     * {@code refine}: the best {@code k} grid points by the objective. With {@code refine} and a single unpinned
     * non-linear parameter: each local minimum of that projected profile is refined by golden-section search between
     * its grid neighbours, and the refined minima within {@link LawFitter#VARIANT_MARGIN} of the best one (at most
     * {@code k}, at least one) are returned, best first.
     */
    List<double[]> starts(int k, boolean refine) {
        int np = problem.variant.parameterCount();
        List<double[]> grid = new ArrayList<>();
        List<double[]> projected = new ArrayList<>();
        List<Double> lsScore = new ArrayList<>();
        List<Double> objectives = new ArrayList<>();
        List<double[]> seen = new ArrayList<>();
        for (double[] g : problem.variant.nonlinearGrid()) {
            double[] p = new double[np];
            for (int j = 0; j < nonlin.length; j++) {
                double pin = refine || bounds.fixed[nonlin[j]] ? pinned[nonlin[j]] : Double.NaN;
                p[nonlin[j]] = Double.isNaN(pin) ? g[j] : pin;
            }
            boolean dup = false;
            for (double[] s : seen) {
                if (Arrays.equals(s, p)) {
                    dup = true;
                    break;
                }
            }
            if (dup) {
                continue;
            }
            seen.add(p.clone());
            double[] pp = project(p);
            if (pp != null) {
                grid.add(g);
                projected.add(pp);
                lsScore.add(lastRss);
                objectives.add(objectiveFromColumns(pp));
            }
        }
        List<Scored> scored = new ArrayList<>();
        // With a prior pinning part of the grid, the best projected grid point alone starts LM: LM from it reaches
        // the exhaustive multi-start's optimum (within 1e-6 relative on the reference fits, unit-tested), and a
        // golden-section refinement would cost more projections than the LM iterations it saves.
        boolean priorPinned = false;
        for (int j : nonlin) {
            priorPinned |= refine && !bounds.fixed[j] && !Double.isNaN(pinned[j]);
        }
        int unpinned = -1;
        int unpinnedCount = 0;
        for (int j : nonlin) {
            if (Double.isNaN(pinned[j])) {
                unpinned = j;
                unpinnedCount++;
            }
        }
        if (refine && unpinnedCount == 1 && projected.size() >= 2 && !priorPinned) {
            int j0 = unpinned;
            int g0 = 0;
            while (nonlin[g0] != j0) {
                g0++;
            }
            int m = projected.size();
            for (int i = 0; i < m; i++) {
                double si = lsScore.get(i);
                boolean localMin = (i == 0 || si <= lsScore.get(i - 1)) && (i == m - 1 || si <= lsScore.get(i + 1));
                if (!localMin) {
                    continue;
                }
                double x = grid.get(i)[g0];
                double left = i > 0 ? grid.get(i - 1)[g0] : x - (grid.get(1)[g0] - x);
                double right = i < m - 1 ? grid.get(i + 1)[g0] : x + (x - grid.get(m - 2)[g0]);
                left = BoundedParameters.clampInterior(left, bounds.lo[j0], bounds.hi[j0]);
                right = BoundedParameters.clampInterior(right, bounds.lo[j0], bounds.hi[j0]);
                double[] refined = refine1d(projected.get(i), j0, left, right);
                double[] p = refined != null ? refined : projected.get(i);
                double gridObj = objectives.get(i);
                double obj = refined != null ? problem.objectiveAt(p, values) : gridObj;
                if (gridObj < obj) {
                    p = projected.get(i);
                    obj = gridObj;
                }
                if (Double.isFinite(obj)) {
                    scored.add(new Scored(obj, p));
                }
            }
            scored.sort(Comparator.comparingDouble(Scored::objective));
            List<double[]> out = new ArrayList<>();
            for (int i = 0; i < Math.min(k, scored.size()); i++) {
                if (i == 0 || scored.get(i).objective() <= scored.get(0).objective() * (1 + LawFitter.VARIANT_MARGIN)) {
                    out.add(scored.get(i).params());
                }
            }
            return out;
        }
        for (int i = 0; i < projected.size(); i++) {
            double obj = objectives.get(i);
            if (Double.isFinite(obj)) {
                scored.add(new Scored(obj, projected.get(i)));
            }
        }
        scored.sort(Comparator.comparingDouble(Scored::objective));
        List<double[]> out = new ArrayList<>();
        for (int i = 0; i < Math.min(priorPinned ? 1 : k, scored.size()); i++) {
            out.add(scored.get(i).params());
        }
        return out;
    }

    private record Scored(double objective, double[] params) {
    }

    /**
     * Golden-section search of the projected least-squares profile over the single non-linear parameter
     * {@code j0} in [a, b]; the projected point at the minimum found, or null.
     */
    private double[] refine1d(double[] start, int j0, double a, double b) {
        final double g = 0.5 * (Math.sqrt(5) - 1);
        double[] p = start.clone();
        double x1 = b - g * (b - a);
        double x2 = a + g * (b - a);
        p[j0] = x1;
        double[] p1 = project(p);
        double f1 = p1 != null ? lastRss : Double.POSITIVE_INFINITY;
        p[j0] = x2;
        double[] p2 = project(p);
        double f2 = p2 != null ? lastRss : Double.POSITIVE_INFINITY;
        for (int it = 0; it < LawFitter.REFINE_STEPS; it++) {
            if (f1 <= f2) {
                b = x2;
                x2 = x1;
                f2 = f1;
                p2 = p1;
                x1 = b - g * (b - a);
                p[j0] = x1;
                p1 = project(p);
                f1 = p1 != null ? lastRss : Double.POSITIVE_INFINITY;
            } else {
                a = x1;
                x1 = x2;
                f1 = f2;
                p1 = p2;
                x2 = a + g * (b - a);
                p[j0] = x2;
                p2 = project(p);
                f2 = p2 != null ? lastRss : Double.POSITIVE_INFINITY;
            }
        }
        return f1 <= f2 ? p1 : p2;
    }

    /**
     * The free linear parameters solved by weighted least squares on the relative residual, the others as in
     * {@code p0} (non-linear ones clamped into their box); {@link #lastRss} gets the weighted residual sum of
     * squares. Null if the system is singular.
     */
    private double[] project(double[] p0) {
        int n = problem.n();
        double[] obs = problem.obs;
        double[] sqrtW = problem.sqrtW;
        double[] p = p0.clone();
        for (int j : lin) {
            p[j] = bounds.fixed[j] ? bounds.fixedValues[j] : 1;
        }
        problem.evaluate(p, values, jac);
        // Normal equations of the free linear columns (the fixed part of the law is an offset), with the ridge.
        int m = freeLin.length;
        double[][] ata = new double[m][m];
        double[] atb = new double[m];
        double yy = 0;
        for (int i = 0; i < n; i++) {
            double[] row = jac[i];
            double offset = values[i];
            for (int j : freeLin) {
                offset -= row[j] * p[j];
            }
            offsets[i] = offset;
            double w = sqrtW[i] * sqrtW[i] / (obs[i] * obs[i]);
            double y = obs[i] - offset;
            yy += w * y * y;
            for (int a = 0; a < m; a++) {
                double fa = row[freeLin[a]];
                atb[a] += w * fa * y;
                for (int b = 0; b <= a; b++) {
                    ata[a][b] += w * fa * row[freeLin[b]];
                }
            }
        }
        double trace = 0;
        for (int a = 0; a < m; a++) {
            trace += Math.abs(ata[a][a]);
            for (int b = 0; b < a; b++) {
                ata[b][a] = ata[a][b];
            }
        }
        for (int a = 0; a < m; a++) {
            ata[a][a] += RIDGE * trace / Math.max(1, m);
        }
        double[] c = new double[0];
        if (m > 0) {
            try {
                DecompositionSolver solver = new CholeskyDecomposition(new Array2DRowRealMatrix(ata, false),
                        CholeskyDecomposition.DEFAULT_RELATIVE_SYMMETRY_THRESHOLD, 0).getSolver();
                c = solver.solve(new ArrayRealVector(atb, false)).toArray();
            } catch (MathRuntimeException e) {
                return null;
            }
            for (double x : c) {
                if (!Double.isFinite(x)) {
                    return null;
                }
            }
        }
        // Residual sum of squares at the solution: y'Wy - c'A'Wy.
        double rss = yy;
        for (int a = 0; a < m; a++) {
            rss -= c[a] * atb[a];
        }
        lastRss = rss;
        for (int a = 0; a < m; a++) {
            int j = freeLin[a];
            p[j] = BoundedParameters.clampInterior(c[a], bounds.lo[j], bounds.hi[j]);
        }
        for (int j : nonlin) {
            p[j] = BoundedParameters.clampInterior(p[j], bounds.lo[j], bounds.hi[j]);
        }
        return p;
    }

    /**
     * The objective at {@code p} (the non-linear parameters those of the last {@link #project}, linear ones
     * anywhere) from that projection's columns: the law is linear in the free linear parameters, so its value is
     * {@code offset_i + sum_j p_j col_ij}. Equal to {@link LawProblem#objectiveAt} up to rounding in the last bits
     * (the grid's starts are only ranked by it), at the cost of one logarithm per point instead of an evaluation of
     * the law. Valid only until the next projection.
     */
    double objectiveFromColumns(double[] p) {
        double[] sqrtW = problem.sqrtW;
        double[] lnL = problem.lnL;
        double sum = 0;
        for (int i = 0; i < offsets.length; i++) {
            double[] row = jac[i];
            double v = offsets[i];
            for (int j : freeLin) {
                v += p[j] * row[j];
            }
            if (!(v > 0) || !Double.isFinite(v)) {
                return Double.POSITIVE_INFINITY;
            }
            sum += sqrtW[i] * sqrtW[i] * problem.huber(Math.log(v) - lnL[i]);
        }
        return sum + problem.penalty(p);
    }
}
