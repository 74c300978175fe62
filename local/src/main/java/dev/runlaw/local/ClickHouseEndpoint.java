package dev.runlaw.local;

import java.util.Objects;

/**
 * Where a ClickHouse server answers over HTTP, and as whom to talk to it.
 *
 * @param url      base HTTP URL without a path, e.g. {@code http://127.0.0.1:8123}
 * @param user     user name ({@code default} on a fresh server)
 * @param password password, empty for none
 * @param database database that unqualified table names resolve to
 */
public record ClickHouseEndpoint(String url, String user, String password, String database) {

    /** Checks the fields and strips a trailing {@code /} from the URL so paths can be appended. */
    public ClickHouseEndpoint {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(database, "database");
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
            throw new IllegalArgumentException("ClickHouse URL must start with http:// or https://, got " + url);
        }
        while (url.endsWith("/")) {
            url = url.substring(0, url.length() - 1);
        }
    }

    /** The same server and credentials, another database. */
    public ClickHouseEndpoint withDatabase(String otherDatabase) {
        return new ClickHouseEndpoint(url, user, password, otherDatabase);
    }

    /** Leaves the password out, so endpoints can be logged. */
    @Override
    public String toString() {
        return "ClickHouseEndpoint[" + url + ", user=" + user + ", database=" + database
                + (password.isEmpty() ? "" : ", password=***") + "]";
    }
}
