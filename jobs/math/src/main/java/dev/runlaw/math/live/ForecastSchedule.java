package dev.runlaw.math.live;

import dev.runlaw.math.schedule.KnotList;
import dev.runlaw.math.schedule.LrSchedule;
import java.util.List;

/**
 * The schedule a {@link RunTracker} fits and forecasts under: its observed LR track for the past (the plan before the
 * first observed step, when the job joined late) and the planned schedule after the last step, or the last observed
 * LR held when there is no plan. Piecewise-linear throughout, so building it costs O(knots), not O(planned steps).
 */
final class ForecastSchedule {
    private ForecastSchedule() {
    }

    /**
     * The run's schedule from its first (observed or planned) step to {@code finalAt}: planned LR before the first
     * observed step, observed LR track up to the last step, planned LR (or the last observed LR held) after it.
     * Piecewise-linear (the observed track's knots, then the plan's), so building it and the momentum law's areas
     * over it cost O(knots), not O(planned steps).
     */
    static LrSchedule assemble(LrTrack observedLr, LrSchedule plan, long lastStep, long finalAt,
                               List<String> issues) {
        return assemble(observedLr, plan, plan == null ? 0 : plan.knotSteps().length, lastStep, finalAt, issues);
    }

    /**
     * As {@link #assemble(LrTrack, LrSchedule, long, long, List)}, with the plan's knot count known (sizes the knot
     * list once instead of doubling it up to the plan's length at every refit).
     */
    static LrSchedule assemble(LrTrack observedLr, LrSchedule plan, int planKnots, long lastStep, long finalAt,
                               List<String> issues) {
        long obsFirst = observedLr.firstStep();
        long planFirst = plan == null ? 0 : plan.firstStep();
        long planLast = plan == null ? -1 : plan.lastStep();
        long first = plan != null && planFirst < obsFirst ? planFirst : obsFirst;
        long len = finalAt - first + 1;
        if (len > Integer.MAX_VALUE - 8) {
            // Kept from the per-step form: the multi-power law still needs the schedule as one array.
            throw new IllegalArgumentException("schedule of " + len + " steps is too long");
        }
        long[] os = observedLr.knotSteps();
        double[] ov = observedLr.knotValues();
        KnotList k = new KnotList(os.length + (plan == null ? 4 : planKnots + 16));
        if (first < obsFirst) {
            // Joined late: the plan before the first observed step (the first observed LR where it has none).
            long e = Math.min(obsFirst - 1, planLast);
            k.range(plan, first, e);
            if (e < obsFirst - 1) {
                k.hold(e + 1, obsFirst - 1, ov[0]);
            }
        }
        for (int i = 0; i < os.length; i++) {
            k.add(os[i], ov[i]);
        }
        boolean extended = false;
        if (finalAt > lastStep) {
            long a = lastStep + 1;
            if (plan == null) {
                k.hold(a, finalAt, ov[ov.length - 1]);
            } else {
                double planEnd = plan.lrAt(planLast);
                if (a < planFirst) {
                    k.hold(a, Math.min(finalAt, planFirst - 1), planEnd);
                    extended = true;
                }
                long from = Math.max(a, planFirst);
                long to = Math.min(finalAt, planLast);
                if (from <= to) {
                    k.range(plan, from, to);
                }
                if (finalAt > planLast) {
                    k.hold(Math.max(a, planLast + 1), finalAt, planEnd);
                    extended = true;
                }
            }
        }
        if (extended) {
            issues.add("planned schedule ends before the planned final step " + finalAt + ": its last LR is held");
        }
        return LrSchedule.piecewiseLinear(k.steps(), k.values());
    }
}
