package dev.runlaw.jobs.clickhouse;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.insert.InsertResponse;
import com.clickhouse.data.ClickHouseFormat;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** {@link RowInserter} over ClickHouse's official Java client (client-v2), streaming a JSONEachRow body. */
public final class ClientRowInserter implements RowInserter {
    private final Client client;
    private final ClickHouseEndpoint endpoint;
    private final long timeoutMs;
    private final ExecutorService executor;

    public ClientRowInserter(ClickHouseEndpoint endpoint, long timeoutMs) {
        this.endpoint = endpoint;
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
        // Qualified: ClickHouse 18.16 ignores the client's default-database setting.
        try (InsertResponse ignored = client.insert(endpoint.database() + "." + table,
                new ByteArrayInputStream(data, 0, length),
                ClickHouseFormat.JSONEachRow).get(timeoutMs, TimeUnit.MILLISECONDS)) {
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
