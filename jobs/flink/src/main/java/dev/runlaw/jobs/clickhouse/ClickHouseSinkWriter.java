package dev.runlaw.jobs.clickhouse;

import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;

/**
 * Buffers rows per table as newline-separated JSON and inserts a table's buffer when it reaches its row or byte
 * bound, every buffer on the flush timer, and every buffer on {@link #flush(boolean)} (before each checkpoint and
 * at end of input). All methods, the timer callback included, run on the task's mailbox thread, so there is no
 * locking. An insert that fails throws, which fails the task: Flink restarts it from the last checkpoint and the
 * replayed rows collapse in the ReplacingMergeTree tables.
 */
public final class ClickHouseSinkWriter implements SinkWriter<ClickHouseRow> {
    private final RowInserter inserter;
    private final int batchRows;
    private final int maxBatchBytes;
    private final long flushIntervalMs;
    private final ProcessingTimeService timers;
    private final Map<String, TableBuffer> buffers = new LinkedHashMap<>();
    private final Counter rowsOut;
    private final Counter bytesOut;
    private boolean closed;

    public ClickHouseSinkWriter(RowInserter inserter, int batchRows, int maxBatchBytes, long flushIntervalMs,
                                ProcessingTimeService timers, SinkWriterMetricGroup metrics) {
        this.inserter = inserter;
        this.batchRows = batchRows;
        this.maxBatchBytes = maxBatchBytes;
        this.flushIntervalMs = flushIntervalMs;
        this.timers = timers;
        this.rowsOut = metrics == null ? new SimpleCounter() : metrics.getNumRecordsSendCounter();
        this.bytesOut = metrics == null ? new SimpleCounter() : metrics.getNumBytesSendCounter();
        scheduleTimer();
    }

    @Override
    public void write(ClickHouseRow row, Context context) throws IOException {
        TableBuffer b = buffers.get(row.table());
        if (b == null) {
            b = new TableBuffer(row.table());
            buffers.put(row.table(), b);
        }
        b.append(row.json());
        if (b.rows >= batchRows || b.length >= maxBatchBytes) {
            send(b);
        }
    }

    @Override
    public void flush(boolean endOfInput) throws IOException {
        sendAll();
    }

    /** Rows buffered and not yet sent, over all tables. */
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
        inserter.close();
    }

    private void sendAll() throws IOException {
        for (TableBuffer b : buffers.values()) {
            if (b.rows > 0) {
                send(b);
            }
        }
    }

    private void send(TableBuffer b) throws IOException {
        inserter.insert(b.table, b.data, b.length, b.rows);
        rowsOut.inc(b.rows);
        bytesOut.inc(b.length);
        b.clear();
    }

    private void scheduleTimer() {
        timers.registerTimer(timers.getCurrentProcessingTime() + flushIntervalMs, time -> onTimer());
    }

    /** A failed insert here fails the task, like one in {@link #write} or {@link #flush}. */
    private void onTimer() throws IOException {
        if (closed) {
            return;
        }
        sendAll();
        scheduleTimer();
    }

    /** One table's pending rows, as the request body to send. */
    private static final class TableBuffer {
        final String table;
        byte[] data = new byte[64 * 1024];
        int length;
        int rows;

        TableBuffer(String table) {
            this.table = table;
        }

        void append(byte[] json) {
            int need = length + json.length + 1;
            if (need > data.length) {
                data = Arrays.copyOf(data, Math.max(need, data.length * 2));
            }
            System.arraycopy(json, 0, data, length, json.length);
            length += json.length;
            data[length++] = '\n';
            rows++;
        }

        void clear() {
            length = 0;
            rows = 0;
        }
    }
}
