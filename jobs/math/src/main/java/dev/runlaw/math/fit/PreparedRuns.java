package dev.runlaw.math.fit;

import dev.runlaw.math.law.LossLaw;
import dev.runlaw.math.law.PreparedCurve;
import java.util.List;

/**
 * Fit input already reduced to a law's schedule terms, one block per run: what {@link LawFitter#fit(PreparedRuns)}
 * consumes. {@link LawFitter#fit(List)} builds one from {@link RunObservations}; an online state builds one from
 * its bounded summaries without keeping the whole LR history.
 */
public interface PreparedRuns {
    /** Number of runs. */
    int runCount();

    /** The law variant's terms at run {@code run}'s fitted points (post-warmup only). */
    PreparedCurve prepare(LossLaw variant, int run);

    /** Measured loss at run {@code run}'s fitted points. */
    double[] losses(int run);

    /**
     * Weight of each of run {@code run}'s points in the objective (e.g. how many raw points a bucket stands for);
     * all 1 for raw points.
     */
    double[] weights(int run);

    /** Whether any run's LR was annealed (below {@link LawFitter#ANNEALING_THRESHOLD} of peak) by its last point. */
    boolean annealed();
}
