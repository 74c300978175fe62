package dev.runlaw.jobs.forecast;

import dev.runlaw.math.live.ScheduleSpec;
import dev.runlaw.schema.LrScheduleSpec;
import java.util.List;

/** Converts the Avro schedule fields of RunStarted into the math module's Avro-free forms. */
final class ScheduleSpecs {
    private ScheduleSpecs() {
    }

    /** The spec, or null when absent or CUSTOM (a custom schedule is only described by {@code lr_per_step}). */
    static ScheduleSpec toSpec(LrScheduleSpec s) {
        if (s == null || s.getKind() == null || s.getKind().name().equals("CUSTOM")) {
            return null;
        }
        long[] milestones = s.getMilestones().stream().mapToLong(Long::longValue).toArray();
        return new ScheduleSpec(s.getKind().name(), s.getWarmupSteps(), s.getWarmupInitLr(), s.getPeakLr(),
                s.getMinLr(), s.getDecayStartStep(), s.getTotalSteps(), milestones, s.getGamma(), s.getCycleSteps());
    }

    static double[] toArray(List<Double> lrPerStep) {
        return lrPerStep == null ? null : lrPerStep.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
