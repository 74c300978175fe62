package dev.runlaw.math.data;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * A CSV file with a header row, read one data row at a time: the one place where the project's CSV inputs (run
 * curves, detect's step tables, expert loads) find their columns by name, skip blank lines, count line numbers and
 * refuse short rows. Column names match case-insensitively; columns the caller does not ask for are ignored. No
 * quoting (these files hold numbers and space-separated counts only).
 */
public final class CsvTable {
    private final String source;
    private final Iterator<String> lines;
    private final Map<String, Integer> columns = new HashMap<>();
    private final int width;
    private String[] fields;
    private int line = 1;

    private CsvTable(String source, Iterator<String> lines, String[] header) {
        this.source = source;
        this.lines = lines;
        this.width = header.length;
        for (int i = 0; i < header.length; i++) {
            columns.putIfAbsent(header[i].trim().toLowerCase(Locale.ROOT), i);
        }
    }

    /**
     * Reads the header of {@code lines}.
     *
     * @param source   name used in error messages (e.g. the file path)
     * @param expected the header the format asks for, for messages ("step,lr,loss")
     * @param required columns that must be present
     * @throws RunFormatException on an empty file or a missing required column (line 1)
     */
    public static CsvTable open(String source, Iterable<String> lines, String expected, String... required) {
        Iterator<String> it = lines.iterator();
        if (!it.hasNext()) {
            throw new RunFormatException(source, 1, "empty file; expected header " + expected);
        }
        String first = it.next();
        String header = (first.startsWith("\uFEFF") ? first.substring(1) : first).trim();
        CsvTable t = new CsvTable(source, it, header.split(",", -1));
        for (String r : required) {
            if (t.column(r) < 0) {
                throw new RunFormatException(source, 1, "header must name columns " + expected + "; got '" + header
                        + "'");
            }
        }
        return t;
    }

    /** Index of column {@code name}, -1 when the header lacks it. */
    public int column(String name) {
        return columns.getOrDefault(name.toLowerCase(Locale.ROOT), -1);
    }

    /**
     * Moves to the next non-blank row.
     *
     * @return false at the end of the file
     * @throws RunFormatException when the row has fewer fields than the header
     */
    public boolean next() {
        while (lines.hasNext()) {
            String l = lines.next();
            line++;
            if (l.isBlank()) {
                continue;
            }
            fields = l.split(",", -1);
            if (fields.length < width) {
                throw error("expected " + width + " columns, got " + fields.length);
            }
            return true;
        }
        return false;
    }

    /** The current row's field at {@code column} (an index from {@link #column}), as written. */
    public String field(int column) {
        return fields[column];
    }

    /** Line number of the current row (the header is line 1). */
    public int line() {
        return line;
    }

    /** The file's name for messages. */
    public String source() {
        return source;
    }

    /** An error at the current row. */
    public RunFormatException error(String problem) {
        return new RunFormatException(source, line, problem);
    }
}
