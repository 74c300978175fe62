package dev.runlaw.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterJobsTest {
    @Test
    void programArgumentsAreKeyValuePairsInKeyOrderAsFlinkRunTakesThem() {
        assertThat(ClusterJobs.programArgs(Map.of("state.backend", "rocksdb", "bootstrap.servers", "h:9092",
                "clickhouse.password", "")))
                .containsExactly("--bootstrap.servers", "h:9092", "--clickhouse.password", "", "--state.backend",
                        "rocksdb");
    }
}
