package dev.runlaw.jobs.clickhouse;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * Sink V2 writing {@link ClickHouseRow}s to their tables in batches of {@code RowBinary}, each
 * insert naming its table's columns (given at construction, in the order the rows hold them).
 *
 * <p>Delivery is at-least-once: the writer flushes every buffered row when Flink asks it to before a checkpoint
 * ({@link SinkWriter#flush(boolean)}), so rows of acknowledged input are in ClickHouse before the Kafka offsets
 * behind them are committed; a failure replays from the last checkpoint and may insert rows again. The tables are
 * {@code ReplacingMergeTree}s keyed on each record's identity, so those copies collapse (read with {@code FINAL}).
 * Batches are bounded by rows ({@code batchRows}, per table), by bytes and by time ({@code flushIntervalMs},
 * through the writer's processing-time service) so rows appear within about that interval at low traffic.
 * While ClickHouse is unreachable an insert is retried with bounded backoff for up to {@value #RETRY_FOR_MS} ms
 * ({@link RetryingRowInserter}): the job backpressures instead of failing over.
 *
 * @see ClickHouseSinkWriter
 */
public final class ClickHouseSink implements Sink<ClickHouseRow> {
    private static final long serialVersionUID = 1L;
    /** A table's buffer is sent once it holds this many bytes, whatever its row count. */
    static final int MAX_BATCH_BYTES = 32 << 20;
    /** How long an insert is retried while ClickHouse is unreachable before the task fails (and Flink restarts it). */
    static final long RETRY_FOR_MS = 300_000;

    private final ClickHouseEndpoint endpoint;
    private final Map<String, List<String>> columns;
    private final int batchRows;
    private final long flushIntervalMs;
    private final long insertTimeoutMs;

    /**
     * @param columns every table the rows may go to → its columns, in the order each row holds them
     */
    public ClickHouseSink(ClickHouseEndpoint endpoint, Map<String, List<String>> columns, int batchRows,
                          long flushIntervalMs) {
        if (columns.isEmpty() || columns.values().stream().anyMatch(List::isEmpty)) {
            throw new IllegalArgumentException("every table needs its columns: " + columns);
        }
        if (batchRows < 1) {
            throw new IllegalArgumentException("batchRows must be >= 1, got " + batchRows);
        }
        if (flushIntervalMs < 1) {
            throw new IllegalArgumentException("flushIntervalMs must be >= 1, got " + flushIntervalMs);
        }
        this.endpoint = endpoint;
        Map<String, List<String>> copy = new LinkedHashMap<>();
        columns.forEach((t, c) -> copy.put(t, List.copyOf(c)));
        this.columns = copy;
        this.batchRows = batchRows;
        this.flushIntervalMs = flushIntervalMs;
        this.insertTimeoutMs = 120_000;
    }

    @Override
    public SinkWriter<ClickHouseRow> createWriter(WriterInitContext context) throws IOException {
        ClientRowInserter client = new ClientRowInserter(endpoint, columns, insertTimeoutMs);
        // ClickHouse away (a restart, a network blip) backpressures the job instead of failing it over and over.
        RowInserter inserter = RetryingRowInserter.create(client, RETRY_FOR_MS, 250, 5_000);
        return new ClickHouseSinkWriter(inserter, batchRows, MAX_BATCH_BYTES, flushIntervalMs,
                context.getProcessingTimeService(), context.metricGroup(), client.executor());
    }
}
