package dev.runlaw.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every statement of every {@code sql/} file on a current ClickHouse (26.7, in-process through chdb). */
@Timeout(180)
class SqlDialectIT {

    private static final String DB = "runlaw_dialect";

    @Test
    void everySchemaStatementRunsOnCurrentClickHouse() {
        assertThat(Files.isRegularFile(Chdb.libraryPath()))
                .as("libchdb.so missing at %s: run .ci/install-deps.sh (or set %s)", Chdb.libraryPath(),
                        Chdb.ENV_LIB)
                .isTrue();
        SqlFiles sql = SqlFiles.fromProject();
        try (Chdb chdb = Chdb.open()) {
            chdb.execute("CREATE DATABASE IF NOT EXISTS " + DB);
            chdb.execute("USE " + DB);
            // Run every statement, not just up to the first failure, so one run reports every file to fix.
            List<String> failures = new ArrayList<>();
            for (SqlFiles.SqlFile f : sql.files()) {
                for (String statement : f.statements()) {
                    try {
                        chdb.execute(statement);
                    } catch (Chdb.ChdbException e) {
                        failures.add(f.path().getFileName() + ": " + e.getMessage());
                    }
                }
            }
            assertThat(failures).as("statements ClickHouse 26.7 refuses").isEmpty();
            sql.applyAll(chdb, DB); // again: the files must be idempotent

            for (String table : sql.tableNames()) {
                assertThat(chdb.queryRows("SELECT count() FROM " + DB + "." + table))
                        .as(table).containsExactly(List.of("0"));
            }

            for (int version = 1; version <= 2; version++) {
                chdb.execute("INSERT INTO " + DB + ".step_metrics FORMAT JSONEachRow "
                        + "{\"run_id\":\"run-1\",\"step\":7,\"time\":\"2026-11-22 10:00:00\","
                        + "\"wall_time_ms\":1795341600000,\"tokens_seen\":7340032,\"lr\":0.0003,"
                        + "\"loss\":" + (3.0 - version / 4.0) + ",\"group_lr_names\":[],\"group_lr_values\":[],"
                        + "\"ingested_at_ms\":" + version + "}");
            }
            assertThat(chdb.queryRows("SELECT run_id, step, loss, ingested_at_ms FROM " + DB
                    + ".step_metrics FINAL"))
                    .containsExactly(List.of("run-1", "7", "2.5", "2"));
        }
    }
}
