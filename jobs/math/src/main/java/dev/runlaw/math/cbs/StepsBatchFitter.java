package dev.runlaw.math.cbs;

/**
 * Fits S(B) = a + b/B to (batch, steps) pairs in log space, as Zhang et al. 2024 ("How Does Critical Batch Size
 * Scale in Pre-training?", arXiv 2410.21676) do: minimise Σ (log S_i − log(a + b/B_i))² over a, b ≥ 0. A fit in
 * linear space is dominated by the small batches' large step counts and moves b/a a lot.
 *
 * <p>Method: with c = b/a = B_noise, log S = log a + log(1 + c/B), so for a given c the best log a is the mean
 * of log S_i − log(1 + c/B_i) and the residual sum RSS(c) is a function of c alone (variable projection). RSS(c)
 * is minimised over log c by a coarse grid then golden-section search, which finds the global minimum a local
 * optimiser might miss. The interval on B_noise is the profile-likelihood set
 * {c : RSS(c) ≤ RSS_min·(1 + F_{1,n−2}(level)/(n − 2))}, found by bisection on each side.
 */
public final class StepsBatchFitter {
    /** c is searched in [batch_min·1e-6, batch_max·1e6]: B_noise outside means the data cannot tell. */
    private static final double SPAN = 1e6;
    private static final int GRID = 400;
    private static final double LEVEL = 0.90;

    private StepsBatchFitter() {
    }

    /**
     * Fits the law to one group's runs.
     *
     * @param batch batch sizes in sequences (&gt; 0, at least 2 distinct)
     * @param steps steps to the target at each batch (&gt; 0)
     * @throws IllegalArgumentException on fewer than 3 points, mismatched lengths, non-positive or non-finite values
     */
    public static StepsBatchFit fit(double[] batch, double[] steps) {
        validate(batch, steps);
        int n = batch.length;
        double[] logS = new double[n];
        double lo = Double.POSITIVE_INFINITY;
        double hi = 0;
        for (int i = 0; i < n; i++) {
            logS[i] = Math.log(steps[i]);
            lo = Math.min(lo, batch[i]);
            hi = Math.max(hi, batch[i]);
        }
        Profile p = new Profile(batch, logS);
        double uMin = Math.log(lo / SPAN);
        double uMax = Math.log(hi * SPAN);
        double best = uMin;
        double bestRss = Double.POSITIVE_INFINITY;
        for (int k = 0; k <= GRID; k++) {
            double u = uMin + (uMax - uMin) * k / GRID;
            double r = p.rss(Math.exp(u));
            if (r < bestRss) {
                bestRss = r;
                best = u;
            }
        }
        double step = (uMax - uMin) / GRID;
        double u = golden(p, Math.max(uMin, best - step), Math.min(uMax, best + step));
        double c = Math.exp(u);
        double rss = p.rss(c);
        double a = Math.exp(p.logA(c));
        double threshold = rss * (1 + Quantiles.f1(LEVEL, n - 2) / (n - 2));
        double cLo = u <= uMin + 1e-9 || p.rss(Math.exp(uMin)) <= threshold ? 0
                : Math.exp(bisect(p, uMin, u, threshold));
        double cHi = p.rss(Math.exp(uMax)) <= threshold ? Double.POSITIVE_INFINITY
                : Math.exp(bisect(p, uMax, u, threshold));
        double mean = 0;
        for (double v : logS) {
            mean += v / n;
        }
        double tss = 0;
        for (double v : logS) {
            tss += (v - mean) * (v - mean);
        }
        double r2 = tss > 0 ? 1 - rss / tss : 1;
        return new StepsBatchFit(a, c, cLo, cHi, r2, n);
    }

    private static void validate(double[] batch, double[] steps) {
        if (batch == null || steps == null) {
            throw new IllegalArgumentException("batch and steps must not be null");
        }
        if (batch.length != steps.length) {
            throw new IllegalArgumentException(
                    "batch has " + batch.length + " values but steps has " + steps.length);
        }
        if (batch.length < 3) {
            throw new IllegalArgumentException(
                    "the steps-versus-batch law needs at least 3 runs, got " + batch.length);
        }
        double first = batch[0];
        boolean distinct = false;
        for (int i = 0; i < batch.length; i++) {
            if (!(batch[i] > 0) || Double.isInfinite(batch[i])) {
                throw new IllegalArgumentException("batch[" + i + "] must be finite and > 0, got " + batch[i]);
            }
            if (!(steps[i] > 0) || Double.isInfinite(steps[i])) {
                throw new IllegalArgumentException("steps[" + i + "] must be finite and > 0, got " + steps[i]);
            }
            distinct |= batch[i] != first;
        }
        if (!distinct) {
            throw new IllegalArgumentException("the steps-versus-batch law needs at least 2 distinct batch sizes");
        }
    }

    private static double golden(Profile p, double lo, double hi) {
        double r = (Math.sqrt(5) - 1) / 2;
        double x1 = hi - r * (hi - lo);
        double x2 = lo + r * (hi - lo);
        double f1 = p.rss(Math.exp(x1));
        double f2 = p.rss(Math.exp(x2));
        for (int i = 0; i < 200 && hi - lo > 1e-12; i++) {
            if (f1 <= f2) {
                hi = x2;
                x2 = x1;
                f2 = f1;
                x1 = hi - r * (hi - lo);
                f1 = p.rss(Math.exp(x1));
            } else {
                lo = x1;
                x1 = x2;
                f1 = f2;
                x2 = lo + r * (hi - lo);
                f2 = p.rss(Math.exp(x2));
            }
        }
        return (lo + hi) / 2;
    }

    /** The u between {@code outside} (RSS above threshold) and {@code inside} where RSS(e^u) = threshold. */
    private static double bisect(Profile p, double outside, double inside, double threshold) {
        for (int i = 0; i < 200 && Math.abs(outside - inside) > 1e-12; i++) {
            double mid = (outside + inside) / 2;
            if (p.rss(Math.exp(mid)) > threshold) {
                outside = mid;
            } else {
                inside = mid;
            }
        }
        return (outside + inside) / 2;
    }

    /** RSS of the log-space fit as a function of c = b/a, with log a profiled out. */
    private record Profile(double[] batch, double[] logS) {
        double logA(double c) {
            double sum = 0;
            for (int i = 0; i < batch.length; i++) {
                sum += logS[i] - Math.log1p(c / batch[i]);
            }
            return sum / batch.length;
        }

        double rss(double c) {
            double la = logA(c);
            double sum = 0;
            for (int i = 0; i < batch.length; i++) {
                double r = logS[i] - la - Math.log1p(c / batch[i]);
                sum += r * r;
            }
            return sum;
        }
    }
}
