package dev.runlaw.jobs.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ClickHouseEndpointTest {

    @Test
    void readsPlainHttpUrlWithDefaultDatabase() {
        assertThat(ClickHouseEndpoint.parse("http://127.0.0.1:18123", null, null, null))
                .isEqualTo(new ClickHouseEndpoint("http://127.0.0.1:18123", "default", "", "default"));
    }

    @Test
    void readsJdbcUrlWithDatabaseInPathAndDefaultPort() {
        assertThat(ClickHouseEndpoint.parse("jdbc:clickhouse://ch.example:8124/runlaw", "ingest", "pw", ""))
                .isEqualTo(new ClickHouseEndpoint("http://ch.example:8124", "ingest", "pw", "runlaw"));
        assertThat(ClickHouseEndpoint.parse("jdbc:ch://ch.example/runlaw", null, null, null).httpUrl())
                .isEqualTo("http://ch.example:8123");
        assertThat(ClickHouseEndpoint.parse("jdbc:clickhouse://ch.example/x?ssl=true", null, null, null).httpUrl())
                .isEqualTo("https://ch.example:8443");
        assertThat(ClickHouseEndpoint.parse("jdbc:clickhouse:http://h:1/db", null, null, null).database())
                .isEqualTo("db");
    }

    @Test
    void explicitDatabaseWinsOverThePath() {
        assertThat(ClickHouseEndpoint.parse("http://h:8123/fromurl", null, null, "explicit").database())
                .isEqualTo("explicit");
    }

    @Test
    void refusesWhatItCannotUse() {
        assertThatThrownBy(() -> ClickHouseEndpoint.parse("tcp://h:9000", null, null, null))
                .hasMessageContaining("must start with http://");
        assertThatThrownBy(() -> ClickHouseEndpoint.parse("jdbc:clickhouse:h:9000", null, null, null))
                .hasMessageContaining("expected jdbc:clickhouse://host:port/database");
        assertThatThrownBy(() -> ClickHouseEndpoint.parse("http://h:8123?user=x", null, null, null))
                .hasMessageContaining("unsupported parameter 'user'");
        assertThatThrownBy(() -> ClickHouseEndpoint.parse(" ", null, null, null)).hasMessageContaining("missing");
        assertThatThrownBy(() -> ClickHouseEndpoint.parse("http://h:1", null, null, "bad-db;drop"))
                .hasMessageContaining("plain identifier");
    }

    @Test
    void keepsThePasswordOutOfToString() {
        assertThat(ClickHouseEndpoint.parse("http://h:1", "u", "secret", null).toString()).doesNotContain("secret");
    }
}
