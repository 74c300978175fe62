package dev.runlaw.math.law;

import dev.runlaw.math.schedule.LrSchedule;
import dev.runlaw.math.schedule.MomentumAreas;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The LR-annealing ("momentum") loss law of Tissue et al. 2024, "Scaling Law with Learning Rate Annealing",
 * arXiv 2408.11029:
 *
 * <pre>
 *   L(s) = L0 + A * S1(s)^(-alpha) - C * S2(s)
 * </pre>
 *
 * with S1 the forward area and S2 the annealing area of {@link MomentumAreas} (momentum factor lambda, paper's
 * warmup convention: LR counted as its peak during warmup). Parameters {@code [L0, A, alpha, C]}: L0 and the loss
 * in the run's loss units, S1 and S2 in LR x steps. The law is linear in L0, A and C given alpha.
 *
 * <p>lambda is a hyper-parameter: {@link #create()} lets a fitter choose it from {@link #DEFAULT_LAMBDAS} by fit
 * quality (the paper uses 0.999 and reports 0.99–0.999 all work); {@link #withLambda(double)} fixes it.
 */
public final class MomentumLaw implements LossLaw {
    /** The lambda grid a fitter chooses from when lambda is not fixed. */
    public static final double[] DEFAULT_LAMBDAS = {0.99, 0.995, 0.998, 0.999, 0.9995};
    private static final List<String> NAMES = List.of("L0", "A", "alpha", "C");
    private static final List<double[]> GRID;

    static {
        List<double[]> g = new ArrayList<>();
        for (double a = 0.1; a < 1.55; a += 0.1) {
            g.add(new double[] {a});
        }
        GRID = List.copyOf(g);
    }

    private final double lambda;
    private final double[] lambdas;

    private MomentumLaw(double lambda, double[] lambdas) {
        this.lambda = lambda;
        this.lambdas = lambdas;
    }

    /** The law with lambda chosen by the fitter from {@link #DEFAULT_LAMBDAS}. */
    public static MomentumLaw create() {
        return new MomentumLaw(0.999, DEFAULT_LAMBDAS.clone());
    }

    /** The law with a fixed lambda in [0, 1). */
    public static MomentumLaw withLambda(double lambda) {
        if (!(lambda >= 0 && lambda < 1)) {
            throw new IllegalArgumentException("lambda must be in [0, 1), got " + lambda);
        }
        return new MomentumLaw(lambda, new double[] {lambda});
    }

    /** The law with lambda chosen by the fitter from the given candidates (its variants in ascending order). */
    public static MomentumLaw withLambdaCandidates(double... candidates) {
        if (candidates.length == 0) {
            throw new IllegalArgumentException("no lambda candidates");
        }
        for (double c : candidates) {
            withLambda(c);
        }
        double[] sorted = candidates.clone();
        Arrays.sort(sorted);
        return new MomentumLaw(candidates[0], sorted);
    }

    public double lambda() {
        return lambda;
    }

    @Override
    public String name() {
        return "momentum";
    }

    @Override
    public List<String> parameterNames() {
        return NAMES;
    }

    @Override
    public double[] lowerBounds(double minObservedLoss) {
        return new double[] {0, 0, 0.01, 0};
    }

    @Override
    public double[] upperBounds(double minObservedLoss) {
        return new double[] {minObservedLoss, Double.POSITIVE_INFINITY, 3, Double.POSITIVE_INFINITY};
    }

    @Override
    public int[] linearParameters() {
        return new int[] {0, 1, 3};
    }

    @Override
    public List<double[]> nonlinearGrid() {
        return GRID;
    }

    @Override
    public int[] annealingParameters() {
        return new int[] {3};
    }

    @Override
    public List<LossLaw> variants() {
        if (lambdas.length == 1) {
            return List.of(this);
        }
        List<LossLaw> out = new ArrayList<>();
        for (double l : lambdas) {
            out.add(withLambda(l));
        }
        return out;
    }

    @Override
    public String hyperParameters() {
        return "lambda=" + lambda;
    }

    @Override
    public PreparedCurve prepare(LrSchedule schedule, long[] steps) {
        if (schedule.isPiecewise()) {
            // Closed forms over the knots: O(knots + steps), whatever the schedule's length.
            double[][] areas = MomentumAreas.atSteps(schedule, new double[] {lambda}, steps);
            return new Prepared(steps.clone(), areas[0], areas[1]);
        }
        MomentumAreas a = new MomentumAreas(lambda, schedule.firstStep(), schedule.peakStep());
        long[] order = steps.clone();
        double[] s1 = new double[steps.length];
        double[] s2 = new double[steps.length];
        // Steps may come in any order; walk the schedule once up to the largest.
        long max = Arrays.stream(steps).max().orElse(schedule.firstStep());
        if (steps.length > 0 && !schedule.contains(max)) {
            throw new IndexOutOfBoundsException("step " + max + " outside " + schedule);
        }
        // One pass up to the largest step, recording the areas as each requested step is reached (no per-step
        // arrays: the forecast of a long planned schedule must not allocate its length).
        Integer[] idx = new Integer[steps.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
            if (steps[i] < schedule.firstStep()) {
                throw new IndexOutOfBoundsException("step " + steps[i] + " outside " + schedule);
            }
        }
        Arrays.sort(idx, (x, y) -> Long.compare(steps[x], steps[y]));
        long t = schedule.firstStep();
        for (int i : idx) {
            for (; t <= steps[i]; t++) {
                a.push(schedule.lrAt(t));
            }
            s1[i] = a.s1();
            s2[i] = a.s2();
        }
        return fromAreas(order, s1, s2);
    }

    /** All lambda candidates' curves from one pass over the schedule ({@link MomentumAreas#atSteps}). */
    @Override
    public List<PreparedCurve> prepareVariants(LrSchedule schedule, long[] steps) {
        double[][] areas = MomentumAreas.atSteps(schedule, lambdas, steps);
        long[] st = steps.clone();
        double[] s1 = areas[0];
        double[] lnS1 = Prepared.logs(s1);
        List<PreparedCurve> out = new ArrayList<>(lambdas.length);
        for (int l = 0; l < lambdas.length; l++) {
            out.add(new Prepared(st, s1, areas[1 + l], lnS1));
        }
        return out;
    }

    /** A prepared curve from areas already computed (e.g. kept by an online state). */
    public static PreparedCurve fromAreas(long[] steps, double[] s1, double[] s2) {
        return new Prepared(steps.clone(), s1.clone(), s2.clone());
    }

    @Override
    public String toString() {
        return "MomentumLaw[" + (lambdas.length == 1 ? "lambda=" + lambda : "lambda in " + Arrays.toString(lambdas))
                + "]";
    }

    private record Prepared(long[] steps, double[] s1, double[] s2, double[] lnS1) implements PreparedCurve {
        Prepared(long[] steps, double[] s1, double[] s2) {
            this(steps, s1, s2, logs(s1));
        }

        private static double[] logs(double[] s1) {
            double[] out = new double[s1.length];
            for (int i = 0; i < s1.length; i++) {
                out[i] = Math.log(s1[i] > 0 ? s1[i] : Double.MIN_NORMAL);
            }
            return out;
        }

        @Override
        public int size() {
            return steps.length;
        }

        @Override
        public long step(int i) {
            return steps[i];
        }

        @Override
        public void evaluate(double[] p, double[] values, int offset, double[][] jac) {
            double l0 = p[0];
            double a = p[1];
            double alpha = p[2];
            double c = p[3];
            for (int i = 0; i < steps.length; i++) {
                double lnS = lnS1[i];
                double pw = Math.exp(-alpha * lnS);
                values[offset + i] = l0 + a * pw - c * s2[i];
                if (jac != null) {
                    double[] row = jac[offset + i];
                    row[0] = 1;
                    row[1] = pw;
                    row[2] = -a * pw * lnS;
                    row[3] = -s2[i];
                }
            }
        }
    }
}
