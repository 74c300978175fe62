package dev.runlaw.jobs.clickhouse;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries an insert while ClickHouse is unreachable, with exponential backoff ({@code firstBackoffMs} doubling up to
 * {@code maxBackoffMs}) for at most {@code retryForMs}, instead of failing the task at the first refused connection.
 *
 * <p>Why here: a failed insert fails the task and Flink restarts the job from its last checkpoint, so a ClickHouse
 * restart of a minute meant a minute of fail-overs, each replaying from Kafka. Retrying in the sink keeps the job up:
 * the insert stays in flight, the writer's next send waits for it ({@link ClickHouseSinkWriter} holds one insert in
 * flight and one buffer per table, so memory stays bounded), the task stops taking input and backpressure reaches the
 * Kafka source. Only connection failures are retried (refused, reset, no route, timed out); an error the server
 * answers (a bad column, a missing table) fails at once, as before. A retried insert may have reached the server
 * before its connection broke; the copy collapses in the {@code ReplacingMergeTree} tables like any replay.
 */
final class RetryingRowInserter implements RowInserter {
    private static final Logger LOG = LoggerFactory.getLogger(RetryingRowInserter.class);

    /** Waits between attempts; a test passes one that records instead of sleeping. */
    interface Sleeper {
        void sleep(long ms) throws InterruptedException;
    }

    private final RowInserter delegate;
    private final long retryForMs;
    private final long firstBackoffMs;
    private final long maxBackoffMs;
    private final LongSupplier clockMs;
    private final Sleeper sleeper;

    RetryingRowInserter(RowInserter delegate, long retryForMs, long firstBackoffMs, long maxBackoffMs,
                        LongSupplier clockMs, Sleeper sleeper) {
        if (firstBackoffMs < 1 || maxBackoffMs < firstBackoffMs || retryForMs < 0) {
            throw new IllegalArgumentException("backoff " + firstBackoffMs + ".." + maxBackoffMs + " ms for "
                    + retryForMs + " ms");
        }
        this.delegate = delegate;
        this.retryForMs = retryForMs;
        this.firstBackoffMs = firstBackoffMs;
        this.maxBackoffMs = maxBackoffMs;
        this.clockMs = clockMs;
        this.sleeper = sleeper;
    }

    /** With the wall clock and {@link Thread#sleep}. */
    static RetryingRowInserter create(RowInserter delegate, long retryForMs, long firstBackoffMs, long maxBackoffMs) {
        return new RetryingRowInserter(delegate, retryForMs, firstBackoffMs, maxBackoffMs,
                System::currentTimeMillis, Thread::sleep);
    }

    @Override
    public void insert(String table, byte[] data, int length, int rows) throws IOException {
        long start = clockMs.getAsLong();
        long backoff = firstBackoffMs;
        int attempt = 1;
        while (true) {
            try {
                delegate.insert(table, data, length, rows);
                if (attempt > 1) {
                    LOG.info("insert into {} succeeded after {} attempts, {} ms", table, attempt,
                            clockMs.getAsLong() - start);
                }
                return;
            } catch (IOException e) {
                long waited = clockMs.getAsLong() - start;
                if (!isConnectionFailure(e) || waited + backoff > retryForMs) {
                    throw e;
                }
                if (attempt == 1) {
                    LOG.warn("ClickHouse unreachable inserting {} rows into {} ({}); retrying for up to {} ms", rows,
                            table, e.getMessage(), retryForMs);
                }
                try {
                    sleeper.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while retrying an insert into " + table);
                }
                backoff = Math.min(maxBackoffMs, backoff * 2);
                attempt++;
            }
        }
    }

    /** Whether the insert failed to reach the server, as opposed to the server refusing it. */
    static boolean isConnectionFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConnectException || t instanceof NoRouteToHostException
                    || t instanceof SocketTimeoutException || t instanceof TimeoutException
                    || (t instanceof SocketException && !(t instanceof java.net.BindException))) {
                return true;
            }
            String name = t.getClass().getSimpleName();
            // client-v2 wraps a refused connection in its own types; Apache HttpClient's "no response" is a reset.
            if (name.equals("ConnectionInitiationException") || name.equals("NoHttpResponseException")
                    || name.equals("ConnectTimeoutException") || name.equals("HttpHostConnectException")) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        delegate.close();
    }
}
