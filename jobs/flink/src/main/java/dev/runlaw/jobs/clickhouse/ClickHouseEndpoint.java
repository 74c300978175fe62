package dev.runlaw.jobs.clickhouse;

import com.clickhouse.client.api.Client;
import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * Where and as whom to reach ClickHouse over HTTP.
 *
 * <p>Accepts the URL forms people copy from ClickHouse docs and tools: {@code http://host:8123},
 * {@code https://host:8443}, and JDBC-style {@code jdbc:clickhouse://host:8123/db} or {@code jdbc:ch://host/db}
 * (plain HTTP, port 8123 when absent; add {@code ?ssl=true} for HTTPS, port 8443 when absent). A database in the
 * URL path is used unless a database is given explicitly. Query parameters other than {@code ssl} are refused
 * rather than silently ignored.
 *
 * <p>Over HTTPS the server's certificate is checked against the JVM's trusted CAs, or against {@link Tls}: a PEM CA
 * certificate or a trust store (for a private CA).
 *
 * @param httpUrl  base HTTP(S) URL without path, e.g. {@code http://127.0.0.1:8123}
 * @param user     user name
 * @param password password (may be empty)
 * @param database database the tables live in
 * @param tls      what to trust over HTTPS; {@link Tls#DEFAULT} for the JVM's CAs
 */
public record ClickHouseEndpoint(String httpUrl, String user, String password, String database, Tls tls)
        implements Serializable {

    /**
     * What an HTTPS connection trusts: the JVM's CAs (all null), a PEM CA certificate file, or a JKS / PKCS12 trust
     * store file with its password. Paths are read where the client is created (every TaskManager).
     */
    public record Tls(String rootCertificate, String trustStore, String trustStorePassword) implements Serializable {
        /** The JVM's trusted CAs. */
        public static final Tls DEFAULT = new Tls(null, null, null);

        public Tls {
            if (rootCertificate != null && trustStore != null) {
                throw new IllegalArgumentException(
                        "give clickhouse.ssl.root-certificate or clickhouse.ssl.trust-store, not both");
            }
            if (trustStorePassword != null && trustStore == null) {
                throw new IllegalArgumentException("clickhouse.ssl.trust-store-password needs clickhouse.ssl.trust-store");
            }
        }

        /** From the settings, blank meaning absent. */
        public static Tls of(String rootCertificate, String trustStore, String trustStorePassword) {
            return new Tls(blankToNull(rootCertificate), blankToNull(trustStore), blankToNull(trustStorePassword));
        }

        private static String blankToNull(String s) {
            return s == null || s.isBlank() ? null : s.trim();
        }

        boolean isDefault() {
            return rootCertificate == null && trustStore == null;
        }

        @Override
        public String toString() {
            return rootCertificate != null ? "root-certificate=" + rootCertificate
                    : trustStore != null ? "trust-store=" + trustStore : "JVM CAs";
        }
    }

    /** An endpoint trusting the JVM's CAs over HTTPS (the constructor before {@link Tls} existed). */
    public ClickHouseEndpoint(String httpUrl, String user, String password, String database) {
        this(httpUrl, user, password, database, Tls.DEFAULT);
    }

    public ClickHouseEndpoint {
        if (tls == null) {
            tls = Tls.DEFAULT;
        }
        if (!tls.isDefault() && httpUrl != null && !httpUrl.startsWith("https://")) {
            throw new IllegalArgumentException("clickhouse.ssl.* settings need an https:// ClickHouse URL, got "
                    + httpUrl);
        }
        if (httpUrl == null || !(httpUrl.startsWith("http://") || httpUrl.startsWith("https://"))) {
            throw new IllegalArgumentException("ClickHouse URL must be http(s)://host:port, got " + httpUrl);
        }
        if (user == null || user.isBlank()) {
            throw new IllegalArgumentException("ClickHouse user must not be blank");
        }
        if (password == null) {
            password = "";
        }
        if (database == null || database.isBlank() || !database.matches("[A-Za-z0-9_]+")) {
            throw new IllegalArgumentException("ClickHouse database must be a plain identifier, got '" + database + "'");
        }
    }

    /**
     * Parses a URL in any accepted form.
     *
     * @param database explicit database, or null/blank to take it from the URL path (else {@code default})
     */
    public static ClickHouseEndpoint parse(String url, String user, String password, String database) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("ClickHouse URL is missing");
        }
        String u = url.trim();
        boolean jdbc = false;
        for (String prefix : new String[] {"jdbc:clickhouse:", "jdbc:ch:"}) {
            if (u.regionMatches(true, 0, prefix, 0, prefix.length())) {
                u = u.substring(prefix.length());
                jdbc = true;
                break;
            }
        }
        if (jdbc) {
            if (u.startsWith("http://") || u.startsWith("https://")) {
                // jdbc:clickhouse:http://host:port/db: the protocol is already explicit
            } else if (u.startsWith("//")) {
                u = "http:" + u;
            } else {
                throw new IllegalArgumentException("cannot read ClickHouse JDBC URL '" + url
                        + "': expected jdbc:clickhouse://host:port/database");
            }
        }
        URI uri;
        try {
            uri = new URI(u);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("cannot read ClickHouse URL '" + url + "': " + e.getMessage());
        }
        String scheme = uri.getScheme();
        if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
            throw new IllegalArgumentException("ClickHouse URL '" + url
                    + "' must start with http://, https://, jdbc:clickhouse:// or jdbc:ch://");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("ClickHouse URL '" + url + "' has no host");
        }
        boolean ssl = "https".equalsIgnoreCase(scheme);
        if (uri.getRawQuery() != null && !uri.getRawQuery().isEmpty()) {
            for (String kv : uri.getRawQuery().split("&")) {
                String[] p = kv.split("=", 2);
                if (p[0].equalsIgnoreCase("ssl")) {
                    ssl = p.length == 1 || Boolean.parseBoolean(p[1]);
                } else {
                    throw new IllegalArgumentException("ClickHouse URL '" + url + "': unsupported parameter '" + p[0]
                            + "' (set user, password and database with their own settings)");
                }
            }
        }
        int port = uri.getPort() > 0 ? uri.getPort() : (ssl ? 8443 : 8123);
        String host = uri.getHost().contains(":") && !uri.getHost().startsWith("[")
                ? "[" + uri.getHost() + "]" : uri.getHost();
        String path = uri.getPath() == null ? "" : uri.getPath().replaceAll("^/+|/+$", "");
        String db = database != null && !database.isBlank() ? database.trim() : (path.isEmpty() ? "default" : path);
        return new ClickHouseEndpoint((ssl ? "https://" : "http://") + host + ":" + port,
                user == null || user.isBlank() ? "default" : user, password, db);
    }

    /** The same endpoint trusting {@code tls} over HTTPS. */
    public ClickHouseEndpoint withTls(Tls tls) {
        return new ClickHouseEndpoint(httpUrl, user, password, database, tls);
    }

    /**
     * A client for this endpoint, set up the way ClickHouse 18.16 needs it (server responses uncompressed: its
     * HTTP compression answers with an empty body) and still fine for current servers.
     */
    public Client newClient() {
        Client.Builder b = new Client.Builder()
                .addEndpoint(httpUrl)
                .setUsername(user)
                .setPassword(password)
                .setDefaultDatabase(database)
                .compressServerResponse(false);
        if (tls.rootCertificate() != null) {
            b.setRootCertificate(tls.rootCertificate());
        } else if (tls.trustStore() != null) {
            b.setSSLTrustStore(tls.trustStore());
            if (tls.trustStorePassword() != null) {
                b.setSSLTrustStorePassword(tls.trustStorePassword());
            }
        }
        return b.build();
    }

    @Override
    public String toString() {
        return "ClickHouseEndpoint[" + httpUrl + ", user=" + user + ", database=" + database
                + (tls.isDefault() ? "" : ", tls " + tls) + "]";
    }
}
