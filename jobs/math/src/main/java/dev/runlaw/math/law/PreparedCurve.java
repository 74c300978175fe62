package dev.runlaw.math.law;

/**
 * A loss law's schedule-dependent terms precomputed at fixed query steps of one run; evaluates the law and its
 * Jacobian for any parameter vector. Immutable.
 */
public interface PreparedCurve {
    /** Number of query steps. */
    int size();

    /** The i-th query step. */
    long step(int i);

    /**
     * Writes {@code L(step(i); params)} to {@code values[offset + i]} and, when {@code jacobian} is not null,
     * {@code dL/dparams[j]} to {@code jacobian[offset + i][j]}.
     */
    void evaluate(double[] params, double[] values, int offset, double[][] jacobian);
}
