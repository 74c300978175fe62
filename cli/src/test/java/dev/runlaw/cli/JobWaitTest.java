package dev.runlaw.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The messages of report mode's waits: a failed job's root cause, and the progress line of the open runs. */
class JobWaitTest {
    @Test
    void aFailedJobEndsTheWaitWithItsRootCauseInTheMessage() {
        CompletableFuture<Object> result = new CompletableFuture<>();
        result.completeExceptionally(new RuntimeException("Job execution failed.",
                new IllegalStateException("Recovery is suppressed by FixedDelayRestartBackoffTimeStrategy",
                        new IOException("insert into forecast_curves failed: connection refused"))));
        IllegalStateException e = JobWait.stopped(result, "the forecasts");
        assertThat(e.getMessage()).startsWith("the job failed while waiting for the forecasts: ")
                .endsWith("root cause: java.io.IOException: insert into forecast_curves failed: connection refused");
        assertThat(e.getCause()).hasMessage("Job execution failed.");
    }

    @Test
    void aJobThatEndedWithoutFailureSaysSo() {
        assertThat(JobWait.stopped(CompletableFuture.completedFuture(null), "x").getMessage())
                .isEqualTo("the job finished while waiting for x");
    }

    @Test
    void progressNamesEveryOpenRunWithWhatWasLastSeen() {
        CutForecasts.Watch done = new CutForecasts.Watch("wsdcon_3", 6399, 15936);
        done.state = CutForecasts.State.READY;
        CutForecasts.Watch open = new CutForecasts.Watch("wsdcon_18", 6399, 15936);
        open.seen = "newest forecast at step 5120 (OK)";
        assertThat(CutForecasts.progress(List.of(done, open), 75)).isEqualTo(
                "  [1:15] forecasts at the cut: 1 of 2 runs in; waiting for wsdcon_18 (newest forecast at step 5120 (OK))");
        assertThat(open.status()).isEqualTo("WAITING: newest forecast at step 5120 (OK)");
    }
}
