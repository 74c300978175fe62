package dev.runlaw.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The replay rule of the {@code sql/} tables on the real ClickHouse 18.16 server: an exact replay changes nothing,
 * a re-log with newer data time (a resumed run) replaces the old values even across a month boundary, and an old
 * copy replayed late does not overwrite the re-logged one. Checked with FINAL and after a forced merge.
 */
@Timeout(120)
class ReplacingVersionIT {
    private static final String DB = "runlaw_versions";
    /** 2026-01-31 23:59:30 UTC: the re-log a minute later falls in February. */
    private static final long W = 1_769_903_970_000L;
    private static LocalClickHouse server;
    private static ClickHouseHttp http;

    @BeforeAll
    static void start() {
        server = LocalClickHouse.start();
        SqlFiles.fromProject().applyAll(server.http(), DB);
        http = server.http().withDatabase(DB);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void stepReplayChangesNothingAndAResumedRunsReLogReplacesItAcrossMonths() {
        insertStep("r1", W, 2.5, 1);
        insertStep("r1", W, 2.5, 2); // exact replay (a restarted job re-reads the topic)
        assertThat(step("r1")).containsExactly(List.of("2.5", Long.toString(W)));

        insertStep("r1", W + 60_000, 2.25, 3); // the trainer resumed and logged step 7 again
        assertThat(step("r1")).containsExactly(List.of("2.25", Long.toString(W + 60_000)));

        insertStep("r1", W, 2.5, 4); // the old record replayed after the re-log
        assertThat(step("r1")).containsExactly(List.of("2.25", Long.toString(W + 60_000)));

        http.execute("OPTIMIZE TABLE step_metrics FINAL");
        assertThat(http.query("SELECT loss, wall_time_ms FROM step_metrics WHERE run_id = 'r1'"))
                .as("one row left after the merge, the re-logged one")
                .containsExactly(List.of("2.25", Long.toString(W + 60_000)));
    }

    @Test
    void reSentRunStartedWithTheSameStartReplacesThePlanAndAnOlderStartNeverWins() {
        insertRun("r2", W, 1000, 1);
        insertRun("r2", W, 1000, 2); // replay
        assertThat(plannedSteps("r2")).isEqualTo("1000");
        insertRun("r2", W, 2000, 3); // a resumed run re-announces itself with a longer plan
        assertThat(plannedSteps("r2")).isEqualTo("2000");
        insertRun("r2", W - 86_400_000L, 500, 4); // a stale announcement with an earlier start time
        assertThat(plannedSteps("r2")).isEqualTo("2000");
        assertThat(http.queryValue("SELECT count() FROM runs FINAL WHERE run_id = 'r2'")).isEqualTo("1");
    }

    private static List<List<String>> step(String run) {
        return http.query("SELECT loss, wall_time_ms FROM step_metrics FINAL WHERE run_id = '" + run + "'");
    }

    private static String plannedSteps(String run) {
        return http.queryValue("SELECT planned_total_steps FROM runs FINAL WHERE run_id = '" + run + "'");
    }

    private static void insertStep(String run, long wallMs, double loss, long ingestedAtMs) {
        http.insert("INSERT INTO step_metrics FORMAT JSONEachRow", """
                {"run_id":"%s","step":7,"time":%d,"wall_time_ms":%d,"tokens_seen":7340032,"lr":0.0003,\
                "loss":%s,"group_lr_names":[],"group_lr_values":[],"ingested_at_ms":%d}
                """.formatted(run, wallMs / 1000, wallMs, loss, ingestedAtMs));
    }

    private static void insertRun(String run, long startedMs, long plannedSteps, long ingestedAtMs) {
        http.insert("INSERT INTO runs FORMAT JSONEachRow", """
                {"run_id":"%s","family_id":"fam","started_at":%d,"started_at_ms":%d,"planned_total_steps":%d,\
                "milestones":[],"lr_per_step":[],"tag_keys":[],"tag_values":[],"ingested_at_ms":%d}
                """.formatted(run, startedMs / 1000, startedMs, plannedSteps, ingestedAtMs));
    }
}
