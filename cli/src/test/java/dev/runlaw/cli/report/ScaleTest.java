package dev.runlaw.cli.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class ScaleTest {
    @Test
    void mapsLinearlyWithHeadroomAndYGrowsUpwards() {
        Scale y = Scale.linear(0, 100, 250, 50);
        assertThat(y.lo()).isEqualTo(-4);
        assertThat(y.hi()).isEqualTo(104);
        assertThat(y.map(-4)).isEqualTo(250);
        assertThat(y.map(104)).isEqualTo(50);
        assertThat(y.map(50)).isCloseTo(150, within(1e-9));
    }

    @Test
    void givesAFlatSeriesARangeInsteadOfDividingByZero() {
        Scale s = Scale.linear(2, 2, 0, 100);
        assertThat(s.lo()).isLessThan(2);
        assertThat(s.hi()).isGreaterThan(2);
        assertThat(s.map(2)).isCloseTo(50, within(1e-9));
        Scale zero = Scale.linear(0, 0, 0, 100);
        assertThat(zero.hi() - zero.lo()).isEqualTo(1.0);
    }

    @Test
    void linearTicksAreRoundAndInsideTheDomain() {
        List<Double> ticks = Scale.linear(0, 3000, 0, 800).ticks(8);
        assertThat(ticks).containsExactly(0.0, 500.0, 1000.0, 1500.0, 2000.0, 2500.0, 3000.0);
        assertThat(Scale.niceStep(0.00031)).isEqualTo(5e-4, within(1e-15));
        assertThat(Scale.niceStep(7)).isEqualTo(10);
        assertThat(Scale.niceStep(2)).isEqualTo(2);
    }

    @Test
    void logScaleMapsDecadesEvenlyAndTicksOnPowersOfTen() {
        Scale s = new Scale(1, 1000, 0, 300, true, false);
        assertThat(s.map(10)).isCloseTo(100, within(1e-9));
        assertThat(s.map(100)).isCloseTo(200, within(1e-9));
        assertThat(Scale.logarithmic(0.001, 1000, 0, 300).ticks(5))
                .containsExactly(0.001, 0.01, 0.1, 1.0, 10.0, 100.0, 1000.0);
        // Two decades or less: 1-2-5 ticks.
        assertThat(new Scale(2, 60, 0, 300, true, false).ticks(5)).containsExactly(2.0, 5.0, 10.0, 20.0, 50.0);
        assertThat(s.accepts(0)).isFalse();
        assertThat(s.accepts(-1)).isFalse();
        assertThatThrownBy(() -> new Scale(0, 10, 0, 1, true, false)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aNarrowLogRangeWithoutARoundValueFallsBackToLinearTicks() {
        List<Double> ticks = Scale.logarithmic(2.6, 3.4, 0, 300).ticks(5);
        assertThat(ticks).hasSizeGreaterThanOrEqualTo(3).allSatisfy(t -> assertThat(t).isBetween(2.5, 3.5));
    }

    @Test
    void labelsNumbersShortlyAndEpochSecondsAsUtcTimes() {
        assertThat(Scale.number(12000)).isEqualTo("12k");
        assertThat(Scale.number(2_500_000)).isEqualTo("2.5M");
        assertThat(Scale.number(0.00031)).isEqualTo("3.1e-4");
        assertThat(Scale.number(2.5)).isEqualTo("2.5");
        assertThat(Scale.number(3.0)).isEqualTo("3");
        assertThat(Scale.number(0)).isEqualTo("0");
        Scale t = Scale.time(1_700_000_000, 1_700_000_600, 0, 800);
        assertThat(t.label(1_700_000_000)).isEqualTo("22:13:20");
        assertThat(Scale.time(1_700_000_000, 1_700_300_000, 0, 800).label(1_700_000_000)).isEqualTo("11-14 22:13");
    }
}
