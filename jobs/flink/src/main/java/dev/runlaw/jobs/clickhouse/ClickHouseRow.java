package dev.runlaw.jobs.clickhouse;

import java.nio.charset.StandardCharsets;

/**
 * One row for ClickHouse: the target table and the row as a UTF-8 {@code JSONEachRow} object (no line separator).
 *
 * <p>The bytes are never modified after construction; the sink copies them into its batch buffer.
 *
 * @param table unqualified table name in the sink's database
 * @param json  one JSON object, UTF-8
 */
public record ClickHouseRow(String table, byte[] json) {

    /** The JSON text, for tests and logs. */
    public String jsonText() {
        return new String(json, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return table + " " + jsonText();
    }
}
