package dev.runlaw.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class LocalClickHouseIT {

    private static final String DB = "runlaw_it";

    @Test
    void appliesSchemaDeduplicatesReplayedRowAndStopsTheServerOnClose() {
        ProcessHandle server;
        Path dir;
        try (LocalClickHouse ch = LocalClickHouse.start()) {
            assertThat(ch.isPrivate()).isTrue();
            server = ch.processHandle().orElseThrow();
            dir = ch.directory().orElseThrow();
            assertThat(ch.endpoint().url()).startsWith("http://127.0.0.1:");
            assertThat(ch.tcpPort()).isPresent();

            SqlFiles sql = SqlFiles.fromProject();
            sql.applyAll(ch.http(), DB);
            sql.applyAll(ch.http(), DB); // files are idempotent
            ClickHouseHttp http = ch.http().withDatabase(DB);
            List<String> tables = http.query("SELECT name FROM system.tables WHERE database = currentDatabase()")
                    .stream().map(r -> r.get(0)).toList();
            assertThat(tables).containsAll(sql.tableNames());

            http.insert("INSERT INTO step_metrics FORMAT JSONEachRow", stepRow(1, 2.50));
            http.execute("INSERT INTO step_metrics FORMAT JSONEachRow\n" + stepRow(2, 2.25));

            List<Map<String, String>> rows = http.queryMaps(
                    "SELECT run_id, step, loss, grad_norm, ingested_at_ms FROM step_metrics FINAL");
            assertThat(rows).hasSize(1);
            assertThat(rows.get(0)).containsEntry("run_id", "run-1").containsEntry("step", "7")
                    .containsEntry("loss", "2.25").containsEntry("grad_norm", null)
                    .containsEntry("ingested_at_ms", "2");
            assertThat(http.queryValue("SELECT count() FROM step_metrics")).isEqualTo("2");

            // The environment factory wraps an existing server and leaves it running on close.
            try (LocalClickHouse existing = LocalClickHouse.startOrUseExisting(
                    Map.of(LocalClickHouse.ENV_URL, ch.endpoint().url()))) {
                assertThat(existing.isPrivate()).isFalse();
                assertThat(existing.http().queryValue("SELECT 1")).isEqualTo("1");
            }
            assertThat(server.isAlive()).isTrue();
        }
        assertThat(server.isAlive()).as("server process after close").isFalse();
        assertThat(Files.exists(dir)).as("server directory after close").isFalse();
    }

    private static String stepRow(long ingestedAtMs, double loss) {
        return """
                {"run_id":"run-1","step":7,"time":"2026-11-22 10:00:00","wall_time_ms":1795341600000,\
                "tokens_seen":7340032,"lr":0.0003,"loss":%s,"grad_norm":null,"grad_sq_norm_small":null,\
                "batch_small":null,"grad_sq_norm_big":null,"batch_big":null,"throughput_tokens_per_s":null,\
                "group_lr_names":["default"],"group_lr_values":[0.0003],"ingested_at_ms":%d}
                """.formatted(loss, ingestedAtMs);
    }
}
