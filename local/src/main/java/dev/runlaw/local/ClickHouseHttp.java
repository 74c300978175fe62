package dev.runlaw.local;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A deliberately small ClickHouse HTTP client for admin work and test assertions (DDL, small inserts, reading
 * back a few rows), built on {@code java.net.http} so it works against any server version without a driver.
 *
 * <p>Written for ClickHouse 18.16 as much as for current releases: the output format goes into the SQL text
 * ({@code FORMAT TabSeparated}), because 18.16 ignores the {@code X-ClickHouse-Format} header; responses are
 * never requested compressed, because 18.16 answers {@code compress=1} with an empty body. Results are parsed
 * from TabSeparated, which keeps every value as the exact text the server printed (18.16 would quote 64-bit
 * integers in JSON anyway). Not meant for bulk loads: the jobs write through their own sinks.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ClickHouseHttp {

    private static final Pattern TRAILING_FORMAT =
            Pattern.compile("(?is).*\\bFORMAT\\s+[A-Za-z]+\\s*;?\\s*$");
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private final ClickHouseEndpoint endpoint;
    private final HttpClient client;
    private final Duration timeout;

    /** A client for {@code endpoint}, with a 60 s per-request timeout. */
    public ClickHouseHttp(ClickHouseEndpoint endpoint) {
        this(endpoint, newClient(), DEFAULT_TIMEOUT);
    }

    private ClickHouseHttp(ClickHouseEndpoint endpoint, HttpClient client, Duration timeout) {
        this.endpoint = endpoint;
        this.client = client;
        this.timeout = timeout;
    }

    private static HttpClient newClient() {
        // HTTP/1.1 explicitly: ClickHouse does not speak h2c, and the JDK would otherwise offer an upgrade.
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    /** The same server and connection pool, with unqualified table names resolving to {@code database}. */
    public ClickHouseHttp withDatabase(String database) {
        return new ClickHouseHttp(endpoint.withDatabase(database), client, timeout);
    }

    /** The same server, with another per-request timeout. */
    public ClickHouseHttp withTimeout(Duration requestTimeout) {
        return new ClickHouseHttp(endpoint, client, requestTimeout);
    }

    /** The endpoint this client talks to. */
    public ClickHouseEndpoint endpoint() {
        return endpoint;
    }

    /**
     * Runs one statement (sent as the POST body) and returns the response body. An {@code INSERT ... FORMAT X}
     * may carry its rows inline after the statement.
     *
     * @throws ClickHouseException with the server's error text if the server does not answer 200
     */
    public String execute(String sql) {
        return send(url(null), sql, sql);
    }

    /**
     * Runs {@code insertSql} (e.g. {@code INSERT INTO t FORMAT JSONEachRow}) with {@code data} as the rows.
     * The statement goes in the URL and the rows in the body, so the data is never parsed as SQL.
     */
    public String insert(String insertSql, String data) {
        return send(url(insertSql), data, insertSql);
    }

    /**
     * Runs a query and returns its rows, each a list of column values as text ({@code null} for SQL NULL).
     * The query must not have a FORMAT clause: this appends {@code FORMAT TabSeparated}.
     */
    public List<List<String>> query(String sql) {
        String body = execute(withFormat(sql, "TabSeparated"));
        List<List<String>> rows = new ArrayList<>();
        for (String line : lines(body)) {
            rows.add(TabSeparated.parseLine(line));
        }
        return rows;
    }

    /**
     * Runs a query and returns its rows as maps from column name to value text (in column order;
     * {@code null} for SQL NULL). The query must not have a FORMAT clause.
     */
    public List<Map<String, String>> queryMaps(String sql) {
        List<String> lines = lines(execute(withFormat(sql, "TabSeparatedWithNames")));
        List<Map<String, String>> rows = new ArrayList<>();
        if (lines.isEmpty()) {
            return rows;
        }
        List<String> names = TabSeparated.parseLine(lines.get(0));
        for (String line : lines.subList(1, lines.size())) {
            List<String> values = TabSeparated.parseLine(line);
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < names.size(); i++) {
                row.put(names.get(i), i < values.size() ? values.get(i) : null);
            }
            rows.add(row);
        }
        return rows;
    }

    /** Runs a query that returns one value (e.g. {@code SELECT count() FROM t}) and returns it as text. */
    public String queryValue(String sql) {
        List<List<String>> rows = query(sql);
        if (rows.size() != 1 || rows.get(0).size() != 1) {
            throw new IllegalStateException("expected one value, got " + rows + " for: " + sql);
        }
        return rows.get(0).get(0);
    }

    private static String withFormat(String sql, String format) {
        if (TRAILING_FORMAT.matcher(sql).matches()) {
            throw new IllegalArgumentException("query() adds its own FORMAT; use execute() for: " + sql);
        }
        String s = sql.strip();
        if (s.endsWith(";")) {
            s = s.substring(0, s.length() - 1);
        }
        return s + "\nFORMAT " + format;
    }

    private static List<String> lines(String body) {
        List<String> lines = new ArrayList<>(List.of(body.split("\n", -1)));
        if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        return lines;
    }

    private URI url(String query) {
        StringBuilder u = new StringBuilder(endpoint.url()).append("/?database=").append(enc(endpoint.database()));
        if (query != null) {
            u.append("&query=").append(enc(query));
        }
        return URI.create(u.toString());
    }

    private String send(URI uri, String body, String sqlForErrors) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Content-Type", "text/plain; charset=UTF-8")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        // Basic auth keeps the password out of URLs (and so out of server logs); 18.16 accepts it.
        String credentials = endpoint.user() + ":" + endpoint.password();
        b.header("Authorization",
                "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
        HttpRequest request = b.build();
        HttpResponse<String> r;
        try {
            r = sendOnce(request);
        } catch (IOException first) {
            if (!isStaleConnection(first)) {
                throw new ClickHouseException(-1, "no answer from " + endpoint.url() + ": " + first, sqlForErrors,
                        first);
            }
            // The server closed the pooled keep-alive connection as we reused it, before reading anything:
            // the statement never ran, so sending it again on a fresh connection is safe.
            try {
                r = sendOnce(request);
            } catch (IOException e) {
                throw new ClickHouseException(-1, "no answer from " + endpoint.url() + ": " + e, sqlForErrors, e);
            }
        }
        if (r.statusCode() != 200) {
            throw new ClickHouseException(r.statusCode(), r.body().strip(), sqlForErrors, null);
        }
        return r.body();
    }

    private HttpResponse<String> sendOnce(HttpRequest request) throws IOException {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for ClickHouse", e);
        }
    }

    private static boolean isStaleConnection(IOException e) {
        String m = e.getMessage();
        return m != null && m.contains("received no bytes");
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** A statement the server refused or could not be sent; the message holds the server's own error text. */
    public static final class ClickHouseException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int status;

        ClickHouseException(int status, String serverMessage, String sql, Throwable cause) {
            super("ClickHouse " + (status > 0 ? "HTTP " + status : "request failed") + ": " + serverMessage
                    + "\n  in: " + abbreviate(sql), cause);
            this.status = status;
        }

        /** HTTP status from the server, or -1 if none arrived. */
        public int status() {
            return status;
        }

        private static String abbreviate(String sql) {
            String s = sql.strip();
            return s.length() <= 500 ? s : s.substring(0, 500) + " ...";
        }
    }
}
