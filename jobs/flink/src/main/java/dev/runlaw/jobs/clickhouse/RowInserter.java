package dev.runlaw.jobs.clickhouse;

import java.io.IOException;

/** Sends one batch of {@code RowBinary} rows to one table; the seam between batching and the client. */
public interface RowInserter extends AutoCloseable {

    /**
     * Inserts {@code rows} rows held in {@code data[0 .. length-1]} (RowBinary rows back to back) into
     * {@code table}, returning only once the server has acknowledged them.
     */
    void insert(String table, byte[] data, int length, int rows) throws IOException;

    @Override
    void close();
}
