package dev.runlaw.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.runlaw.cli.backtest.Backtest;
import dev.runlaw.cli.backtest.BacktestReport;
import dev.runlaw.local.ProjectRoot;
import dev.runlaw.math.data.RunCurve;
import dev.runlaw.producers.RunDirectory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./runlaw demo --runs DIR --reference ... --observe-fraction F} on the real stack (Kafka, Flink ingest and
 * forecast jobs, ClickHouse) against {@code ./runlaw backtest} on the same real curves (mpl-25m, Luo et al. 2025):
 * the forecasts read back from ClickHouse must score as the offline backtest does, within the stated tolerances;
 * and every panel of the Forecasts dashboard must return rows for the data the real job produced.
 *
 * <p>Tolerances, and why they are not zero: the job keeps each run's LR as a piecewise-linear track (relative error
 * at most 1e-6) and scores {@code pred_e} on its forecast curve interpolated between {@value ForecastReport#CURVE_POINTS}
 * points, where the backtest evaluates the law at every measured step.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ForecastReportIT {
    /** |live - offline| / offline for the final forecast and its interval. */
    static final double FINAL_REL_TOL = 1e-4;
    /** |live - offline| for pred_e and final_err, as fractions (1e-5 = 0.001 percentage points). */
    static final double ERR_ABS_TOL = 1e-5;
    static final double FRACTION = 0.4;

    @TempDir
    static Path runsDir;
    static LocalStack stack;
    static BacktestReport live;
    static BacktestReport offline;
    static String output;

    @BeforeAll
    static void runBoth() throws Exception {
        Path curves = TestCurves.dir("mpl-25m");
        for (String name : List.of("wsd_20000_24000", "wsdld_20000_24000")) {
            Files.copy(curves.resolve(name + ".csv"), runsDir.resolve(name + ".csv"));
        }
        List<Path> refs = List.of(curves.resolve("cosine_24000.csv"), curves.resolve("constant_24000.csv"));
        stack = LocalStack.start();
        stack.startIngest(stack.ingestConfig(java.util.Map.of()));
        JobClient forecast = stack.startForecast(stack.forecastConfig(ForecastReport.jobSettings("auto")));
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            ForecastReport.Result result = ForecastReport.run(stack, forecast, refs, runsDir, FRACTION, "auto", false,
                    out);
            assertThat(result.unscored()).as("runs without a forecast").isEmpty();
            live = result.report();
        }
        output = buf.toString(StandardCharsets.UTF_8);
        List<RunCurve> refCurves = new ArrayList<>();
        for (Path r : refs) {
            refCurves.add(RunDirectory.loadFile(r));
        }
        offline = Backtest.run(List.of(), refCurves, RunDirectory.load(runsDir), FRACTION, "auto");
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void liveForecastsReadFromClickHouseScoreAsTheOfflineBacktest() {
        System.out.println("live:\n" + live.summary() + "offline:\n" + offline.summary());
        assertThat(live.runs()).hasSameSizeAs(offline.runs());
        for (int i = 0; i < live.runs().size(); i++) {
            BacktestReport.RunScore on = live.runs().get(i);
            BacktestReport.RunScore off = offline.runs().get(i);
            assertThat(on.name()).isEqualTo(off.name());
            assertThat(on.finalStep()).as(on.name() + " final step").isEqualTo(off.finalStep());
            assertThat(on.scoredPoints()).as(on.name() + " scored points").isEqualTo(off.scoredPoints());
            assertThat(on.finalTrue()).isEqualTo(off.finalTrue());
            assertThat(on.finalPred()).as(on.name() + " final_pred")
                    .isCloseTo(off.finalPred(), within(FINAL_REL_TOL * off.finalPred()));
            assertThat(on.lo90()).as(on.name() + " lo90").isCloseTo(off.lo90(), within(FINAL_REL_TOL * off.lo90()));
            assertThat(on.hi90()).as(on.name() + " hi90").isCloseTo(off.hi90(), within(FINAL_REL_TOL * off.hi90()));
            assertThat(on.predE()).as(on.name() + " pred_e").isCloseTo(off.predE(), within(ERR_ABS_TOL));
            assertThat(on.finalErr()).as(on.name() + " final_err").isCloseTo(off.finalErr(), within(ERR_ABS_TOL));
            assertThat(on.covered()).as(on.name() + " covered").isEqualTo(off.covered());
        }
        assertThat(live.meanFinalErr()).isCloseTo(offline.meanFinalErr(), within(ERR_ABS_TOL));
        assertThat(live.maxFinalErr()).isCloseTo(offline.maxFinalErr(), within(ERR_ABS_TOL));
        assertThat(live.coverage90()).isEqualTo(offline.coverage90());
        assertThat(output).contains("2 reference run(s) published");
    }

    @Test
    void everyForecastsDashboardPanelReturnsRowsForTheJobsData() throws Exception {
        int panels = DashboardPanels.assertEveryPanelReturnsRows(stack,
                ProjectRoot.resolve("dashboards/forecasts.json"), "wsd_20000_24000");
        assertThat(panels).isGreaterThanOrEqualTo(5);
    }
}
