package dev.runlaw.jobs.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.jobs.forecast.KafkaOut;
import dev.runlaw.jobs.ingest.SqlTables;
import dev.runlaw.math.anomaly.Alert;
import dev.runlaw.math.anomaly.AlertKind;
import dev.runlaw.math.anomaly.AlertState;
import dev.runlaw.math.anomaly.Severity;
import dev.runlaw.schema.ForecastPoint;
import dev.runlaw.schema.ForecastStatus;
import dev.runlaw.schema.RunForecast;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The alert job's records and rows, against {@code sql/014_alerts.sql}; the expected loss read from a forecast. */
class AlertOutputsTest {
    private static final Alert OPEN = new Alert(AlertKind.ROUTER_COLLAPSE, Severity.CRITICAL, 3, 100, 104, -1, 0.2,
            Double.NaN, 4.5, "collapsed", AlertState.OPEN);

    @Test
    void rowsHoldExactlyTheTablesColumnsAndTheResolvedEventOutranksTheOpenOne() throws Exception {
        assertThat(AlertOutputs.COLUMNS.get(AlertOutputs.ALERTS)).containsExactlyElementsOf(
                SqlTables.columns(AlertOutputs.ALERTS).stream().map(SqlTables.Column::name).toList());
        AlertOutputs outputs = new AlertOutputs("p.runlaw.alerts");
        dev.runlaw.schema.Alert open = AlertOutputs.toAvro("r1", OPEN, 104, 5_000, 9);
        dev.runlaw.schema.Alert resolved = AlertOutputs.toAvro("r1", OPEN.resolved(130), 150, 7_000, 10);
        Map<String, Object> row = SqlTables.decode(outputs.row(open, 11));
        assertThat(row).containsEntry("run_id", "r1").containsEntry("kind", "ROUTER_COLLAPSE").containsEntry("layer", 3)
                .containsEntry("first_step", 100L).containsEntry("detected_step", 104L).containsEntry("state", "OPEN")
                .containsEntry("severity", "CRITICAL").containsEntry("event_step", 104L)
                .containsEntry("event_wall_time_ms", 5_000L).containsEntry("time", 5L);
        assertThat(row.get("last_step")).isNull();
        assertThat(row.get("expected")).as("NaN is stored as NULL").isNull();
        Map<String, Object> closed = SqlTables.decode(outputs.row(resolved, 12));
        assertThat(closed).containsEntry("last_step", 130L).containsEntry("state", "RESOLVED");
        assertThat((Long) closed.get("event_order")).isGreaterThan((Long) row.get("event_order"));
        // Even made at the same step, RESOLVED wins.
        assertThat(AlertOutputs.eventOrder(AlertOutputs.toAvro("r1", OPEN.resolved(104), 104, 5_000, 9)))
                .isGreaterThan(AlertOutputs.eventOrder(open));

        KafkaOut rec = outputs.record(open);
        assertThat(rec.topic()).isEqualTo("p.runlaw.alerts");
        assertThat(new String(rec.key(), StandardCharsets.UTF_8)).isEqualTo("r1");
        assertThat(dev.runlaw.schema.Alert.fromByteBuffer(ByteBuffer.wrap(rec.value()))).isEqualTo(open);
    }

    @Test
    void expectedLossInterpolatesTheCurveInLogLossAndIsUnknownOutsideIt() {
        RunForecast f = RunForecast.newBuilder().setRunId("r").setStep(99).setObservedPoints(100)
                .setStepWallTimeMs(1).setEmittedAtMs(2).setStatus(ForecastStatus.OK).setPlannedFinalStep(300)
                .setCurve(List.of(new ForecastPoint(100L, 4.0, 3.9, 4.1), new ForecastPoint(200L, 1.0, 0.9, 1.1),
                        new ForecastPoint(300L, Double.NaN, 0.0, 0.0)))
                .build();
        ExpectedLoss e = ExpectedLoss.of(f);
        assertThat(e.at(100)).isEqualTo(4.0);
        assertThat(e.at(150)).as("geometric midpoint").isCloseTo(2.0, within(1e-12));
        assertThat(e.at(200)).isEqualTo(1.0);
        assertThat(e.at(99)).isNaN();
        assertThat(e.at(250)).as("past the last usable point").isNaN();
        ExpectedLoss back = ExpectedLoss.fromBytes(e.toBytes());
        assertThat(back.at(150)).isEqualTo(e.at(150));
        assertThat(back.forecastStep()).isEqualTo(99);
        assertThat(ExpectedLoss.of(RunForecast.newBuilder(f).setCurve(List.of()).build()))
                .as("a forecast without a curve").isNull();
    }
}
