package dev.runlaw.jobs.clickhouse;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;

/**
 * Buffers rows per table as one RowBinary body (rows back to back) and inserts a table's buffer when it reaches its row or byte
 * bound, every buffer on the flush timer, and every buffer on {@link #flush(boolean)} (before each checkpoint and
 * at end of input).
 *
 * <p>One insert at a time runs on {@code io} while the task keeps filling buffers, so decoding and ClickHouse's
 * parsing overlap; starting the next insert first waits for the previous one. {@link #flush} returns only when
 * every row written so far is acknowledged, which is what makes a completed checkpoint safe. All other state is
 * touched only on the task's mailbox thread (the timer callback runs there too), so there is no locking. A failed
 * insert throws on the next write, timer or flush, which fails the task: Flink restarts it from the last
 * checkpoint, and the replayed rows collapse in the ReplacingMergeTree tables.
 */
public final class ClickHouseSinkWriter implements SinkWriter<ClickHouseRow> {
    private static final int INITIAL_BUFFER = 64 * 1024;

    private final RowInserter inserter;
    private final int batchRows;
    private final int maxBatchBytes;
    private final long flushIntervalMs;
    private final ProcessingTimeService timers;
    private final Executor io;
    private final Map<String, TableBuffer> buffers = new LinkedHashMap<>();
    private final Counter rowsOut;
    private final Counter bytesOut;
    private CompletableFuture<Void> inFlight;
    private Batch inFlightBatch;
    /** The array of the last acknowledged batch, reused as the next buffer. */
    private byte[] spare;
    private boolean closed;

    /**
     * @param io runs inserts; a direct executor ({@code Runnable::run}) makes every insert synchronous
     */
    public ClickHouseSinkWriter(RowInserter inserter, int batchRows, int maxBatchBytes, long flushIntervalMs,
                                ProcessingTimeService timers, SinkWriterMetricGroup metrics, Executor io) {
        this.inserter = inserter;
        this.batchRows = batchRows;
        this.maxBatchBytes = maxBatchBytes;
        this.flushIntervalMs = flushIntervalMs;
        this.timers = timers;
        this.io = io;
        this.rowsOut = metrics == null ? new SimpleCounter() : metrics.getNumRecordsSendCounter();
        this.bytesOut = metrics == null ? new SimpleCounter() : metrics.getNumBytesSendCounter();
        scheduleTimer();
    }

    @Override
    public void write(ClickHouseRow row, Context context) throws IOException, InterruptedException {
        TableBuffer b = buffers.get(row.table());
        if (b == null) {
            b = new TableBuffer(row.table());
            buffers.put(row.table(), b);
        }
        b.append(row.rowBinary());
        if (b.rows >= batchRows || b.length >= maxBatchBytes) {
            send(b);
        }
    }

    @Override
    public void flush(boolean endOfInput) throws IOException, InterruptedException {
        sendAll();
        awaitInFlight();
    }

    /** Rows buffered and not yet handed to an insert, over all tables. */
    public int bufferedRows() {
        int n = 0;
        for (TableBuffer b : buffers.values()) {
            n += b.rows;
        }
        return n;
    }

    @Override
    public void close() throws Exception {
        closed = true;
        try {
            if (inFlight != null) {
                // Nothing unacknowledged needs saving (the last checkpoint is behind it); just do not leak it.
                inFlight.handle((v, e) -> null).get();
            }
        } finally {
            inserter.close();
        }
    }

    private void sendAll() throws IOException, InterruptedException {
        for (TableBuffer b : buffers.values()) {
            if (b.rows > 0) {
                send(b);
            }
        }
    }

    private void send(TableBuffer b) throws IOException, InterruptedException {
        awaitInFlight();
        Batch batch = new Batch(b.table, b.data, b.length, b.rows);
        b.take(spare);
        spare = null;
        inFlightBatch = batch;
        inFlight = CompletableFuture.runAsync(() -> {
            try {
                inserter.insert(batch.table, batch.data, batch.length, batch.rows);
            } catch (IOException e) {
                throw new CompletionException(e);
            }
        }, io);
    }

    private void awaitInFlight() throws IOException, InterruptedException {
        if (inFlight == null) {
            return;
        }
        try {
            inFlight.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof CompletionException && cause.getCause() != null) {
                cause = cause.getCause();
            }
            String table = inFlightBatch.table;
            inFlight = null;
            inFlightBatch = null;
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new IOException("insert into " + table + " failed: " + cause, cause);
        }
        rowsOut.inc(inFlightBatch.rows);
        bytesOut.inc(inFlightBatch.length);
        spare = inFlightBatch.data;
        inFlight = null;
        inFlightBatch = null;
    }

    private void scheduleTimer() {
        timers.registerTimer(timers.getCurrentProcessingTime() + flushIntervalMs, time -> onTimer());
    }

    /** A failed insert here fails the task, like one in {@link #write} or {@link #flush}. */
    private void onTimer() throws IOException, InterruptedException {
        if (closed) {
            return;
        }
        awaitInFlight();
        sendAll();
        scheduleTimer();
    }

    /** One insert's body, owned by the insert until it completes. */
    private record Batch(String table, byte[] data, int length, int rows) {
    }

    /** One table's pending rows, as the request body to send. */
    private static final class TableBuffer {
        final String table;
        byte[] data = new byte[INITIAL_BUFFER];
        int length;
        int rows;

        TableBuffer(String table) {
            this.table = table;
        }

        void append(byte[] row) {
            int need = length + row.length;
            if (need > data.length) {
                data = java.util.Arrays.copyOf(data, Math.max(need, data.length * 2));
            }
            System.arraycopy(row, 0, data, length, row.length);
            length += row.length;
            rows++;
        }

        /** Hands the current array to an insert and continues in {@code next} (or a new array). */
        void take(byte[] next) {
            data = next != null ? next : new byte[Math.max(INITIAL_BUFFER, Math.min(length, 1 << 20))];
            length = 0;
            rows = 0;
        }
    }
}
