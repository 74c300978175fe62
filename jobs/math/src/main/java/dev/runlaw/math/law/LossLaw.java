package dev.runlaw.math.law;

import dev.runlaw.math.schedule.LrSchedule;
import java.util.List;

/**
 * A schedule-aware loss law: the loss {@code L(s; theta)} at optimizer step {@code s} of a run trained with a given
 * {@link LrSchedule}, for a parameter vector {@code theta}. Loss is in the run's own units (nats per token for the
 * reference data); steps are optimizer steps.
 *
 * <p>Implementations are immutable and pure. Evaluation goes through {@link #prepare}, which precomputes everything
 * that depends only on the schedule and the query steps (areas, kernels), so that a fitter can evaluate the law
 * and its Jacobian many times cheaply.
 *
 * <p>Every law used here is linear in some parameters given the others ({@link #linearParameters()}); fitters use
 * that for variable-projection starting points over {@link #nonlinearGrid()}.
 */
public interface LossLaw {
    /** Short name, e.g. {@code momentum} or {@code multipower}. */
    String name();

    /** Parameter names, in the order of the parameter vector. */
    List<String> parameterNames();

    default int parameterCount() {
        return parameterNames().size();
    }

    /** Lower bounds of the parameters, given the smallest observed loss (the asymptote lies below it). */
    double[] lowerBounds(double minObservedLoss);

    /** Upper bounds of the parameters (may be {@code +Infinity}), given the smallest observed loss. */
    double[] upperBounds(double minObservedLoss);

    /** Indices of parameters in which the law is linear when the others are fixed. */
    int[] linearParameters();

    /**
     * Values of the non-linear parameters (all indices not in {@link #linearParameters()}, in index order) from
     * which a fitter may start.
     */
    List<double[]> nonlinearGrid();

    /**
     * Indices of the parameters of the annealing (decay) term; they are not identifiable from data in which the LR
     * has not decreased after its peak.
     */
    int[] annealingParameters();

    /**
     * Fixed hyper-parameter variants a fitter should try and choose among by fit quality (e.g. the momentum
     * law's lambda, ascending); by default just this law. Ordered along the hyper-parameter: a fitter may assume the
     * fit quality is unimodal along this order.
     */
    default List<LossLaw> variants() {
        return List.of(this);
    }

    /** Human-readable description of the hyper-parameters (e.g. {@code lambda=0.999}); empty if none. */
    default String hyperParameters() {
        return "";
    }

    /** Precomputes the law's schedule-dependent terms at {@code steps} (each within the schedule). */
    PreparedCurve prepare(LrSchedule schedule, long[] steps);

    /**
     * {@link #prepare} of every one of {@link #variants()} (same order), for one schedule and query steps. Laws
     * whose variants share schedule terms override this to compute them in one pass.
     */
    default List<PreparedCurve> prepareVariants(LrSchedule schedule, long[] steps) {
        List<PreparedCurve> out = new java.util.ArrayList<>();
        for (LossLaw v : variants()) {
            out.add(v.prepare(schedule, steps));
        }
        return out;
    }

    /** Loss predicted at each of {@code steps} under {@code schedule}. */
    default double[] predict(double[] params, LrSchedule schedule, long[] steps) {
        PreparedCurve c = prepare(schedule, steps);
        double[] out = new double[steps.length];
        c.evaluate(params, out, 0, null);
        return out;
    }

    /** Loss predicted at one step under {@code schedule}. */
    default double predict(double[] params, LrSchedule schedule, long step) {
        return predict(params, schedule, new long[] {step})[0];
    }
}
