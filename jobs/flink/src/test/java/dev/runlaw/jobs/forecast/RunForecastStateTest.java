package dev.runlaw.jobs.forecast;

import static dev.runlaw.jobs.forecast.ForecastTestRuns.PLANNED_LAST;
import static dev.runlaw.jobs.forecast.ForecastTestRuns.reference;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.schema.ForecastStatus;
import dev.runlaw.schema.RunForecast;
import dev.runlaw.schema.StepMetrics;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The forecast operator's state stays bounded: bytes per active and per finished run, idle expiry, and the
 * broadcast references' bounds.
 */
class RunForecastStateTest {
    /** Stated bound per active run: the tracker (at most ~57 KB, RunTracker) plus a few buffered steps. */
    private static final long MAX_BYTES_PER_RUN = 64 * 1024;
    /** A finished run keeps only its marker (a RunControl value and one timer). */
    private static final long MAX_BYTES_PER_FINISHED_RUN = 256;

    @Test
    void anActiveRunHoldsUnder64KiBAndAFinishedRunAlmostNothing() throws Exception {
        int runs = 3;
        try (ForecastHarness h = new ForecastHarness(ForecastTestRuns.config(5, 3_600_000), FaultHook.NONE)) {
            long empty = h.keyedStateBytes(1);
            List<List<StepMetrics>> steps = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                String id = "run-" + r;
                steps.add(ForecastTestRuns.steps(id, PLANNED_LAST));
                h.feed(ForecastTestRuns.started(id, null));
                // Stop just before a refit (at 2490), so the buffer holds the most steps it holds in this run.
                h.feedAll(steps.get(r).subList(0, 2489));
            }
            long active = h.keyedStateBytes(2);
            for (int r = 0; r < runs; r++) {
                h.feedAll(steps.get(r).subList(2489, steps.get(r).size()));
            }
            assertThat(h.references()).hasSize(runs);
            long finished = h.keyedStateBytes(3);
            long perRun = (active - empty) / runs;
            long perFinished = (finished - empty) / runs;
            System.out.printf("forecast keyed state: empty %d B, %d active runs %d B (%d B per run), "
                    + "finished %d B (%d B per finished run)%n", empty, runs, active, perRun, finished, perFinished);
            assertThat(perRun).isPositive().isLessThan(MAX_BYTES_PER_RUN);
            assertThat(perFinished).isLessThan(MAX_BYTES_PER_FINISHED_RUN);
            assertThat(h.keyedStateEntries()).as("one marker per finished run").isEqualTo(runs);
        }
    }

    @Test
    void anIdleRunGetsAnIdleExpiredForecastAndLeavesNoStateNorTimer() throws Exception {
        try (ForecastHarness h = new ForecastHarness(ForecastTestRuns.config(5, 3_600_000,
                "forecast.idle-timeout-ms", "1000"), FaultHook.NONE)) {
            h.h.setProcessingTime(0);
            h.feedAll(ForecastTestRuns.run("run-a", 555));
            int forecasts = h.forecasts().size();
            assertThat(h.keyedStateEntries()).isEqualTo(3);
            h.h.setProcessingTime(1000);
            List<RunForecast> f = h.forecasts();
            assertThat(f).hasSize(forecasts + 1);
            RunForecast last = f.get(f.size() - 1);
            assertThat(last.getStatus()).isEqualTo(ForecastStatus.IDLE_EXPIRED);
            assertThat(last.getStep()).isEqualTo(555L);
            assertThat(last.getIssues()).anyMatch(i -> i.startsWith("no record for 1000 ms"));
            assertThat(h.rows(ForecastRows.FORECASTS)).hasSize(forecasts + 1);
            assertThat(h.keyedStateEntries()).isZero();
            assertThat(h.h.numProcessingTimeTimers()).isZero();
        }
    }

    @Test
    void broadcastReferencesAreBoundedPerFamilyAndInTotal() throws Exception {
        try (ForecastHarness h = new ForecastHarness(ForecastTestRuns.config(5, 3_600_000,
                "forecast.max-references", "2", "forecast.max-references-total", "3"), FaultHook.NONE)) {
            h.broadcast(reference("a1", "fam", 1, 2.5));
            h.broadcast(reference("a2", "fam", 2, 2.4));
            h.broadcast(reference("a3", "fam", 3, 2.3));
            h.broadcast(reference("b1", "other", 4, 2.2));
            h.broadcast(reference("b2", "other", 5, 2.1));
            List<String> kept = new ArrayList<>();
            h.h.getBroadcastState(RunForecastFunction.REFERENCES).immutableEntries()
                    .forEach(e -> kept.add(e.getKey()));
            assertThat(kept).containsExactlyInAnyOrder("a3", "b1", "b2");
            // The run of family "fam" is forecast with the one reference kept for it.
            h.feedAll(ForecastTestRuns.run("run-a", 40));
            assertThat(h.forecasts()).singleElement()
                    .satisfies(f -> assertThat(f.getReferenceRuns()).containsExactly("a3"));
        }
    }
}
