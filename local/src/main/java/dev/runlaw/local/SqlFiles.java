package dev.runlaw.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The project's ClickHouse schema: the {@code sql/NNN_name.sql} files, read in NNN order and split into
 * statements, so tests and the demo create exactly the tables a user's server gets from the same files.
 *
 * <p>Splitting is deliberately simple, matching how the files are written: a statement ends at a {@code ;}
 * that ends a line (trailing spaces allowed), and lines whose first non-blank characters are {@code --} are
 * dropped. A {@code ;} inside a line, or inside a string literal that ends a line, is not supported.
 * Comments after code on the same line are left for the server, which ignores them.
 *
 * <p>Every file uses {@code CREATE ... IF NOT EXISTS}, so {@link #applyAll} can run again on the same database.
 */
public final class SqlFiles {

    /** System property naming the project root: {@link ProjectRoot#PROPERTY}. */
    public static final String ROOT_PROPERTY = ProjectRoot.PROPERTY;

    private static final Pattern FILE_NAME = Pattern.compile("(\\d{3})_([A-Za-z0-9_]+)\\.sql");
    private static final Pattern STATEMENT_END = Pattern.compile(";\\s*$");
    private static final Pattern CREATE_OBJECT = Pattern.compile(
            "(?is)^CREATE\\s+(?:TABLE|VIEW|MATERIALIZED\\s+VIEW)\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?([`\\w.]+).*");

    /**
     * One schema file.
     *
     * @param path       where it was read from
     * @param number     its NNN prefix, the order it is applied in
     * @param name       the part after {@code NNN_}, without {@code .sql}
     * @param statements its statements without the closing {@code ;}, in file order
     */
    public record SqlFile(Path path, int number, String name, List<String> statements) {
        /** Copies the statement list so the record stays immutable. */
        public SqlFile {
            statements = List.copyOf(statements);
        }
    }

    private final Path directory;
    private final List<SqlFile> files;

    private SqlFiles(Path directory, List<SqlFile> files) {
        this.directory = directory;
        this.files = List.copyOf(files);
    }

    /** The {@code sql/} directory of this project, found with {@link ProjectRoot#find()}. */
    public static SqlFiles fromProject() {
        return fromDirectory(ProjectRoot.resolve("sql"));
    }

    /**
     * Reads every {@code NNN_name.sql} file in {@code directory}, sorted by number (then name). Other files are
     * ignored, but a {@code .sql} file without the {@code NNN_} prefix is an error: it would otherwise be
     * silently left out of every database.
     */
    public static SqlFiles fromDirectory(Path directory) {
        if (!Files.isDirectory(directory)) {
            throw new IllegalArgumentException("not a directory: " + directory);
        }
        List<SqlFile> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(directory)) {
            for (Path p : s.toList()) {
                String fileName = p.getFileName().toString();
                if (!fileName.endsWith(".sql") || !Files.isRegularFile(p)) {
                    continue;
                }
                Matcher m = FILE_NAME.matcher(fileName);
                if (!m.matches()) {
                    throw new IllegalArgumentException("SQL file name must be NNN_name.sql: " + p);
                }
                files.add(new SqlFile(p, Integer.parseInt(m.group(1)), m.group(2), split(Files.readString(p))));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + directory, e);
        }
        files.sort(Comparator.comparingInt(SqlFile::number).thenComparing(SqlFile::name));
        return new SqlFiles(directory, files);
    }

    /** Splits a file's text into statements (rules in the class comment); blank statements are dropped. */
    public static List<String> split(String text) {
        List<String> statements = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (String line : text.split("\\R", -1)) {
            if (line.strip().startsWith("--")) {
                continue;
            }
            Matcher end = STATEMENT_END.matcher(line);
            if (end.find()) {
                cur.append(line, 0, end.start());
                add(statements, cur);
            } else {
                cur.append(line).append('\n');
            }
        }
        add(statements, cur);
        return statements;
    }

    private static void add(List<String> statements, StringBuilder cur) {
        String s = cur.toString().strip();
        if (!s.isEmpty()) {
            statements.add(s);
        }
        cur.setLength(0);
    }

    /** The directory the files were read from. */
    public Path directory() {
        return directory;
    }

    /** The files in the order they are applied. */
    public List<SqlFile> files() {
        return files;
    }

    /** Every statement of every file, in the order they are applied. */
    public List<String> statements() {
        return files.stream().flatMap(f -> f.statements().stream()).toList();
    }

    /**
     * Names of the tables and views the statements create, in file order, as written (unqualified in our
     * files), so tests can check every one of them.
     */
    public List<String> tableNames() {
        List<String> names = new ArrayList<>();
        for (String st : statements()) {
            Matcher m = CREATE_OBJECT.matcher(st);
            if (m.matches()) {
                names.add(m.group(1).replace("`", ""));
            }
        }
        return names;
    }

    /**
     * Creates {@code database} if missing and runs every statement in it over HTTP. The client's own database
     * setting is replaced by {@code database}.
     */
    public void applyAll(ClickHouseHttp http, String database) {
        Objects.requireNonNull(database, "database");
        http.execute("CREATE DATABASE IF NOT EXISTS " + quoteIdentifier(database));
        ClickHouseHttp inDb = http.withDatabase(database);
        applyEach(inDb::execute);
    }

    /** Creates {@code database} if missing and runs every statement in it on chdb. */
    public void applyAll(Chdb chdb, String database) {
        Objects.requireNonNull(database, "database");
        chdb.execute("CREATE DATABASE IF NOT EXISTS " + quoteIdentifier(database));
        // chdb has no per-query database parameter; USE sets the connection's session database.
        chdb.execute("USE " + quoteIdentifier(database));
        applyEach(chdb::execute);
    }

    private void applyEach(Consumer<String> execute) {
        for (SqlFile f : files) {
            List<String> st = f.statements();
            for (int i = 0; i < st.size(); i++) {
                try {
                    execute.accept(st.get(i));
                } catch (RuntimeException e) {
                    throw new IllegalStateException("statement " + (i + 1) + " of " + f.path() + " failed: "
                            + e.getMessage(), e);
                }
            }
        }
    }

    /** Back-quotes an identifier for ClickHouse, escaping back quotes and backslashes inside it. */
    public static String quoteIdentifier(String name) {
        return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`";
    }
}
