package dev.runlaw.jobs.batch;

import dev.runlaw.math.cbs.BatchTradeoff;
import dev.runlaw.math.cbs.NoiseScaleEstimate;
import dev.runlaw.math.cbs.NoiseScaleStatus;
import dev.runlaw.schema.BatchDecision;

/**
 * Batch-size advice for a run from its gradient noise scale, and what is at stake (McCandlish et al. 2018, eqs.
 * 2.11-2.12): at batch B, steps S = S_min (1 + B_noise / B) and tokens E = E_min (1 + B / B_noise), so the factors
 * over the minimum are given for the current batch and for the suggested one.
 *
 * <p>The rule uses the 90 % interval, not the point estimate, so noise alone does not flip the advice: INCREASE when
 * the batch is at most lo90 / ratio (even the lowest plausible B_simple is {@code ratio} times the batch: steps are
 * wasted), DECREASE when it is at least ratio x hi90 (tokens are wasted; never while only a lower bound is known),
 * KEEP otherwise, UNDECIDED without a usable estimate. B_simple may underestimate the critical batch of a sweep
 * (Merrill et al. 2025), which is one more reason DECREASE needs a wide margin. The suggested batch is the power of
 * two nearest B_simple in log scale (B = B_simple balances the two: both factors are 2). Pure and stateless.
 */
public final class BatchAdvisor {

    /**
     * Advice at one estimate.
     *
     * @param decision         what to do with the batch
     * @param suggestedBatch   the suggested batch in sequences, 0 when undecided
     * @param stepsFactor      1 + B_simple / B at the current batch, NaN when undecided
     * @param tokensFactor     1 + B / B_simple at the current batch, NaN when undecided
     * @param suggestedSteps   1 + B_simple / B' at the suggested batch B'
     * @param suggestedTokens  1 + B' / B_simple at the suggested batch
     */
    public record Advice(BatchDecision decision, long suggestedBatch, double stepsFactor, double tokensFactor,
                         double suggestedSteps, double suggestedTokens) {
        static final Advice UNDECIDED = new Advice(BatchDecision.UNDECIDED, 0, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN);
    }

    private BatchAdvisor() {
    }

    /** The advice for a run at {@code batch} sequences given its estimate {@code e}. */
    public static Advice advise(long batch, NoiseScaleEstimate e, double ratio) {
        boolean usable = (e.status() == NoiseScaleStatus.OK || e.status() == NoiseScaleStatus.LOWER_BOUND_ONLY)
                && e.bSimple() > 0 && Double.isFinite(e.bSimple()) && batch > 0;
        if (!usable) {
            return Advice.UNDECIDED;
        }
        double b = e.bSimple();
        BatchDecision d;
        if (e.lo90() > 0 && batch * ratio <= e.lo90()) {
            d = BatchDecision.INCREASE;
        } else if (Double.isFinite(e.hi90()) && e.status() == NoiseScaleStatus.OK && batch >= ratio * e.hi90()) {
            d = BatchDecision.DECREASE;
        } else {
            d = BatchDecision.KEEP;
        }
        long suggested = d == BatchDecision.KEEP ? batch : nearestPowerOfTwo(b);
        return new Advice(d, suggested, BatchTradeoff.stepsFactor(batch, b), BatchTradeoff.tokensFactor(batch, b),
                BatchTradeoff.stepsFactor(suggested, b), BatchTradeoff.tokensFactor(suggested, b));
    }

    /** The power of two nearest {@code x} in log scale (at least 1). */
    public static long nearestPowerOfTwo(double x) {
        if (!(x > 1)) {
            return 1;
        }
        long k = Math.round(Math.log(x) / Math.log(2));
        return 1L << Math.min(k, 62);
    }
}
