package dev.runlaw.jobs.ingest;

import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.local.ProjectRoot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The tables of {@code sql/*.sql} (columns, in order, with their types), and a RowBinary decoder that reads a
 * {@link ClickHouseRow} by those types, as the server would. Decoding fails unless the row is exactly the bytes of
 * its table's columns, so a missing, extra, reordered or mistyped column is caught.
 */
public final class SqlTables {
    public record Column(String name, String type) {
    }

    private static final Map<String, List<Column>> TABLES = read();

    private SqlTables() {
    }

    public static Map<String, List<Column>> tables() {
        return TABLES;
    }

    public static List<Column> columns(String table) {
        List<Column> c = TABLES.get(table);
        if (c == null) {
            throw new IllegalArgumentException("no table " + table + " in sql/");
        }
        return c;
    }

    /** Enum8 name → value, from a type such as {@code Enum8('A' = 1, 'B' = 2)}. */
    public static Map<String, Integer> enumValues(String type) {
        Map<String, Integer> out = new LinkedHashMap<>();
        Matcher m = Pattern.compile("'([^']*)'\\s*=\\s*(-?\\d+)").matcher(type);
        while (m.find()) {
            out.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        return out;
    }

    private static Map<String, List<Column>> read() {
        Map<String, List<Column>> tables = new HashMap<>();
        Pattern table = Pattern.compile("CREATE TABLE IF NOT EXISTS (\\w+)\\s*\\((.*?)\\)\\s*ENGINE", Pattern.DOTALL);
        Pattern column = Pattern.compile("^\\s*(\\w+)\\s+(.+?),?\\s*$", Pattern.MULTILINE);
        try (Stream<Path> files = Files.list(ProjectRoot.resolve("sql"))) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".sql"))::iterator) {
                Matcher m = table.matcher(Files.readString(f));
                while (m.find()) {
                    List<Column> cols = new ArrayList<>();
                    Matcher c = column.matcher(m.group(2));
                    while (c.find()) {
                        cols.add(new Column(c.group(1), c.group(2).trim()));
                    }
                    tables.put(m.group(1), List.copyOf(cols));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return tables;
    }

    /**
     * The row's values by column name, decoded by the SQL types: String → String, Int32 → Integer, Int64/UInt64 →
     * Long, UInt8 → Integer, Float32 → Float, Float64 → Double, DateTime → Long (epoch s), Enum8 → the name,
     * Nullable → null or the value, Array → List.
     *
     * @throws IllegalStateException when the bytes are not exactly one row of the table
     */
    public static Map<String, Object> decode(ClickHouseRow row) {
        ByteBuffer b = ByteBuffer.wrap(row.rowBinary()).order(ByteOrder.LITTLE_ENDIAN);
        Map<String, Object> out = new LinkedHashMap<>();
        try {
            for (Column c : columns(row.table())) {
                out.put(c.name(), value(b, c.type()));
            }
        } catch (RuntimeException e) {
            throw new IllegalStateException(row.table() + ": row does not decode after " + out + ": " + e, e);
        }
        if (b.hasRemaining()) {
            throw new IllegalStateException(row.table() + ": " + b.remaining() + " bytes left after " + out);
        }
        return out;
    }

    private static Object value(ByteBuffer b, String type) {
        if (type.startsWith("Nullable(")) {
            byte flag = b.get();
            if (flag == 1) {
                return null;
            }
            if (flag != 0) {
                throw new IllegalStateException("Nullable flag " + flag);
            }
            return value(b, inner(type));
        }
        if (type.startsWith("Array(")) {
            int n = varint(b);
            List<Object> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                out.add(value(b, inner(type)));
            }
            return out;
        }
        if (type.startsWith("Enum8(")) {
            byte v = b.get();
            for (Map.Entry<String, Integer> e : enumValues(type).entrySet()) {
                if (e.getValue() == v) {
                    return e.getKey();
                }
            }
            throw new IllegalStateException("value " + v + " not in " + type);
        }
        if (type.startsWith("DateTime")) {
            return Integer.toUnsignedLong(b.getInt());
        }
        return switch (type) {
            case "String" -> {
                byte[] s = new byte[varint(b)];
                b.get(s);
                yield new String(s, StandardCharsets.UTF_8);
            }
            case "Int32" -> b.getInt();
            case "Int64", "UInt64" -> b.getLong();
            case "UInt8" -> Byte.toUnsignedInt(b.get());
            case "Float32" -> b.getFloat();
            case "Float64" -> b.getDouble();
            default -> throw new IllegalStateException("type " + type + " not supported by this test decoder");
        };
    }

    private static String inner(String type) {
        return type.substring(type.indexOf('(') + 1, type.length() - 1);
    }

    private static int varint(ByteBuffer b) {
        int v = 0;
        for (int shift = 0; ; shift += 7) {
            byte x = b.get();
            v |= (x & 0x7F) << shift;
            if (x >= 0) {
                return v;
            }
        }
    }
}
