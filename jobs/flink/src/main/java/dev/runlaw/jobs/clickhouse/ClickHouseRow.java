package dev.runlaw.jobs.clickhouse;

/**
 * One row for ClickHouse: the target table and the row in {@code RowBinary} (see {@link RowBinaryWriter}), its
 * columns in the order of the table's insert column list.
 *
 * <p>The bytes are never modified after construction; the sink copies them into its batch buffer.
 *
 * @param table     unqualified table name in the sink's database
 * @param rowBinary one row, RowBinary
 */
public record ClickHouseRow(String table, byte[] rowBinary) {

    @Override
    public String toString() {
        return table + " (" + rowBinary.length + " bytes RowBinary)";
    }
}
