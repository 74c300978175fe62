package dev.runlaw.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ClickHouseEndpointTest {

    @Test
    void stripsTrailingSlashAndHidesPasswordInToString() {
        ClickHouseEndpoint ep = new ClickHouseEndpoint("http://127.0.0.1:8123/", "u", "secret", "db");

        assertThat(ep.url()).isEqualTo("http://127.0.0.1:8123");
        assertThat(ep.toString()).doesNotContain("secret");
        assertThat(ep.withDatabase("other").database()).isEqualTo("other");
    }

    @Test
    void refusesUrlWithoutHttpScheme() {
        assertThatThrownBy(() -> new ClickHouseEndpoint("127.0.0.1:8123", "u", "", "db"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
