package dev.runlaw.math.forecast;

/**
 * Combines forecasts of the same steps from several laws into one, in log space: with weights {@code w_m} (summing
 * to 1) the point is {@code exp(sum_m w_m ln point_m)} and the predictive distribution of {@code ln L} is the
 * normal with the mixture's mean and variance, {@code sum_m w_m (sd_m^2 + (mu_m - mu)^2)}, so disagreement between
 * the laws widens the interval.
 *
 * <p>Weights come from out-of-sample errors measured on data available at forecast time (e.g. leave-one-run-out
 * over the fitted runs): {@link #inverseSquareWeights} gives each member a weight proportional to
 * {@code 1 / error^2}, the inverse-variance rule for unbiased members with independent errors;
 * {@link #stackedWeights} chooses the weights whose mixture itself has the lowest validation error, which also
 * rewards members whose errors cancel (stacking, Wolpert 1992; Breiman 1996).
 */
public final class Ensemble {
    private Ensemble() {
    }

    /**
     * Weights proportional to {@code 1 / error_m^2}, normalised to sum 1. Non-finite or negative errors get weight
     * 0; if every error is 0 or none is usable the finite-error members share equally (all members if none is
     * finite).
     */
    public static double[] inverseSquareWeights(double[] errors) {
        int m = errors.length;
        double[] w = new double[m];
        double sum = 0;
        boolean anyZero = false;
        for (double e : errors) {
            if (e == 0) {
                anyZero = true;
            }
        }
        for (int i = 0; i < m; i++) {
            double e = errors[i];
            if (!(e >= 0) || !Double.isFinite(e)) {
                continue;
            }
            w[i] = anyZero ? (e == 0 ? 1 : 0) : 1 / (e * e);
            sum += w[i];
        }
        if (sum == 0) {
            java.util.Arrays.fill(w, 1.0 / m);
            return w;
        }
        for (int i = 0; i < m; i++) {
            w[i] /= sum;
        }
        return w;
    }

    /**
     * Stacking: the weights, on the simplex grid of step {@code 1 / gridSteps}, whose log-space mixture
     * {@code exp(sum_m w_m ln point_m)} has the lowest validation error, the mean over the splits of the mean relative
     * error {@code |mixture - truth| / truth} over the split's points (the papers' PredE, as each member's own
     * validation error is measured). A member whose {@code points[m]} is null (its fit or forecast failed) gets weight
     * 0. Ties go to the grid point enumerated first (more weight on earlier members), so the result is deterministic.
     *
     * @param points    {@code points[m][s][i]}: member m's point forecast of split s's held-out point i
     * @param truth     {@code truth[s][i]}: the measured loss there
     * @param gridSteps grid resolution, e.g. 20 for steps of 0.05
     * @return weights summing to 1, or null if no member has usable points
     */
    public static double[] stackedWeights(double[][][] points, double[][] truth, int gridSteps) {
        if (gridSteps < 1) {
            throw new IllegalArgumentException("grid steps must be >= 1, got " + gridSteps);
        }
        int m = points.length;
        int[] usable = new int[m];
        int u = 0;
        for (int k = 0; k < m; k++) {
            if (points[k] != null) {
                if (points[k].length != truth.length) {
                    throw new IllegalArgumentException("member " + k + " has " + points[k].length + " splits, truth "
                            + truth.length);
                }
                usable[u++] = k;
            }
        }
        if (u == 0) {
            return null;
        }
        double[][][] logs = new double[u][truth.length][];
        for (int k = 0; k < u; k++) {
            for (int s = 0; s < truth.length; s++) {
                double[] p = points[usable[k]][s];
                if (p.length != truth[s].length) {
                    throw new IllegalArgumentException("split " + s + ": " + p.length + " points, truth "
                            + truth[s].length);
                }
                logs[k][s] = new double[p.length];
                for (int i = 0; i < p.length; i++) {
                    logs[k][s][i] = Math.log(p[i]);
                }
            }
        }
        int[] c = new int[u];
        int[] best = null;
        double bestE = Double.POSITIVE_INFINITY;
        c[0] = gridSteps;
        // Enumerates the compositions of gridSteps into u parts, from all weight on the first member onwards.
        while (true) {
            double e = mixtureError(logs, truth, c, gridSteps);
            if (e < bestE) {
                bestE = e;
                best = c.clone();
            }
            if (!nextComposition(c)) {
                break;
            }
        }
        double[] w = new double[m];
        for (int k = 0; k < u; k++) {
            w[usable[k]] = best[k] / (double) gridSteps;
        }
        return w;
    }

    private static double mixtureError(double[][][] logs, double[][] truth, int[] c, int gridSteps) {
        double sum = 0;
        int splits = 0;
        for (int s = 0; s < truth.length; s++) {
            int n = truth[s].length;
            if (n == 0) {
                continue;
            }
            double e = 0;
            for (int i = 0; i < n; i++) {
                double mu = 0;
                for (int k = 0; k < c.length; k++) {
                    if (c[k] != 0) {
                        mu += c[k] * logs[k][s][i];
                    }
                }
                double t = truth[s][i];
                e += Math.abs(Math.exp(mu / gridSteps) - t) / t;
            }
            sum += e / n;
            splits++;
        }
        return splits == 0 ? Double.POSITIVE_INFINITY : sum / splits;
    }

    /** The next composition in reverse-lexicographic order (moves one unit rightwards); false after the last. */
    private static boolean nextComposition(int[] c) {
        int last = c.length - 1;
        if (last == 0) {
            return false;
        }
        int i = last - 1;
        while (i >= 0 && c[i] == 0) {
            i--;
        }
        if (i < 0) {
            return false;
        }
        c[i]--;
        c[i + 1]++;
        if (i + 1 < last) {
            c[i + 1] += c[last];
            c[last] = 0;
        }
        return true;
    }

    /**
     * Combines {@code members[m][i]} (member m's forecast of step i) with {@code weights[m]}. A member with weight
     * 0 is ignored; if a member with positive weight failed at a step, that step's combined forecast fails.
     *
     * @param level nominal coverage of the combined interval, e.g. 0.9
     */
    public static Forecast[] combine(Forecast[][] members, double[] weights, double level) {
        return combine(members, weights, level, null);
    }

    /**
     * As {@link #combine(Forecast[][], double[], double)}, with the ensemble's own model-discrepancy sd at each step
     * added in quadrature: {@code v = sum_m w_m (sd_m^2 + (mu_m - mu)^2) + extraLogSd[i]^2}. Intended use: members
     * forecast without their own horizon terms (discrepancy 0: parameter uncertainty and noise only), and
     * {@code extraLogSd[i] = d_ens * ln(s_i / s_obs)} with the ensemble's calibrated {@code d_ens}
     * ({@link Forecaster#ENSEMBLE_DISCREPANCY}): each member's {@code d} is calibrated to that member's errors,
     * while the ensemble's point has errors of its own (smaller where the laws' errors cancel).
     *
     * @param extraLogSd per-step sd added in quadrature (log-loss units, {@code >= 0}); null for none
     */
    public static Forecast[] combine(Forecast[][] members, double[] weights, double level, double[] extraLogSd) {
        if (members.length == 0 || members.length != weights.length) {
            throw new IllegalArgumentException("need one weight per member, got " + members.length + " members, "
                    + weights.length + " weights");
        }
        double total = 0;
        for (double w : weights) {
            if (!(w >= 0) || !Double.isFinite(w)) {
                throw new IllegalArgumentException("weights must be finite and >= 0");
            }
            total += w;
        }
        if (!(total > 0)) {
            throw new IllegalArgumentException("weights sum to 0");
        }
        int n = members[0].length;
        if (extraLogSd != null && extraLogSd.length != n) {
            throw new IllegalArgumentException("need one extra sd per step, got " + extraLogSd.length + " for " + n);
        }
        double z = Normal.quantile(0.5 + level / 2);
        Forecast[] out = new Forecast[n];
        for (int i = 0; i < n; i++) {
            double mu = 0;
            String failure = null;
            long step = members[0][i].step();
            for (int m = 0; m < members.length; m++) {
                if (weights[m] == 0) {
                    continue;
                }
                Forecast f = members[m][i];
                if (!f.ok()) {
                    failure = f.message();
                    break;
                }
                mu += weights[m] / total * Math.log(f.point());
            }
            if (failure != null) {
                out[i] = Forecast.failed(step, level, failure);
                continue;
            }
            double var = 0;
            for (int m = 0; m < members.length; m++) {
                if (weights[m] == 0) {
                    continue;
                }
                Forecast f = members[m][i];
                double d = Math.log(f.point()) - mu;
                var += weights[m] / total * (f.logSd() * f.logSd() + d * d);
            }
            if (extraLogSd != null) {
                double e = extraLogSd[i];
                if (!(e >= 0) || !Double.isFinite(e)) {
                    throw new IllegalArgumentException("extra sd must be finite and >= 0, got " + e);
                }
                var += e * e;
            }
            double sd = Math.sqrt(var);
            out[i] = new Forecast(step, Math.exp(mu), Math.exp(mu - z * sd), Math.exp(mu + z * sd), level, sd, true,
                    "ensemble of " + members.length + " laws");
        }
        return out;
    }
}
