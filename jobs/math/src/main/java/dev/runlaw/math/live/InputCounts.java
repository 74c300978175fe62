package dev.runlaw.math.live;

import java.util.List;
import java.util.Locale;

/**
 * A run's counts of bad input (duplicate, out-of-order, non-finite-loss, contradicting and invalid-LR steps, with
 * the first step of the non-finite losses and of the contradictions), the issues they raise and the status they
 * rank to. Part of {@link RunTracker}'s state (serialized by {@link RunTrackerCodec}). Mutable.
 */
final class InputCounts {
    long duplicates;
    long outOfOrder;
    long nanLosses;
    long firstNanStep = -1;
    long contradictions;
    long firstContradictionStep = -1;
    long invalidLr;

    void countNan(long step) {
        nanLosses++;
        if (firstNanStep < 0) {
            firstNanStep = step;
        }
    }

    void countContradiction(long step) {
        contradictions++;
        if (firstContradictionStep < 0) {
            firstContradictionStep = step;
        }
    }

    void resetContradictions() {
        contradictions = 0;
        firstContradictionStep = -1;
    }

    /** Duplicate, out-of-order, non-finite-loss, contradiction and invalid-LR counts, in that order. */
    long[] toArray() {
        return new long[] {duplicates, outOfOrder, nanLosses, contradictions, invalidLr};
    }

    /** The issues of the counts, most severe first (see {@link RunTracker#forecast}). */
    void addIssues(List<String> issues) {
        if (nanLosses > 0) {
            issues.add(String.format(Locale.ROOT, "NAN_LOSS: %d non-finite loss(es), first at step %d: training "
                    + "probably diverged; forecast from the finite points", nanLosses, firstNanStep));
        }
        if (contradictions > 0) {
            issues.add(String.format(Locale.ROOT, "SCHEDULE_CONTRADICTS_LR: %d observed LR(s) differ from the plan by "
                    + "more than %.0f%% of its peak, first at step %d; forecast uses the observed past and the "
                    + "planned future", contradictions, 100 * RunTracker.CONTRADICTION_FRACTION,
                    firstContradictionStep));
        }
    }

    /** The issues of the ignored steps (after the schedule's). */
    void addIgnoredStepIssues(List<String> issues) {
        if (outOfOrder > 0) {
            issues.add("OUT_OF_ORDER_STEPS: " + outOfOrder + " step(s) before the last one ignored");
        }
        if (duplicates > 0) {
            issues.add("DUPLICATE_STEPS: " + duplicates + " repeated step(s) ignored");
        }
        if (invalidLr > 0) {
            issues.add("INVALID_LR: " + invalidLr + " step(s) with a negative or non-finite LR ignored");
        }
    }

    /**
     * The status, by rank: {@code FIT_FAILED > NAN_LOSS > SCHEDULE_CONTRADICTS_LR > WAITING_FOR_DATA >
     * SCHEDULE_MISSING > OUT_OF_ORDER_STEPS > DUPLICATE_STEPS > OK}.
     */
    Status rank(boolean missingPlan, boolean waiting) {
        if (nanLosses > 0) {
            return Status.NAN_LOSS;
        }
        if (contradictions > 0) {
            return Status.SCHEDULE_CONTRADICTS_LR;
        }
        if (waiting) {
            // No forecast at all: that is what a reader needs first; a missing plan is still listed in the issues.
            return Status.WAITING_FOR_DATA;
        }
        if (missingPlan) {
            return Status.SCHEDULE_MISSING;
        }
        if (outOfOrder > 0) {
            return Status.OUT_OF_ORDER_STEPS;
        }
        if (duplicates > 0) {
            return Status.DUPLICATE_STEPS;
        }
        return Status.OK;
    }
}
