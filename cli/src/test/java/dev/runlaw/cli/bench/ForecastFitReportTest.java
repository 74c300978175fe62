package dev.runlaw.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ForecastFitReportTest {
    static ScipyBaseline scipy(double seconds, double fitError) {
        return new ScipyBaseline(seconds, seconds, 3, 0.998, 3.7e-4, fitError, 0.00196, 81,
                Map.of("L0", 3.2), "python 3, numpy 2, scipy 1");
    }

    static ForecastFitReport report(double javaMs, double javaFitError, double scipyFitError, double onlineUs,
                                    long bytes10k, long bytes1m) {
        return new ForecastFitReport(List.of("header"),
                List.of(new ForecastFitReport.FitRow("mpl-25m", "momentum", "lambda=0.998", javaMs, 1.0,
                                3.7e-4, javaFitError, 0.00196, scipy(2.0, scipyFitError)),
                        new ForecastFitReport.FitRow("mpl-25m", "multipower", "-", 900, Double.NaN, 1e-4, 6e-4,
                                1.3e-3, null)),
                new ForecastFitReport.Online("mpl-100m cosine_72000", 72_000, 546, onlineUs, 1, 80, 5, 3.4, 0.5),
                List.of(new ForecastFitReport.MemoryRow(10_000, 62, bytes10k, 27_264),
                        new ForecastFitReport.MemoryRow(1_000_000, 244, bytes1m, 27_264)));
    }

    @Test
    void speedupIsScipyTimeOverJavaTime() {
        ForecastFitReport r = report(20, 0.00126, 0.00126, 30, 28_232, 28_240);
        assertThat(r.fits().get(0).speedup()).isEqualTo(100.0);
        assertThat(r.fits().get(1).speedup()).isNaN();
    }

    @Test
    void countsErrorsAgreeingToThreeDigitsAsEqual() {
        assertThat(report(20, 0.0012601, 0.00126, 30, 28_232, 28_240).fits().get(0).errorNotWorse()).isTrue();
        assertThat(report(20, 0.0012500, 0.00126, 30, 28_232, 28_240).fits().get(0).errorNotWorse()).isTrue();
        assertThat(report(20, 0.0012650, 0.00126, 30, 28_232, 28_240).fits().get(0).errorNotWorse()).isFalse();
    }

    @Test
    void meetsEveryGoalWhenFastEnoughAtEqualObjectiveWithFlatMemory() {
        List<String> goals = report(20, 0.00126, 0.00126, 30, 28_232, 28_240).goals();
        assertThat(goals).hasSize(4).allMatch(g -> g.startsWith("MET"));
    }

    @Test
    void theDefaultLawIsHeldToItsOwnGoalAgainstTheMomentumBaselineWithoutAnErrorComparison() {
        ForecastFitReport.FitRow auto = new ForecastFitReport.FitRow("mpl-25m", "auto", "w=0.27/0.73", 50, 5,
                1.5e-4, 8e-4, 1.3e-3, scipy(2.0, 0.00126), ForecastFitReport.DEFAULT_LAW_SPEEDUP_GOAL, false);
        ForecastFitReport r = new ForecastFitReport(List.of("header"), List.of(auto), null, List.of());
        // 2000 ms / 50 ms = 40x: above the default law's 20x, below the per-law 50x; no error line (other law).
        assertThat(r.goals()).containsExactly("MET    mpl-25m auto: 40.0x faster than SciPy momentum (goal >= 20x)");
        assertThat(r.table()).contains("40.0x").contains("goal >= 20x");
    }

    @Test
    void reportsEachMissedGoalWithItsFigure() {
        List<String> slow = report(80, 0.00126, 0.00126, 1500, 28_232, 90_000).goals();
        assertThat(slow.get(0)).startsWith("MISSED").contains("25.0x");
        assertThat(slow.get(1)).startsWith("MET");
        assertThat(slow.get(2)).startsWith("MISSED").contains("1500.00 us");
        assertThat(slow.get(3)).startsWith("MISSED").contains("90,000");
        List<String> worse = report(20, 0.00127, 0.00126, 30, 28_232, 28_240).goals();
        assertThat(worse.get(0)).startsWith("MET").contains("100.0x");
        assertThat(worse.get(1)).startsWith("MISSED").contains("0.1270% vs SciPy 0.1260% (+0.79%)");
    }

    @Test
    void tableShowsBothSidesOfEveryComparison() {
        String t = report(20, 0.00126, 0.00126, 30, 28_232, 28_240).table();
        assertThat(t).contains("header").contains("20.00 ± 1.0").contains("2000").contains("100.0x")
                .contains("+0.0e+00").contains("0.1260%").contains("0.1960%").contains("546 refits").contains("28,240 bytes")
                .contains("L-BFGS-B from 81 starts at lambda=0.998");
    }
}
