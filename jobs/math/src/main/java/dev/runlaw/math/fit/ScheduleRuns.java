package dev.runlaw.math.fit;

import dev.runlaw.math.law.LossLaw;
import dev.runlaw.math.law.PreparedCurve;
import dev.runlaw.math.schedule.LrSchedule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@link PreparedRuns} over full LR schedules: what {@link LawFitter#fit(List)} fits. The first time a run is
 * prepared, the schedule terms of all of the fitted law's variants are computed together
 * ({@link LossLaw#prepareVariants}: for the momentum law, S1 and every lambda's S2 in one schedule pass) and kept
 * for the other variants; a variant outside that list (e.g. a warm start's) is prepared on its own. With a
 * {@link PreparedCurveCache} and the runs' source objects, the terms come from (and go to) that cache instead, so
 * fits sharing run objects prepare each run once. Single-use, not thread-safe.
 */
final class ScheduleRuns implements PreparedRuns {
    private final LossLaw law;
    private final List<LossLaw> variants;
    private final List<LrSchedule> schedules;
    private final List<long[]> steps;
    private final List<double[]> losses;
    private final boolean annealed;
    private final List<List<PreparedCurve>> cache;
    private final List<RunObservations> sources;
    private final PreparedCurveCache shared;

    ScheduleRuns(LossLaw law, List<LrSchedule> schedules, List<long[]> steps, List<double[]> losses,
                 boolean annealed) {
        this(law, schedules, steps, losses, annealed, null, null);
    }

    /**
     * @param sources the run each schedule and its post-warmup steps came from (null with no {@code shared})
     * @param shared  where prepared terms are looked up and kept, or null
     */
    ScheduleRuns(LossLaw law, List<LrSchedule> schedules, List<long[]> steps, List<double[]> losses,
                 boolean annealed, List<RunObservations> sources, PreparedCurveCache shared) {
        this.sources = sources;
        this.shared = shared;
        this.law = law;
        this.variants = law.variants();
        this.schedules = schedules;
        this.steps = steps;
        this.losses = losses;
        this.annealed = annealed;
        this.cache = new ArrayList<>();
        for (int r = 0; r < schedules.size(); r++) {
            cache.add(null);
        }
    }

    @Override
    public int runCount() {
        return schedules.size();
    }

    @Override
    public PreparedCurve prepare(LossLaw variant, int run) {
        if (shared != null) {
            return shared.prepared(law, variant, sources.get(run));
        }
        int index = -1;
        if (variant.name().equals(law.name())) {
            for (int i = 0; i < variants.size(); i++) {
                if (variants.get(i).hyperParameters().equals(variant.hyperParameters())) {
                    index = i;
                    break;
                }
            }
        }
        if (index < 0) {
            return variant.prepare(schedules.get(run), steps.get(run));
        }
        List<PreparedCurve> all = cache.get(run);
        if (all == null) {
            all = law.prepareVariants(schedules.get(run), steps.get(run));
            cache.set(run, all);
        }
        return all.get(index);
    }

    @Override
    public double[] losses(int run) {
        return losses.get(run);
    }

    @Override
    public double[] weights(int run) {
        double[] w = new double[steps.get(run).length];
        Arrays.fill(w, 1);
        return w;
    }

    @Override
    public boolean annealed() {
        return annealed;
    }
}
