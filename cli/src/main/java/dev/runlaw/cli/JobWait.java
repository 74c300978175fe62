package dev.runlaw.cli;

import dev.runlaw.local.Await;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;
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
     * @throws IllegalStateException when {@code timeout} passes or the job stops first (its failure as the cause,
     *                               its root cause in the message)
     */
    static void until(JobClient job, Duration timeout, String what, Check check) throws Exception {
        until(job, timeout, () -> what, check);
    }

    /**
     * As {@link #until(JobClient, Duration, String, Check)}, with the description built when it is needed (a
     * timeout or the job's stop), so that it can tell what the last poll saw, e.g. which count is short.
     */
    static void until(JobClient job, Duration timeout, Supplier<String> what, Check check) throws Exception {
        // The MiniCluster goes away with a failed job, so ask for the result future up front, not the status later.
        CompletableFuture<?> result = job.getJobExecutionResult();
        Await.until(timeout, what, () -> {
            if (check.done()) {
                return true;
            }
            if (result.isDone()) {
                throw stopped(result, what.get());
            }
            return false;
        });
    }

    /**
     * Why a finished job's result future finished, as an exception to throw from a wait: the job's failure as the
     * cause and its root cause in the message (Flink wraps it several times: "Job execution failed", "Recovery is
     * suppressed by FixedDelayRestartBackoffTimeStrategy", ...).
     */
    static IllegalStateException stopped(CompletableFuture<?> result, String what) {
        try {
            result.get();
            return new IllegalStateException("the job finished while waiting for " + what);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return new IllegalStateException("the job failed while waiting for " + what + ": " + cause
                    + "; root cause: " + rootCause(cause), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new IllegalStateException("interrupted while waiting for " + what, e);
        }
    }

    /** The innermost cause of {@code t}, as class and message. */
    static String rootCause(Throwable t) {
        Throwable root = t;
        for (int depth = 0; root.getCause() != null && root.getCause() != root && depth < 100; depth++) {
            root = root.getCause();
        }
        return root.toString();
    }
}
