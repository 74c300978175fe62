package dev.runlaw.math.live;

import dev.runlaw.math.forecast.ForecastModel;
import dev.runlaw.math.schedule.Decay;
import dev.runlaw.math.schedule.LrSchedule;
import java.util.ArrayList;
import java.util.List;

/** The forecast curve's steps and the what-if schedules of a {@link RunTracker} forecast. Stateless. */
final class WhatIfForecasts {
    private WhatIfForecasts() {
    }

    /** Up to {@code n} steps evenly spaced (rounded, distinct) from {@code from} to {@code to}. */
    static long[] curveSteps(long from, long to, int n) {
        if (n <= 0 || to < from) {
            return new long[0];
        }
        if (n == 1 || to == from) {
            return new long[] {to};
        }
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long s = from + Math.round((double) (to - from) * i / (n - 1));
            if (out.isEmpty() || s > out.get(out.size() - 1)) {
                out.add(s);
            }
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    /**
     * The what-ifs of {@link RunTracker#forecast}: {@code decay_now} and {@code decay_at_<f>} (see there), forecast
     * by {@code model} with {@code lastObservedStep = lastStep}.
     *
     * @param maxLrSeen the highest LR observed, for the default floor
     * @param spec      the planned spec (its {@code min_lr} is the floor when positive), or null
     */
    static List<WhatIf> whatIfs(ForecastModel model, LrSchedule schedule, long lastStep, long finalAt,
                                double maxLrSeen, ScheduleSpec spec, ForecastSettings settings) {
        List<WhatIf> out = new ArrayList<>();
        double peak = Math.max(schedule.peakLr(), maxLrSeen);
        double floor = spec != null && spec.minLr() > 0 ? spec.minLr() : RunTracker.DEFAULT_FLOOR_FRACTION * peak;
        long cooldown = settings.cooldownSteps() > 0 ? settings.cooldownSteps()
                : Math.max(1, Math.round(RunTracker.DEFAULT_COOLDOWN_FRACTION * (lastStep + 1)));
        if (lastStep > schedule.firstStep()) {
            double f = Math.min(floor, schedule.lrAt(lastStep));
            LrSchedule now = schedule.stopWithCooldown(lastStep, cooldown, f, Decay.LINEAR);
            long end = lastStep + cooldown;
            out.add(new WhatIf("decay_now", lastStep + 1, end, model.forecast(now, new long[] {end}, lastStep)[0]));
        }
        for (double frac : settings.whatIfFractions()) {
            long d = Math.round(frac * finalAt);
            if (d <= lastStep || d > finalAt) {
                continue;
            }
            double f = Math.min(floor, schedule.lrAt(d - 1));
            LrSchedule s = schedule.withDecay(d, finalAt, f, Decay.LINEAR);
            out.add(new WhatIf("decay_at_" + frac, d, finalAt, model.forecast(s, new long[] {finalAt}, lastStep)[0]));
        }
        return out;
    }
}
