package dev.runlaw.cli.report;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;

/** Reads typed values out of a panel's rows (column → ClickHouse TabSeparated text; null for SQL NULL). */
final class Rows {
    private static final DateTimeFormatter DATE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

    private Rows() {
    }

    /** A number; NaN for NULL, a missing column or ClickHouse's {@code nan}; ±infinity for {@code inf}/{@code -inf}. */
    static double num(Map<String, String> row, String column) {
        String v = row.get(column);
        if (v == null || v.isEmpty()) {
            return Double.NaN;
        }
        return switch (v) {
            case "nan", "-nan" -> Double.NaN;
            case "inf", "+inf" -> Double.POSITIVE_INFINITY;
            case "-inf" -> Double.NEGATIVE_INFINITY;
            default -> {
                try {
                    yield Double.parseDouble(v);
                } catch (NumberFormatException e) {
                    throw new IllegalStateException("column " + column + ": not a number: " + v, e);
                }
            }
        };
    }

    /** Text; {@code ""} for NULL or a missing column. */
    static String text(Map<String, String> row, String column) {
        String v = row.get(column);
        return v == null ? "" : v;
    }

    /** A ClickHouse DateTime printed in UTC ({@code yyyy-MM-dd HH:mm:ss}) as Unix seconds; NaN when absent. */
    static double epochSeconds(Map<String, String> row, String column) {
        String v = row.get(column);
        if (v == null || v.isEmpty()) {
            return Double.NaN;
        }
        try {
            return LocalDateTime.parse(v, DATE_TIME).toEpochSecond(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw new IllegalStateException("column " + column + ": not a date-time: " + v, e);
        }
    }

    /** A number for a table cell: up to 4 significant digits, {@code ""} for NULL. */
    static String cell(Map<String, String> row, String column) {
        double v = num(row, column);
        return Double.isNaN(v) ? text(row, column).equals("nan") ? "nan" : "" : Scale.number(v);
    }
}
