package dev.runlaw.math.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.runlaw.math.data.RunCurve;
import dev.runlaw.math.schedule.LrSchedule;
import org.junit.jupiter.api.Test;

/** ScheduleSpec against the LR column of the real curves (schedules in the test resources' loss-curves/NOTICE.md). */
class ScheduleSpecTest {
    static final double PEAK = 3e-4;
    static final double MIN = 3e-5;

    static void assertReproduces(String size, String name, ScheduleSpec spec) {
        RunCurve c = Curves.load(size, name);
        LrSchedule s = spec.toSchedule();
        assertThat(s.firstStep()).isZero();
        assertThat(s.lastStep()).as(name).isEqualTo(spec.totalSteps() - 1);
        assertThat(s.peakStep()).isEqualTo(spec.warmupSteps() - 1);
        double worst = 0;
        for (long t = 0; t <= Math.min(c.lastStep(), s.lastStep()); t++) {
            double truth = c.lrAt(t);
            double d = Math.abs(s.lrAt(t) - truth);
            worst = Math.max(worst, truth == 0 ? d / PEAK : d / truth);
        }
        assertThat(worst).as(name).isLessThanOrEqualTo(1e-9);
    }

    @Test
    void reproducesTheReferenceRunsLrColumns() {
        for (String size : new String[] {"25m", "100m"}) {
            assertReproduces(size, "constant_24000", ScheduleSpec.of("CONSTANT", 2160, 0, PEAK, 0, 0, 24_000));
            assertReproduces(size, "constant_72000", ScheduleSpec.of("CONSTANT", 2160, 0, PEAK, 0, 0, 72_000));
            assertReproduces(size, "cosine_24000", ScheduleSpec.of("COSINE", 2160, 0, PEAK, MIN, 2160, 24_000));
            assertReproduces(size, "cosine_72000", ScheduleSpec.of("COSINE", 2160, 0, PEAK, MIN, 0, 72_000));
            assertReproduces(size, "wsd_20000_24000",
                    ScheduleSpec.of("WSD_EXPONENTIAL", 2160, 0, PEAK, MIN, 20_000, 24_000));
            assertReproduces(size, "wsdld_20000_24000",
                    ScheduleSpec.of("WSD_LINEAR", 2160, 0, PEAK, MIN, 20_000, 24_000));
        }
    }

    @Test
    void stepCyclicAndWarmupFromAFloor() {
        LrSchedule step = new ScheduleSpec("STEP", 100, 1e-5, 1e-3, 0, 0, 1000, new long[] {500, 800}, 0.1, 0)
                .toSchedule();
        assertThat(step.lrAt(0)).isEqualTo(1e-5);
        assertThat(step.lrAt(99)).isEqualTo(1e-3);
        assertThat(step.lrAt(499)).isEqualTo(1e-3);
        assertThat(step.lrAt(500)).isCloseTo(1e-4, within(1e-18));
        assertThat(step.lrAt(800)).isCloseTo(1e-5, within(1e-18));
        LrSchedule cyc = new ScheduleSpec("cyclic", 0, 0, 1e-3, 1e-4, 0, 1000, null, 0.1, 200).toSchedule();
        assertThat(cyc.lrAt(0)).isEqualTo(1e-3);
        assertThat(cyc.lrAt(100)).isCloseTo(1e-4, within(1e-18));
        assertThat(cyc.lrAt(200)).isEqualTo(1e-3);
        LrSchedule lin = ScheduleSpec.of("LINEAR", 10, 0, 1e-3, 0, 0, 110).toSchedule();
        assertThat(lin.lrAt(60)).isCloseTo(5e-4, within(1e-15));
    }

    /**
     * {@link ScheduleSpec#toPiecewise} against {@link ScheduleSpec#toSchedule()} for every kind: same ends and peak,
     * every step within the tolerance times the peak LR (+ 1e-15 relative for rounding); far fewer knots than steps.
     */
    @Test
    void piecewiseSpecsFollowTheirPerStepScheduleWithinTheTolerance() {
        double tol = LrTrack.DEFAULT_TOLERANCE;
        ScheduleSpec[] specs = {
            ScheduleSpec.of("CONSTANT", 2160, 0, PEAK, 0, 0, 72_000),
            ScheduleSpec.of("COSINE", 2160, 0, PEAK, MIN, 2160, 72_000),
            ScheduleSpec.of("COSINE", 0, 0, PEAK, MIN, 5_000, 200_000),
            ScheduleSpec.of("LINEAR", 100, 1e-6, PEAK, 0, 0, 50_000),
            ScheduleSpec.of("WSD_EXPONENTIAL", 2160, 0, PEAK, MIN, 20_000, 24_000),
            ScheduleSpec.of("WSD_LINEAR", 2160, 0, PEAK, MIN, 20_000, 24_000),
            ScheduleSpec.of("WSD_COSINE", 2160, 0, PEAK, MIN, 20_000, 24_000),
            new ScheduleSpec("STEP", 100, 1e-5, PEAK, 0, 0, 10_000, new long[] {5_000, 8_000}, 0.1, 0),
            new ScheduleSpec("CYCLIC", 200, 0, PEAK, MIN, 0, 30_000, null, 0.1, 4_000),
        };
        for (ScheduleSpec spec : specs) {
            LrSchedule exact = spec.toSchedule();
            LrSchedule p = spec.toPiecewise(tol);
            assertThat(p.isPiecewise()).isTrue();
            assertThat(p.firstStep()).isEqualTo(exact.firstStep());
            assertThat(p.lastStep()).isEqualTo(exact.lastStep());
            assertThat(p.peakStep()).as(spec.toString()).isEqualTo(exact.peakStep());
            double worst = 0;
            for (long t = 0; t <= exact.lastStep(); t++) {
                worst = Math.max(worst, Math.abs(p.lrAt(t) - exact.lrAt(t)));
            }
            assertThat(worst).as(spec.toString()).isLessThanOrEqualTo((tol + 1e-15) * PEAK);
            // A cosine stretch needs a few hundred knots at 1e-6 whatever its length (cyclic: per period).
            assertThat(p.knotSteps().length).as(spec.toString()).isLessThan(exact.length() / 4);
        }
    }

    @Test
    void rejectsCustomAndInconsistentSpecs() {
        assertThatThrownBy(() -> ScheduleSpec.of("CUSTOM", 0, 0, 1e-3, 0, 0, 10).toSchedule())
                .hasMessageContaining("lr_per_step");
        assertThatThrownBy(() -> ScheduleSpec.of("POLY", 0, 0, 1e-3, 0, 0, 10).toSchedule())
                .hasMessageContaining("unknown");
        assertThatThrownBy(() -> ScheduleSpec.of("CONSTANT", 10, 0, 1e-3, 0, 0, 10).toSchedule())
                .hasMessageContaining("warmup_steps");
        assertThatThrownBy(() -> ScheduleSpec.of("CONSTANT", 0, 0, Double.NaN, 0, 0, 10).toSchedule())
                .hasMessageContaining("peak");
        assertThatThrownBy(() -> ScheduleSpec.of("WSD_LINEAR", 10, 0, 1e-3, 0, 5, 100).toSchedule())
                .hasMessageContaining("decay_start_step");
        assertThatThrownBy(() -> ScheduleSpec.of("WSD_EXPONENTIAL", 10, 0, 1e-3, 0, 50, 100).toSchedule())
                .hasMessageContaining("min_lr");
        assertThatThrownBy(() -> new ScheduleSpec("CYCLIC", 0, 0, 1e-3, 0, 0, 100, null, 0.1, 0).toSchedule())
                .hasMessageContaining("cycle_steps");
        assertThatThrownBy(() -> ScheduleSpec.of("CUSTOM", 0, 0, 1e-3, 0, 0, 10).toPiecewise(1e-6))
                .hasMessageContaining("lr_per_step");
    }
}
