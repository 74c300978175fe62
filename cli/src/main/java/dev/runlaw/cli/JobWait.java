package dev.runlaw.cli;

import dev.runlaw.local.Await;
import java.time.Duration;
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
     * Polls {@code check} with {@link Await} until it holds.
     *
     * @throws IllegalStateException when {@code timeout} passes or the job stops first (its failure as the cause)
     */
    static void until(JobClient job, Duration timeout, String what, Check check) throws Exception {
        // The MiniCluster goes away with a failed job, so ask for the result future up front, not the status later.
        CompletableFuture<?> result = job.getJobExecutionResult();
        Await.until(timeout, what, () -> {
            if (check.done()) {
                return true;
            }
            if (result.isDone()) {
                result.get(); // throws with the job's failure
                throw new IllegalStateException("the job stopped while waiting for " + what);
            }
            return false;
        });
    }
}
