package dev.runlaw.jobs.forecast;

import static dev.runlaw.jobs.forecast.ForecastTestRuns.PLANNED_LAST;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.schema.RunForecast;
import dev.runlaw.schema.RunReference;
import dev.runlaw.schema.StepMetrics;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The forecast operator under an injected failure at each point of a refit and of a finish: the record that hits
 * the failure emits nothing (no partial output), the run keeps every step, the next trigger catches up, and the
 * run's final forecast and reference equal those of a run without the failure.
 */
class RunForecastFailureTest {
    private static final String RUN = "run-a";
    private static final ForecastConfig CONFIG = ForecastTestRuns.config(5, 3_600_000);

    private static List<Long> forecastSteps;
    private static List<RunReference> references;
    private static RunForecast lastForecast;

    @BeforeAll
    static void uninterrupted() throws Exception {
        try (ForecastHarness h = new ForecastHarness(CONFIG, FaultHook.NONE)) {
            h.feedAll(ForecastTestRuns.run(RUN, PLANNED_LAST));
            forecastSteps = h.forecasts().stream().map(RunForecast::getStep).toList();
            lastForecast = h.forecasts().get(h.forecasts().size() - 1);
            references = h.references();
        }
        assertThat(forecastSteps).contains(1440L).endsWith(2999L);
        assertThat(references).hasSize(1);
    }

    @ParameterizedTest
    @EnumSource(value = FaultHook.Point.class, names = {"FORECAST", "FORECAST_BUILT", "COMMIT"})
    void aFailedRefitEmitsNothingAndTheNextRefitCatchesUp(FaultHook.Point point) throws Exception {
        OneFault fault = new OneFault();
        try (ForecastHarness h = new ForecastHarness(CONFIG, fault)) {
            h.feed(ForecastTestRuns.started(RUN, null));
            for (StepMetrics s : ForecastTestRuns.steps(RUN, PLANNED_LAST)) {
                if (s.getStep() == 1440) {
                    fault.arm(point);
                    int before = h.outputs();
                    h.feed(s);
                    assertThat(h.outputs()).as("outputs of the failing refit").isEqualTo(before);
                } else {
                    h.feed(s);
                }
            }
            assertThat(fault.fired()).isEqualTo(1);
            List<Long> expected = new ArrayList<>(forecastSteps);
            expected.remove(Long.valueOf(1440L));
            assertThat(h.forecasts()).extracting(RunForecast::getStep).containsExactlyElementsOf(expected);
            assertWholeOutputs(h);
        }
    }

    @ParameterizedTest
    @EnumSource(value = FaultHook.Point.class, names = {"FORECAST", "FORECAST_BUILT", "REFERENCE", "COMMIT"})
    void aFailedFinishEmitsNothingKeepsTheRunAndItsRetryPublishesIt(FaultHook.Point point) throws Exception {
        OneFault fault = new OneFault();
        try (ForecastHarness h = new ForecastHarness(CONFIG, fault)) {
            h.h.setProcessingTime(0);
            List<SpecificRecord> run = ForecastTestRuns.run(RUN, PLANNED_LAST);
            h.feedAll(run.subList(0, run.size() - 1));
            fault.arm(point);
            int before = h.outputs();
            h.feed(run.get(run.size() - 1));
            assertThat(h.outputs()).as("outputs of the failing finish").isEqualTo(before);
            assertThat(h.references()).isEmpty();
            // Not done: tracker, buffered steps and control are all still there.
            assertThat(h.keyedStateEntries()).isEqualTo(3);

            h.h.setProcessingTime(30_000); // the finish retry, finish-grace-ms after the failure
            assertThat(fault.fired()).isEqualTo(1);
            assertThat(h.forecasts()).extracting(RunForecast::getStep).containsExactlyElementsOf(forecastSteps);
            RunForecast last = h.forecasts().get(h.forecasts().size() - 1);
            assertThat(last.getFinalPred()).isEqualTo(lastForecast.getFinalPred());
            assertThat(last.getObservedPoints()).isEqualTo(lastForecast.getObservedPoints());
            assertWholeOutputs(h);
            assertThat(h.keyedStateEntries()).as("only the finished marker").isEqualTo(1);
        }
    }

    /** The same reference as without the failure, and every forecast record with its one forecasts row. */
    private static void assertWholeOutputs(ForecastHarness h) throws Exception {
        assertThat(h.references()).containsExactlyElementsOf(references);
        assertThat(h.rows(ForecastRows.FORECASTS)).hasSameSizeAs(h.forecasts());
        assertThat(h.rows(ForecastRows.RUN_REFERENCES)).hasSize(1);
    }
}
