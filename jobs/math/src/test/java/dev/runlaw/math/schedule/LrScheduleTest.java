package dev.runlaw.math.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.runlaw.math.data.RunCurve;
import dev.runlaw.math.data.RunCurveParser;
import dev.runlaw.math.testdata.RealCurves;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LrScheduleTest {
    private static final double PEAK = 3e-4;
    private static final double FLOOR = 3e-5;

    @Test
    void warmupFromZeroReachesPeakOnItsLastStep() {
        LrSchedule s = LrSchedule.constant(100, 10, PEAK);
        assertThat(s.lrAt(0)).isZero();
        assertThat(s.lrAt(9)).isEqualTo(PEAK);
        assertThat(s.peakStep()).isEqualTo(9);
        assertThat(s.lrAt(99)).isEqualTo(PEAK);
        assertThat(s.lastStep()).isEqualTo(99);
    }

    @Test
    void warmupFromFloorStartsAtTheFloor() {
        LrSchedule s = LrSchedule.builder().warmup(11, 1e-5, 1e-4).constant(5, 1e-4).build();
        assertThat(s.lrAt(0)).isEqualTo(1e-5);
        assertThat(s.lrAt(5)).isCloseTo(5.5e-5, within(1e-15));
        assertThat(s.peakStep()).isEqualTo(10);
    }

    @Test
    void cosineDecaysToTheFloorAtTheEnd() {
        LrSchedule s = LrSchedule.cosine(1000, 100, PEAK, FLOOR);
        assertThat(s.lrAt(100)).isEqualTo(PEAK);
        assertThat(s.lrAt(550)).isCloseTo((PEAK + FLOOR) / 2, within(1e-12));
        assertThat(s.lrAt(999)).isCloseTo(FLOOR, within(1e-9));
    }

    @Test
    void wsdDecaysWithEachShape() {
        for (Decay d : Decay.values()) {
            LrSchedule s = LrSchedule.wsd(1000, 100, 800, PEAK, FLOOR, d);
            assertThat(s.lrAt(799)).isEqualTo(PEAK);
            assertThat(s.lrAt(800)).isEqualTo(PEAK);
            assertThat(s.lrAt(900)).isLessThan(PEAK).isGreaterThan(FLOOR);
            assertThat(s.lrAt(999)).isCloseTo(FLOOR, within(0.05 * PEAK));
        }
        LrSchedule lin = LrSchedule.wsd(1000, 100, 800, PEAK, FLOOR, Decay.LINEAR);
        assertThat(lin.lrAt(900)).isCloseTo((PEAK + FLOOR) / 2, within(1e-15));
        LrSchedule exp = LrSchedule.wsd(1000, 100, 800, PEAK, FLOOR, Decay.EXPONENTIAL);
        assertThat(exp.lrAt(900)).isCloseTo(Math.sqrt(PEAK * FLOOR), within(1e-15));
    }

    @Test
    void stepAndMultiStepDecayAtTheirMilestones() {
        LrSchedule step = LrSchedule.builder().stepDecay(30, 1e-3, 10, 0.1).build();
        assertThat(step.lrAt(9)).isEqualTo(1e-3);
        assertThat(step.lrAt(10)).isCloseTo(1e-4, within(1e-18));
        assertThat(step.lrAt(25)).isCloseTo(1e-5, within(1e-18));
        LrSchedule multi = LrSchedule.builder().warmup(5, 0, 1e-3).multiStep(100, 1e-3, new int[] {60, 30}, 0.5)
                .build();
        assertThat(multi.lrAt(5 + 29)).isEqualTo(1e-3);
        assertThat(multi.lrAt(5 + 30)).isEqualTo(5e-4);
        assertThat(multi.lrAt(5 + 60)).isEqualTo(2.5e-4);
    }

    @Test
    void cyclicGoesDownAndBackUpEachPeriod() {
        LrSchedule s = LrSchedule.builder().warmup(10, 0, 1e-3).cyclic(400, 100, 1e-3, 1e-4, Decay.COSINE).build();
        assertThat(s.lrAt(10)).isEqualTo(1e-3);
        assertThat(s.lrAt(60)).isCloseTo(1e-4, within(1e-12));
        assertThat(s.lrAt(110)).isEqualTo(1e-3);
        assertThat(s.peakStep()).isEqualTo(9);
    }

    @Test
    void rewarmupDoesNotMoveTheFirstPeak() {
        LrSchedule s = LrSchedule.builder().warmup(10, 0, 1e-3).decay(50, 1e-3, 1e-4, Decay.LINEAR)
                .rewarmup(10, 1e-4, 1e-3).constant(10, 1e-3).build();
        assertThat(s.peakStep()).isEqualTo(9);
        assertThat(s.lrAt(69)).isEqualTo(1e-3);
    }

    @Test
    void areaIsThePrefixSumFromStepOne() {
        LrSchedule s = LrSchedule.cosine(500, 50, PEAK, FLOOR);
        double sum = 0;
        for (long t = 1; t <= 499; t++) {
            sum += s.lrAt(t);
            assertThat(s.area(t)).isCloseTo(sum, within(1e-15));
        }
        assertThat(s.area(0)).isZero();
    }

    @Test
    void explicitArrayDetectsTheWarmup() {
        LrSchedule s = LrSchedule.of(1, new double[] {1, 2, 3, 3, 2, 1});
        assertThat(s.firstStep()).isEqualTo(1);
        assertThat(s.peakStep()).isEqualTo(3);
        assertThat(s.area(6)).isEqualTo(12);
        assertThat(LrSchedule.of(0, new double[] {5, 4, 3}).peakStep()).isZero();
        assertThatThrownBy(() -> LrSchedule.of(0, new double[] {1, Double.NaN})).hasMessageContaining("step 1");
    }

    @Test
    void whatIfDecayAndCooldownKeepThePastAndEndWhereAsked() {
        LrSchedule s = LrSchedule.constant(10_000, 100, PEAK);
        LrSchedule early = s.withDecay(6000, 7999, FLOOR, Decay.LINEAR);
        assertThat(early.lastStep()).isEqualTo(7999);
        assertThat(early.lrAt(5999)).isEqualTo(PEAK);
        assertThat(early.lrAt(6000)).isEqualTo(PEAK);
        assertThat(early.lrAt(7000)).isCloseTo((PEAK + FLOOR) / 2, within(1e-15));
        LrSchedule stop = s.stopWithCooldown(3000, 500, 0, Decay.COSINE);
        assertThat(stop.lastStep()).isEqualTo(3500);
        assertThat(stop.lrAt(3000)).isEqualTo(PEAK);
        assertThat(stop.lrAt(3500)).isLessThan(1e-7);
        assertThat(s.truncate(2000).lastStep()).isEqualTo(2000);
    }

    @Test
    void specsReproduceTheReferenceRunsSchedules() throws IOException {
        assertMatches("cosine_24000", LrSchedule.cosine(24_000, 2160, PEAK, FLOOR));
        assertMatches("wsd_20000_24000", LrSchedule.wsd(24_000, 2160, 20_000, PEAK, FLOOR, Decay.EXPONENTIAL));
        assertMatches("wsdld_20000_24000", LrSchedule.wsd(24_000, 2160, 20_000, PEAK, FLOOR, Decay.LINEAR));
        assertMatches("wsdcon_9", LrSchedule.builder().warmup(2160, 0, PEAK).constant(8000 - 2160, PEAK)
                .constant(8000, 9e-5).build());
    }

    private static void assertMatches(String name, LrSchedule spec) throws IOException {
        Path p = RealCurves.file("mpl-25m", name);
        RunCurve c = RunCurveParser.parse(p.toString(), name, Files.readAllLines(p));
        LrSchedule data = LrSchedule.of(c.firstStep(), c.lr());
        assertThat(data.peakStep()).isEqualTo(spec.peakStep());
        double maxDiff = 0;
        for (long t = 0; t <= Math.min(data.lastStep(), spec.lastStep()); t++) {
            maxDiff = Math.max(maxDiff, Math.abs(spec.lrAt(t) - data.lrAt(t)));
        }
        assertThat(maxDiff).as(name).isLessThan(1e-12);
    }
}
