package dev.runlaw.math.schedule;

/**
 * Incremental forward and annealing areas of the LR-annealing ("momentum") loss law, Tissue et al. 2024,
 * "Scaling Law with Learning Rate Annealing", arXiv 2408.11029, eqs. for S1 and S2:
 *
 * <pre>
 *   S1(s) = sum_{i=1..s} eta_i                          (forward area, LR units x steps)
 *   m_i   = lambda * m_{i-1} + (eta_{i-1} - eta_i),  m_1 = 0
 *   S2(s) = sum_{i=1..s} m_i                            (annealing area; negative after a re-warmup)
 * </pre>
 *
 * <p>Warmup convention of the paper: during the warmup (the leading stretch where the LR strictly increases) the
 * LR is taken as its peak {@code eta_max}, so S1 grows by {@code eta_max} per warmup step and the momentum stays
 * 0. When the warmup's end is not known in advance (online), each warmup step counts the highest LR seen so far,
 * and S1 is rebased to {@code steps * eta_max} as the LR rises, which equals the paper's value once the peak is
 * reached. Step 0 (if present) contributes nothing, as the sums start at i = 1.
 *
 * <p>O(1) time and memory per {@link #push}; not thread-safe.
 */
public final class MomentumAreas {
    private final double lambda;
    private final long knownPeakStep;
    private long step;
    private boolean started;
    private boolean inWarmup = true;
    private long warmupSteps;
    private double prevRaw;
    private double prevEff;
    private double s1;
    private double s2;
    private double m;

    /**
     * @param lambda        momentum decay factor in (0, 1); the paper uses 0.999 (0.99–0.999 all work)
     * @param firstStep     step of the first {@link #push}
     * @param knownPeakStep last warmup step if known, or -1 to detect it (end of the strictly increasing prefix)
     */
    public MomentumAreas(double lambda, long firstStep, long knownPeakStep) {
        if (!(lambda >= 0 && lambda < 1)) {
            throw new IllegalArgumentException("lambda must be in [0, 1), got " + lambda);
        }
        this.lambda = lambda;
        this.knownPeakStep = knownPeakStep;
        this.step = firstStep - 1;
    }

    /** Advances one step with that step's LR. */
    public void push(double lr) {
        step++;
        boolean warm;
        if (knownPeakStep >= 0) {
            warm = step <= knownPeakStep;
        } else {
            warm = inWarmup && (!started || lr > prevRaw);
        }
        if (!warm) {
            inWarmup = false;
        }
        started = true;
        prevRaw = lr;
        if (step < 1) {
            prevEff = lr;
            return;
        }
        if (warm) {
            warmupSteps++;
            double peak = Math.max(prevEff, lr);
            s1 = warmupSteps * peak;
            prevEff = peak;
            return;
        }
        m = lambda * m + (prevEff - lr);
        s1 += lr;
        s2 += m;
        prevEff = lr;
    }

    public long step() {
        return step;
    }

    public double s1() {
        return s1;
    }

    public double s2() {
        return s2;
    }

    public double lambda() {
        return lambda;
    }

    /** Areas at every step of a schedule: {@code [0][i]} = S1, {@code [1][i]} = S2 at step firstStep + i. */
    public static double[][] of(LrSchedule schedule, double lambda) {
        MomentumAreas a = new MomentumAreas(lambda, schedule.firstStep(), schedule.peakStep());
        int n = schedule.length();
        double[][] out = new double[2][n];
        for (int i = 0; i < n; i++) {
            a.push(rawAt(schedule, i));
            out[0][i] = a.s1;
            out[1][i] = a.s2;
        }
        return out;
    }
    /**
     * S1 and S2 of several lambdas at chosen steps, in one pass over the schedule (up to the largest step): row 0 =
     * S1 (the same for every lambda), row {@code 1 + l} = S2 for {@code lambdas[l]}; column {@code i} is
     * {@code steps[i]} (any order, repeats allowed), with the schedule's known peak step as the warmup's end.
     *
     * <p>Per-step schedule: bit-for-bit the values of {@link #push}. Piecewise-linear schedule
     * ({@link LrSchedule#isPiecewise()}): O(knots + steps) per lambda, from closed forms over each linear segment,
     * where the LR drops by the same {@code delta} every step. From a segment start with momentum {@code m_0},
     * after {@code k} steps
     * <pre>
     *   m_k                   = lambda^k m_0 + delta (1 - lambda^k) / (1 - lambda)
     *   sum_{j=1..k} m_j      = m_0 G + delta (k - G) / (1 - lambda),   G = lambda (1 - lambda^k) / (1 - lambda)
     *   S1(s)                 = W eta_max + area(s) - area(peak)         (s after the warmup)
     *   S1(s)                 = (s - max(1, first) + 1) * max_{first..s} eta      (s within the warmup)
     * </pre>
     * ({@code W} warmup steps counted from step 1, {@code eta_max} the largest LR up to the peak: the paper's
     * warmup convention exactly as {@link #push} applies it). Segments of at most {@value #SHORT_SEGMENT} steps, and
     * the first step after the peak (whose drop is from {@code eta_max}), are stepped through with the per-step
     * recurrence: there {@code k - G} would lose digits to cancellation. Agrees with the per-step recurrence over
     * the same per-step LR to about 1e-12 of {@code sum |m_i|} (rounding only; see {@code MomentumAreasTest}).
     *
     * @throws IndexOutOfBoundsException if a step lies outside the schedule
     */
    public static double[][] atSteps(LrSchedule schedule, double[] lambdas, long[] steps) {
        for (double l : lambdas) {
            if (!(l >= 0 && l < 1)) {
                throw new IllegalArgumentException("lambda must be in [0, 1), got " + l);
            }
        }
        if (schedule instanceof PiecewiseLrSchedule piecewise) {
            return atKnots(piecewise, lambdas, steps);
        }
        int n = steps.length;
        int nl = lambdas.length;
        double[][] out = new double[1 + nl][n];
        if (n == 0) {
            return out;
        }
        long first = schedule.firstStep();
        Integer[] boxed = new Integer[n];
        for (int i = 0; i < n; i++) {
            if (!schedule.contains(steps[i])) {
                throw new IndexOutOfBoundsException("step " + steps[i] + " outside " + schedule);
            }
            boxed[i] = i;
        }
        java.util.Arrays.sort(boxed, (a, b) -> Long.compare(steps[a], steps[b]));
        long peakStep = schedule.peakStep();
        int last = (int) (steps[boxed[n - 1]] - first);
        double[] m = new double[nl];
        double[] s2 = new double[nl];
        double s1 = 0;
        double prevEff = 0;
        long warmupSteps = 0;
        int next = 0;
        // While every momentum is 0 and the LR does not change (e.g. a constant phase before any decay), the
        // recurrences add exact zeros: skipped, with bit-identical results.
        boolean moving = false;
        for (int idx = 0; idx <= last; idx++) {
            long step = first + idx;
            double lr = rawAt(schedule, idx);
            if (step < 1) {
                prevEff = lr;
            } else if (step <= peakStep) {
                warmupSteps++;
                double peak = Math.max(prevEff, lr);
                s1 = warmupSteps * peak;
                prevEff = peak;
            } else {
                double d = prevEff - lr;
                if (d != 0) {
                    moving = true;
                    for (int l = 0; l < nl; l++) {
                        double ml = lambdas[l] * m[l] + d;
                        m[l] = ml;
                        s2[l] += ml;
                    }
                } else if (moving) {
                    moving = false;
                    for (int l = 0; l < nl; l++) {
                        double ml = lambdas[l] * m[l] + d;
                        m[l] = ml;
                        s2[l] += ml;
                        moving |= ml != 0;
                    }
                }
                s1 += lr;
                prevEff = lr;
            }
            while (next < n && steps[boxed[next]] == step) {
                int col = boxed[next++];
                out[0][col] = s1;
                for (int l = 0; l < nl; l++) {
                    out[1 + l][col] = s2[l];
                }
            }
        }
        return out;
    }

    /** Segments up to this many steps are stepped through rather than summed in closed form. */
    static final int SHORT_SEGMENT = 16;

    /** The LR at index {@code i} (step {@code firstStep + i}): the array entry of a per-step schedule. */
    private static double rawAt(LrSchedule schedule, int i) {
        return schedule instanceof PerStepLrSchedule perStep ? perStep.rawAt(i)
                : schedule.lrAt(schedule.firstStep() + i);
    }

    private static Integer[] sortedOrder(LrSchedule schedule, long[] steps) {
        Integer[] order = new Integer[steps.length];
        for (int i = 0; i < steps.length; i++) {
            if (!schedule.contains(steps[i])) {
                throw new IndexOutOfBoundsException("step " + steps[i] + " outside " + schedule);
            }
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Long.compare(steps[a], steps[b]));
        return order;
    }

    /** {@link #atSteps} on a piecewise-linear schedule: closed forms per segment (see there). */
    private static double[][] atKnots(PiecewiseLrSchedule schedule, double[] lambdas, long[] steps) {
        int n = steps.length;
        int nl = lambdas.length;
        double[][] out = new double[1 + nl][n];
        if (n == 0) {
            return out;
        }
        Integer[] order = sortedOrder(schedule, steps);
        long[] ks = schedule.knotStepsRaw();
        double[] kv = schedule.knotValuesRaw();
        long first = schedule.firstStep();
        long peak = schedule.peakStep();
        long firstCounted = Math.max(1, first);
        // Warmup: S1 = (warm steps so far) * (largest LR so far), S2 = 0. The largest LR over a prefix is at a knot
        // or at the prefix's end, as each segment is monotone.
        int next = 0;
        int j = 0;
        double runMax = kv[0];
        while (next < n && steps[order[next]] <= peak) {
            long q = steps[order[next]];
            while (j + 1 < ks.length && ks[j + 1] <= q) {
                j++;
                runMax = Math.max(runMax, kv[j]);
            }
            double max = Math.max(runMax, schedule.lrAt(q));
            out[0][order[next]] = q < 1 ? 0 : (q - firstCounted + 1) * max;
            next++;
        }
        if (next == n) {
            return out;
        }
        while (j + 1 < ks.length && ks[j + 1] <= peak) {
            j++;
            runMax = Math.max(runMax, kv[j]);
        }
        double etaMax = Math.max(runMax, schedule.lrAt(peak));
        double s1Peak = peak < 1 ? 0 : (peak - firstCounted + 1) * etaMax;
        double areaPeak = schedule.area(peak);
        double[] lnLambda = new double[nl];
        double[] inv = new double[nl];
        for (int l = 0; l < nl; l++) {
            lnLambda[l] = Math.log(lambdas[l]);
            inv[l] = 1 / (1 - lambdas[l]);
        }
        double[] m = new double[nl];
        double[] s2 = new double[nl];
        // The first step after the peak drops from eta_max (not from the peak step's own LR when they differ).
        long t = peak + 1;
        double prev = schedule.lrAt(t);
        for (int l = 0; l < nl; l++) {
            m[l] = etaMax - prev;
            s2[l] = m[l];
        }
        j = schedule.knotAtOrBefore(t);
        for (; next < n; next++) {
            int col = order[next];
            long q = steps[col];
            while (t < q) {
                if (ks[j + 1] <= t) {
                    j++;
                    continue;
                }
                long end = Math.min(q, ks[j + 1]);
                long k = end - t;
                double endLr = end == ks[j + 1] ? kv[j + 1] : interpolate(ks, kv, j, end);
                if (k <= SHORT_SEGMENT) {
                    for (long u = t + 1; u <= end; u++) {
                        double lr = u == end ? endLr : interpolate(ks, kv, j, u);
                        double d = prev - lr;
                        for (int l = 0; l < nl; l++) {
                            double ml = lambdas[l] * m[l] + d;
                            m[l] = ml;
                            s2[l] += ml;
                        }
                        prev = lr;
                    }
                } else {
                    double delta = (kv[j] - kv[j + 1]) / (ks[j + 1] - ks[j]);
                    for (int l = 0; l < nl; l++) {
                        // 1 - lambda^k without cancellation: -expm1(k ln lambda) (= 1 for lambda = 0).
                        double oneMinusP = -Math.expm1(k * lnLambda[l]);
                        double g = lambdas[l] * oneMinusP * inv[l];
                        s2[l] += m[l] * g + delta * (k - g) * inv[l];
                        m[l] = (1 - oneMinusP) * m[l] + delta * oneMinusP * inv[l];
                    }
                    prev = endLr;
                }
                t = end;
            }
            out[0][col] = s1Peak + (schedule.area(q) - areaPeak);
            for (int l = 0; l < nl; l++) {
                out[1 + l][col] = s2[l];
            }
        }
        return out;
    }

    private static double interpolate(long[] ks, double[] kv, int j, long step) {
        double v0 = kv[j];
        return v0 + (kv[j + 1] - v0) * ((double) (step - ks[j]) / (ks[j + 1] - ks[j]));
    }
}
