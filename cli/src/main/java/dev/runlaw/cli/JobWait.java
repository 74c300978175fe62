package dev.runlaw.cli;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.core.execution.JobClient;

/** Waits for a condition on the stack while a Flink job runs; the job's failure ends the wait with its cause. */
final class JobWait {
    private JobWait() {
    }

    /** A condition polled until it holds. */
    interface Check {
        boolean done() throws Exception;
    }

    /**
     * Polls {@code check} every 250 ms until it holds.
     *
     * @throws IllegalStateException when {@code timeout} passes or the job stops first (its failure rethrown if any)
     */
    static void until(JobClient job, Duration timeout, String what, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        // The MiniCluster goes away with a failed job, so ask for the result future up front, not the status later.
        CompletableFuture<?> result = job.getJobExecutionResult();
        while (!check.done()) {
            if (result.isDone()) {
                result.get(); // throws with the job's failure
                throw new IllegalStateException("the job stopped while waiting for " + what);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(String.format(Locale.ROOT, "timed out after %s waiting for %s",
                        timeout, what));
            }
            Thread.sleep(250);
        }
    }
}
