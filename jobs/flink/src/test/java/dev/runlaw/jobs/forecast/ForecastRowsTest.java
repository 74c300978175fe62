package dev.runlaw.jobs.forecast;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.jobs.ingest.SqlTables;
import dev.runlaw.schema.Advice;
import dev.runlaw.schema.AdviceDecision;
import dev.runlaw.schema.ForecastPoint;
import dev.runlaw.schema.ForecastStatus;
import dev.runlaw.schema.RunForecast;
import dev.runlaw.schema.RunReference;
import dev.runlaw.schema.WhatIf;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The forecast job's rows against the tables of {@code sql/} (column names, order and binary types). */
class ForecastRowsTest {
    private static final long NOW = 1_768_500_000_123L;

    @Test
    void declaresEveryForecastTableWithTheColumnsOfItsSqlInTableOrder() {
        ForecastRows.COLUMNS.forEach((table, cols) -> assertThat(cols).as(table)
                .containsExactlyElementsOf(SqlTables.columns(table).stream().map(SqlTables.Column::name).toList()));
    }

    @Test
    void writesAForecastRowPlusOneRowPerCurvePointAndWhatIf() {
        RunForecast f = RunForecast.newBuilder().setRunId("r1").setFamilyId("fam").setStep(1200).setObservedPoints(10)
                .setStepWallTimeMs(NOW - 5).setEmittedAtMs(NOW).setStatus(ForecastStatus.SCHEDULE_MISSING)
                .setIssues(List.of("no schedule: LR held at 3e-4")).setLaw("momentum")
                .setParamNames(List.of("L0", "A")).setParamValues(List.of(2.1, 0.4)).setRmsLogResidual(0.002)
                .setFitPoints(10).setReferenceRuns(List.of("r0")).setPlannedFinalStep(5000).setFinalPred(3.0)
                .setFinalLo90(2.9).setFinalHi90(3.1).setFinalLogSd(null)
                .setCurve(List.of(new ForecastPoint(2000L, 3.2, 3.1, 3.3), new ForecastPoint(5000L, 3.0, 2.9, 3.1)))
                .setWhatIfs(List.of(new WhatIf("decay_now", 1201L, 1500L, 3.1, 3.0, 3.2))).build();
        List<ClickHouseRow> rows = new ArrayList<>();
        new ForecastRows().forecastRows(f, NOW, rows::add);
        assertThat(rows).extracting(ClickHouseRow::table).containsExactly(ForecastRows.FORECASTS,
                ForecastRows.FORECAST_CURVES, ForecastRows.FORECAST_CURVES, ForecastRows.FORECAST_WHATIFS);
        for (ClickHouseRow row : rows) {
            // Throws unless the bytes are exactly the table's columns, in order, with the SQL types.
            assertThat(SqlTables.decode(row).keySet()).as(row.table())
                    .containsExactlyElementsOf(ForecastRows.COLUMNS.get(row.table()));
        }
        Map<String, Object> head = SqlTables.decode(rows.get(0));
        assertThat(head).containsEntry("status", "SCHEDULE_MISSING").containsEntry("step", 1200L)
                .containsEntry("final_pred", 3.0);
        assertThat(head.get("final_log_sd")).isNull();
        assertThat(SqlTables.decode(rows.get(2))).containsEntry("step", 5000L).containsEntry("forecast_step", 1200L);
    }

    @Test
    void writesAdviceAndReferenceRows() {
        Advice a = Advice.newBuilder().setRunId("r1").setFamilyId("fam").setStep(1200).setEmittedAtMs(NOW)
                .setDecision(AdviceDecision.STOP).setProbabilityBeatsTarget(0.01).setTargetKind("LOSS")
                .setTargetLoss(2.5).setReason("unlikely").setSeq(2).build();
        ClickHouseRow ar = new ForecastRows().adviceRow(a, NOW - 5, NOW);
        assertThat(ar.table()).isEqualTo(ForecastRows.ADVICE);
        Map<String, Object> advice = SqlTables.decode(ar);
        assertThat(advice.keySet()).containsExactlyElementsOf(ForecastRows.COLUMNS.get(ForecastRows.ADVICE));
        assertThat(advice).containsEntry("decision", "STOP").containsEntry("seq", 2);
        assertThat(advice.get("sibling_run_id")).isNull();
        RunReference r = RunReference.newBuilder().setRunId("r0").setFamilyId("fam").setFinishedAtMs(NOW)
                .setFinalStep(5000).setFinalLoss(2.9).setLrKnotSteps(List.of(0L, 5000L))
                .setLrKnotValues(List.of(3e-4, 3e-5)).setLossSteps(List.of(4000L, 5000L)).setLosses(List.of(3.0, 2.9))
                .build();
        Map<String, Object> ref = SqlTables.decode(new ForecastRows().referenceRow(r, NOW));
        assertThat(ref.keySet()).containsExactlyElementsOf(ForecastRows.COLUMNS.get(ForecastRows.RUN_REFERENCES));
        assertThat(ref).containsEntry("lr_knots", 2).containsEntry("loss_points", 2);
    }
}
