package dev.runlaw.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runlaw.local.ClickHouseEndpoint;
import dev.runlaw.local.ClickHouseHttp;
import dev.runlaw.local.Await;
import dev.runlaw.local.ProjectRoot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Grafana's ClickHouse user from {@code deploy/clickhouse-users.xml}, loaded into the real ClickHouse 18.16 server:
 * it runs every dashboard query and nothing that writes.
 *
 * <p>18.16 predates two parts of the file, which this test renders the way the current image reads them: the
 * settings constraint (dropped here; it only lets the plugin set {@code max_execution_time}, which 18.16 then
 * refuses, as checked below) and {@code from_env} (the password is written in, as the container's environment
 * would supply it).
 */
@Timeout(120)
class GrafanaReadOnlyIT {
    private static final String PASSWORD = "test-grafana-reader-pw";
    private static DashboardFixture fx;
    private static ClickHouseHttp grafana;

    @BeforeAll
    static void start() throws IOException, InterruptedException {
        fx = new DashboardFixture();
        String users = Files.readString(ProjectRoot.find().resolve("deploy/clickhouse-users.xml"));
        String for1816 = users.replaceAll("(?s)<constraints>.*?</constraints>", "")
                .replaceAll("<password from_env=\"RUNLAW_GRAFANA_CH_PASSWORD\"\\s*/>", "<password>" + PASSWORD
                        + "</password>");
        assertThat(for1816).contains("<password>" + PASSWORD).doesNotContain("from_env=")
                .doesNotContain("<constraints>");
        Path usersD = fx.server.directory().orElseThrow().resolve("users.d");
        Files.createDirectories(usersD);
        Files.writeString(usersD.resolve("runlaw-grafana.xml"), for1816);
        ClickHouseEndpoint admin = fx.http.endpoint();
        grafana = new ClickHouseHttp(new ClickHouseEndpoint(admin.url(), "grafana", PASSWORD, DashboardFixture.DB));
        // The server re-reads users.d on its own (every few seconds); wait until the user exists.
        Await.until(Duration.ofSeconds(30), "user grafana loaded by the server", () -> {
            try {
                return "1".equals(grafana.queryValue("SELECT 1"));
            } catch (ClickHouseHttp.ClickHouseException e) {
                return false; // not loaded yet: the server answers "unknown user" until it re-reads users.d
            }
        });
    }

    @AfterAll
    static void stop() {
        if (fx != null) {
            fx.close();
        }
    }

    @Test
    void runsEveryDashboardQueryWithTheSameAnswerAsTheAdmin() {
        List<DashboardFixture.Panel> panels = DashboardFixture.panels();
        for (DashboardFixture.Panel p : panels) {
            for (List<String> runs : List.of(List.<String>of(), List.of(DashboardFixture.RUN_A))) {
                String sql = DashboardFixture.expand(p, runs);
                assertThat(grafana.query(sql)).as(p.title() + " " + runs).isNotEmpty().isEqualTo(fx.http.query(sql));
            }
        }
        assertThat(grafana.query("SELECT DISTINCT run_id FROM step_metrics WHERE time >= toDateTime("
                + DashboardFixture.FROM + ") ORDER BY run_id")).hasSize(2);
    }

    @Test
    void refusesEveryWriteDdlAndSettingChange() {
        String before = fx.http.queryValue("SELECT count() FROM step_metrics");
        for (String sql : List.of(
                "INSERT INTO step_metrics (run_id, step) VALUES ('x', 1)",
                "DROP TABLE step_metrics",
                "TRUNCATE TABLE step_metrics",
                "ALTER TABLE step_metrics DELETE WHERE 1",
                "CREATE TABLE evil (a Int8) ENGINE = Log",
                "RENAME TABLE step_metrics TO gone",
                "SET readonly = 0")) {
            assertThatThrownBy(() -> grafana.execute(sql)).as(sql)
                    .isInstanceOf(ClickHouseHttp.ClickHouseException.class)
                    .hasMessageContaining("readonly mode");
        }
        assertThatThrownBy(() -> grafana.query("SELECT 1 SETTINGS max_execution_time = 5"))
                .as("without the constraint of current ClickHouse, even the plugin's timeout is refused")
                .hasMessageContaining("readonly mode");
        assertThat(fx.http.queryValue("SELECT count() FROM step_metrics")).isEqualTo(before);
        assertThat(fx.http.queryValue("SELECT count() FROM system.tables WHERE database = '" + DashboardFixture.DB
                + "' AND name IN ('step_metrics', 'evil', 'gone')")).isEqualTo("1");
    }

    @Test
    void refusesAWrongPasswordAndOtherDatabases() {
        ClickHouseEndpoint e = grafana.endpoint();
        ClickHouseHttp empty = new ClickHouseHttp(new ClickHouseEndpoint(e.url(), "grafana", "", e.database()));
        assertThatThrownBy(() -> empty.queryValue("SELECT 1")).hasMessageContaining("Password required");
        ClickHouseHttp wrong = new ClickHouseHttp(new ClickHouseEndpoint(e.url(), "grafana", "nope", e.database()));
        assertThatThrownBy(() -> wrong.queryValue("SELECT 1")).hasMessageContaining("Wrong password");
        assertThatThrownBy(() -> grafana.withDatabase("default").queryValue("SELECT 1"))
                .hasMessageContaining("Access denied to database default");
    }
}
