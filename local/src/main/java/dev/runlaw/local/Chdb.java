package dev.runlaw.local;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * ClickHouse 26.7 in this process, through chDB's C API ({@code libchdb.so}) and JNA, used to check that the
 * project's SQL also runs on a current ClickHouse (the server here is 18.16, users run a current one).
 *
 * <p>The library comes from the npm package {@code @chdb/lib-linux-x64-gnu@26.7.3-stable.1}, fetched by
 * {@code .ci/install-deps.sh} into {@code ~/.cache/runlaw/chdb/libchdb.so}; {@value #ENV_LIB} points elsewhere.
 * It is about 566 MB and is mapped once per JVM.
 *
 * <p>Bound to the API 26.7 exports (see {@code chdb.h}): {@code chdb_connect(argc, argv)} returns a
 * {@code chdb_connection*}, {@code chdb_query_n(conn, ...)} returns an opaque {@code chdb_result*} read through
 * {@code chdb_result_buffer/length/elapsed/rows_read/bytes_read/error} and freed with
 * {@code chdb_destroy_query_result}, and {@code chdb_close_conn} closes the connection. The older
 * {@code local_result_v2} struct API is not used. chDB's own signal handlers are switched off before the first
 * connection, because they would replace the JVM's (which relies on SIGSEGV handling for normal operation).
 *
 * <p>The engine keeps one data path per process: close every {@code Chdb} before opening one on another path.
 * Methods are synchronized because a connection runs one statement at a time.
 */
public final class Chdb implements AutoCloseable {

    /** Environment variable with the path of {@code libchdb.so}. */
    public static final String ENV_LIB = "RUNLAW_CHDB_LIB";

    private static final String INSTALL_HINT = "run .ci/install-deps.sh (it fetches "
            + "@chdb/lib-linux-x64-gnu@26.7.3-stable.1 with npm into ~/.cache/runlaw/chdb/), or set " + ENV_LIB;

    /** The C functions used, as exported by libchdb 26.7 (checked with {@code nm -D libchdb.so}). */
    interface LibChdb extends Library {
        void chdb_set_signal_handlers_enabled(int enabled);

        Pointer chdb_version();

        /** Returns {@code chdb_connection*}, NULL on failure. */
        Pointer chdb_connect(int argc, String[] argv);

        /** Takes the {@code chdb_connection*} that chdb_connect returned. */
        void chdb_close_conn(Pointer connection);

        /** Takes the {@code chdb_connection} itself, i.e. what the pointer from chdb_connect points to. */
        Pointer chdb_query_n(Pointer conn, byte[] query, long queryLen, byte[] format, long formatLen);

        Pointer chdb_result_buffer(Pointer result);

        long chdb_result_length(Pointer result);

        double chdb_result_elapsed(Pointer result);

        long chdb_result_rows_read(Pointer result);

        long chdb_result_bytes_read(Pointer result);

        Pointer chdb_result_error(Pointer result);

        void chdb_destroy_query_result(Pointer result);
    }

    /**
     * What one statement returned.
     *
     * @param output         the result text in the requested format (empty for DDL)
     * @param elapsedSeconds execution time reported by the engine
     * @param rowsRead       rows in the result set
     * @param bytesRead      bytes of the result set in the engine's binary form
     */
    public record Result(String output, double elapsedSeconds, long rowsRead, long bytesRead) {
    }

    private static LibChdb lib;

    private final Pointer connection; // chdb_connection*
    private final Path dataDir;
    private final boolean ownsDataDir;
    private boolean closed;

    private Chdb(Pointer connection, Path dataDir, boolean ownsDataDir) {
        this.connection = connection;
        this.dataDir = dataDir;
        this.ownsDataDir = ownsDataDir;
    }

    /** Where the library is looked for: {@value #ENV_LIB} if set, else {@code ~/.cache/runlaw/chdb/libchdb.so}. */
    public static Path libraryPath() {
        String env = System.getenv(ENV_LIB);
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "runlaw", "chdb", "libchdb.so");
    }

    /** Opens a connection on a new temporary data directory, deleted by {@link #close()}. */
    public static Chdb open() {
        return open(Files2.createTempDir("runlaw-chdb-"), true);
    }

    /** Opens a connection whose databases live in {@code dataDir} (kept after close). */
    public static Chdb open(Path dataDir) {
        return open(dataDir, false);
    }

    private static synchronized Chdb open(Path dataDir, boolean owns) {
        LibChdb l = load();
        Pointer conn = l.chdb_connect(2, new String[] {"clickhouse", "--path=" + dataDir.toAbsolutePath()});
        if (conn == null || conn.getPointer(0) == null) {
            if (owns) {
                Files2.deleteRecursively(dataDir);
            }
            throw new IllegalStateException("chdb_connect failed for path " + dataDir
                    + " (another Chdb open on a different path in this JVM?)");
        }
        return new Chdb(conn, dataDir, owns);
    }

    private static synchronized LibChdb load() {
        if (lib == null) {
            Path path = libraryPath();
            if (!Files.isRegularFile(path)) {
                throw new IllegalStateException("libchdb.so not found at " + path + ": " + INSTALL_HINT);
            }
            LibChdb l = Native.load(path.toAbsolutePath().toString(), LibChdb.class);
            l.chdb_set_signal_handlers_enabled(0);
            lib = l;
        }
        return lib;
    }

    /** The engine version the library reports, e.g. {@code 26.7.0}. */
    public static String version() {
        return load().chdb_version().getString(0, StandardCharsets.UTF_8.name());
    }

    /** The data directory of this connection. */
    public Path dataDirectory() {
        return dataDir;
    }

    /**
     * Runs one statement and returns its output in {@code format} (a FORMAT clause in the SQL wins).
     *
     * @throws ChdbException with the engine's error text if the statement fails
     */
    public synchronized Result query(String sql, String format) {
        Objects.requireNonNull(sql, "sql");
        Objects.requireNonNull(format, "format");
        if (closed) {
            throw new IllegalStateException("chdb connection closed");
        }
        byte[] q = sql.getBytes(StandardCharsets.UTF_8);
        byte[] f = format.getBytes(StandardCharsets.UTF_8);
        Pointer r = lib.chdb_query_n(connection.getPointer(0), q, q.length, f, f.length);
        if (r == null) {
            throw new ChdbException("chdb_query returned no result", sql);
        }
        try {
            Pointer err = lib.chdb_result_error(r);
            if (err != null) {
                String message = err.getString(0, StandardCharsets.UTF_8.name());
                if (!message.isEmpty()) {
                    throw new ChdbException(message, sql);
                }
            }
            long len = lib.chdb_result_length(r);
            Pointer buf = lib.chdb_result_buffer(r);
            String out = buf == null || len == 0
                    ? ""
                    : new String(buf.getByteArray(0, Math.toIntExact(len)), StandardCharsets.UTF_8);
            return new Result(out, lib.chdb_result_elapsed(r), lib.chdb_result_rows_read(r),
                    lib.chdb_result_bytes_read(r));
        } finally {
            lib.chdb_destroy_query_result(r);
        }
    }

    /** Runs one statement and returns its output as TabSeparated text. */
    public String execute(String sql) {
        return query(sql, "TabSeparated").output();
    }

    /** Runs a query (without a FORMAT clause) and returns its rows as text, {@code null} for SQL NULL. */
    public List<List<String>> queryRows(String sql) {
        String out = execute(sql);
        List<List<String>> rows = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (!line.isEmpty()) {
                rows.add(TabSeparated.parseLine(line));
            }
        }
        return rows;
    }

    /** Closes the connection and deletes the data directory if {@link #open()} created it. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        lib.chdb_close_conn(connection);
        if (ownsDataDir) {
            Files2.deleteRecursively(dataDir);
        }
    }

    /** A statement chdb refused; the message holds the engine's error text. */
    public static final class ChdbException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ChdbException(String engineMessage, String sql) {
            super("chdb: " + engineMessage.strip() + "\n  in: " + abbreviate(sql));
        }

        private static String abbreviate(String sql) {
            String s = sql.strip();
            return s.length() <= 500 ? s : s.substring(0, 500) + " ...";
        }
    }
}
