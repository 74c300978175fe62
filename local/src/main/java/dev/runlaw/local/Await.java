package dev.runlaw.local;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Waiting on a condition instead of sleeping: polls a probe until it holds or a timeout passes. The one wait of
 * the project's tests, local servers and dev tools, so that every wait fails the same way, with a message that
 * names what was awaited and, where given, the last value seen.
 *
 * <p>Polls start at {@value #FIRST_POLL_MS} ms and double up to {@value #MAX_POLL_MS} ms: a condition that holds
 * almost at once is seen almost at once, and a slow one (a server starting, rows reaching ClickHouse) is not
 * hammered. A probe that throws ends the wait with that exception (checked ones wrapped in an
 * {@link IllegalStateException}); a probe that means "not yet" by throwing must catch that itself.
 */
public final class Await {
    /** First pause between two polls. */
    public static final long FIRST_POLL_MS = 5;
    /** Longest pause between two polls. */
    public static final long MAX_POLL_MS = 250;

    private Await() {
    }

    /** A condition that may throw (a query, an admin call); {@code true} when it holds. */
    @FunctionalInterface
    public interface Condition {
        /** Whether the awaited state has been reached. */
        boolean holds() throws Exception;
    }

    /** Thrown when the timeout passes before the condition holds. */
    public static final class TimeoutException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        TimeoutException(String message) {
            super(message);
        }
    }

    /**
     * Polls {@code condition} until it holds.
     *
     * @param timeout   how long to wait at most
     * @param what      what is awaited, for the timeout message ("3 rows in step_metrics")
     * @param condition the condition; its exceptions end the wait
     * @throws TimeoutException     when {@code timeout} passes first
     * @throws InterruptedException when the waiting thread is interrupted
     */
    public static void until(Duration timeout, String what, Condition condition) throws InterruptedException {
        Objects.requireNonNull(what, "what");
        until(timeout, () -> what, condition);
    }

    /**
     * As {@link #until(Duration, String, Condition)}, with the description built only on timeout, so it can tell
     * the last state seen (e.g. committed offsets against end offsets).
     */
    public static void until(Duration timeout, Supplier<String> what, Condition condition)
            throws InterruptedException {
        Objects.requireNonNull(condition, "condition");
        until(timeout, what, () -> condition.holds() ? Boolean.TRUE : Boolean.FALSE, Boolean.TRUE::equals);
    }

    /**
     * Polls {@code probe} until {@code accept} holds for its value, and returns that value.
     *
     * @throws TimeoutException when {@code timeout} passes first; its message holds the last value seen
     */
    public static <T> T until(Duration timeout, String what, Callable<T> probe, Predicate<? super T> accept)
            throws InterruptedException {
        Objects.requireNonNull(what, "what");
        return until(timeout, () -> what, probe, accept);
    }

    private static <T> T until(Duration timeout, Supplier<String> what, Callable<T> probe,
                               Predicate<? super T> accept) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(probe, "probe");
        Objects.requireNonNull(accept, "accept");
        long start = System.nanoTime();
        long pause = FIRST_POLL_MS;
        while (true) {
            T value = call(probe, what);
            if (accept.test(value)) {
                return value;
            }
            long left = timeout.toNanos() - (System.nanoTime() - start);
            if (left <= 0) {
                String last = value instanceof Boolean ? "" : "; last value: " + value;
                throw new TimeoutException(String.format(Locale.ROOT, "timed out after %s waiting for %s%s",
                        timeout, what.get(), last));
            }
            // Never sleep past the deadline by more than one short poll.
            Thread.sleep(Math.max(1, Math.min(pause, left / 1_000_000 + 1)));
            pause = Math.min(MAX_POLL_MS, pause * 2);
        }
    }

    private static <T> T call(Callable<T> probe, Supplier<String> what) throws InterruptedException {
        try {
            return probe.call();
        } catch (InterruptedException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("failed while waiting for " + what.get() + ": " + e, e);
        }
    }
}
