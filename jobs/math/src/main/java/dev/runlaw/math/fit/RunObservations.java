package dev.runlaw.math.fit;

import dev.runlaw.math.data.RunCurve;
import dev.runlaw.math.schedule.LrSchedule;
import java.util.Arrays;

/**
 * One run's measured losses with the LR schedule it was trained under: the unit a {@link LawFitter} fits. The
 * schedule may extend past the last measured step (the planned rest of the run). Immutable; arrays are copied.
 *
 * @param name     label for reports
 * @param schedule the run's per-step LR (whole planned run)
 * @param steps    measured steps, ascending, within the schedule
 * @param losses   measured loss at each of {@code steps}
 */
public record RunObservations(String name, LrSchedule schedule, long[] steps, double[] losses) {
    public RunObservations {
        if (steps.length != losses.length) {
            throw new IllegalArgumentException(name + ": " + steps.length + " steps but " + losses.length + " losses");
        }
        steps = steps.clone();
        losses = losses.clone();
    }

    /** All measured points of a run, under its own LR column. */
    public static RunObservations of(RunCurve curve) {
        return observedUpTo(curve, Long.MAX_VALUE);
    }

    /** The measured points of a run up to {@code lastObservedStep}, with its whole planned schedule. */
    public static RunObservations observedUpTo(RunCurve curve, long lastObservedStep) {
        LrSchedule schedule = LrSchedule.of(curve.firstStep(), curve.lr());
        long[] all = curve.measuredSteps();
        int n = 0;
        while (n < all.length && all[n] <= lastObservedStep) {
            n++;
        }
        long[] steps = Arrays.copyOf(all, n);
        double[] losses = new double[n];
        for (int i = 0; i < n; i++) {
            losses[i] = curve.lossAt(steps[i]);
        }
        return new RunObservations(curve.name(), schedule, steps, losses);
    }

    public int size() {
        return steps.length;
    }

    @Override
    public long[] steps() {
        return steps.clone();
    }

    @Override
    public double[] losses() {
        return losses.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RunObservations r && r.name.equals(name) && r.schedule == schedule
                && Arrays.equals(r.steps, steps) && Arrays.equals(r.losses, losses);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(steps);
    }

    @Override
    public String toString() {
        return "RunObservations[" + name + ", " + steps.length + " points]";
    }
}
