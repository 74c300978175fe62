package dev.runlaw.jobs.clickhouse;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.insert.InsertResponse;
import com.clickhouse.data.ClickHouseFormat;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link RowInserter} over ClickHouse's official Java client (client-v2), streaming a {@code RowBinary} body as
 * {@code INSERT INTO db.table (`c1`, `c2`, ...) FORMAT RowBinary}.
 *
 * <p>The column list is explicit: RowBinary carries no names, so without one the server would read the body as
 * all of the table's (non-materialized) columns in table order, and a column added to the table later (with a
 * default) would misalign every row instead of being filled with its default. Names are back-quoted (the client
 * pastes them in as given; {@code partition} and {@code offset} are keywords in some contexts).
 */
public final class ClientRowInserter implements RowInserter {
    private final Client client;
    /** Table → its qualified name and quoted column list, as the client wants them. */
    private final Map<String, Target> targets = new HashMap<>();
    private final ClickHouseEndpoint endpoint;
    private final long timeoutMs;
    private final ExecutorService executor;

    private record Target(String qualifiedName, List<String> columns) {
    }

    /**
     * @param columns every table this inserter may be asked to write → its columns in the rows' order
     */
    public ClientRowInserter(ClickHouseEndpoint endpoint, Map<String, List<String>> columns, long timeoutMs) {
        this.endpoint = endpoint;
        // Qualified: ClickHouse 18.16 ignores the client's default-database setting.
        columns.forEach((table, cols) -> targets.put(table, new Target(endpoint.database() + "." + table,
                cols.stream().map(c -> "`" + c + "`").toList())));
        this.client = endpoint.newClient();
        this.timeoutMs = timeoutMs;
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "clickhouse-insert-" + endpoint.database());
            t.setDaemon(true);
            return t;
        });
    }

    /** The thread inserts run on; shut down by {@link #close()}. */
    public Executor executor() {
        return executor;
    }

    @Override
    public void insert(String table, byte[] data, int length, int rows) throws IOException {
        Target target = targets.get(table);
        if (target == null) {
            throw new IOException("no column list for table " + table + "; known: " + targets.keySet());
        }
        try (InsertResponse ignored = client.insert(target.qualifiedName(), target.columns(),
                new ByteArrayInputStream(data, 0, length),
                ClickHouseFormat.RowBinary).get(timeoutMs, TimeUnit.MILLISECONDS)) {
            // acknowledged
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while inserting into " + table);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IOException("insert of " + rows + " rows into " + endpoint.database() + "." + table
                    + " at " + endpoint.httpUrl() + " failed: " + cause.getMessage(), cause);
        } catch (TimeoutException e) {
            throw new IOException("insert of " + rows + " rows into " + table + " timed out after " + timeoutMs + " ms", e);
        } catch (RuntimeException e) {
            throw new IOException("insert of " + rows + " rows into " + endpoint.database() + "." + table
                    + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
        client.close();
    }
}
