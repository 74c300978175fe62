package dev.runlaw.jobs.alert;

import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.jobs.clickhouse.RowBinaryWriter;
import dev.runlaw.jobs.forecast.KafkaOut;
import dev.runlaw.math.anomaly.Alert;
import dev.runlaw.schema.AlertKind;
import dev.runlaw.schema.AlertSeverity;
import dev.runlaw.schema.AlertState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The alert job's outputs: a detector's {@link Alert} event as an Avro {@link dev.runlaw.schema.Alert} record for
 * topic {@code runlaw.alerts} and as a row of table {@code alerts} ({@code sql/014_alerts.sql}). Pure apart from the
 * Avro encoding; one per operator instance (it reuses one row buffer).
 */
public final class AlertOutputs {
    /** The ClickHouse table. */
    public static final String ALERTS = "alerts";
    /** The insert columns, in {@code sql/014_alerts.sql} order. */
    public static final Map<String, List<String>> COLUMNS = columns();

    private final RowBinaryWriter w = new RowBinaryWriter();
    private final String topic;

    /** @param topic the alerts topic, prefix included */
    public AlertOutputs(String topic) {
        this.topic = topic;
    }

    /**
     * The Avro record of {@code a} on run {@code runId}.
     *
     * @param eventStep        the last step the job had seen when the event was made
     * @param eventWallTimeMs  that step's wall time (the row's version time comes from the step, not the clock)
     */
    public static dev.runlaw.schema.Alert toAvro(String runId, Alert a, long eventStep, long eventWallTimeMs,
                                                 long now) {
        return dev.runlaw.schema.Alert.newBuilder()
                .setRunId(runId)
                .setKind(AlertKind.valueOf(a.kind().name()))
                .setSeverity(AlertSeverity.valueOf(a.severity().name()))
                .setLayer(a.layer())
                .setFirstStep(a.firstStep())
                .setDetectedStep(a.detectedStep())
                .setLastStep(a.isOpen() ? null : a.lastStep())
                .setValue(finiteOrNull(a.value()))
                .setExpected(finiteOrNull(a.expected()))
                .setScore(finiteOrNull(a.score()))
                .setMessage(a.message())
                .setState(AlertState.valueOf(a.state().name()))
                .setEventStep(eventStep)
                .setEventWallTimeMs(eventWallTimeMs)
                .setEmittedAtMs(now)
                .build();
    }

    /** The topic record of {@code a}, keyed by its run id. */
    public KafkaOut record(dev.runlaw.schema.Alert a) {
        try {
            ByteBuffer b = a.toByteBuffer();
            byte[] v = new byte[b.remaining()];
            b.get(v);
            return new KafkaOut(topic, a.getRunId().getBytes(StandardCharsets.UTF_8), v);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The version of an event: {@code event_step * 2}, plus 1 for RESOLVED, so a RESOLVED event replaces its OPEN
     * event even when both were made at the same step.
     */
    public static long eventOrder(dev.runlaw.schema.Alert a) {
        return a.getEventStep() * 2 + (a.getState() == AlertState.RESOLVED ? 1 : 0);
    }

    /** The {@code alerts} row of {@code a}. */
    public ClickHouseRow row(dev.runlaw.schema.Alert a, long ingestedAtMs) {
        w.begin()
                .string(a.getRunId())                           // run_id String
                .string(a.getKind().name())                     // kind String
                .int32(a.getLayer())                            // layer Int32
                .int64(a.getFirstStep())                        // first_step Int64
                .int64(a.getDetectedStep())                     // detected_step Int64
                .nullableInt64(a.getLastStep())                 // last_step Nullable(Int64)
                .string(a.getSeverity().name())                 // severity String
                .string(a.getState().name())                    // state String
                .nullableFloat64(a.getValue())                  // value Nullable(Float64)
                .nullableFloat64(a.getExpected())               // expected Nullable(Float64)
                .nullableFloat64(a.getScore())                  // score Nullable(Float64)
                .string(a.getMessage())                         // message String
                .int64(a.getEventStep())                        // event_step Int64
                .int64(eventOrder(a))                           // event_order Int64
                .dateTime(Math.max(0, Math.floorDiv(a.getEventWallTimeMs(), 1000L))) // time DateTime
                .int64(a.getEventWallTimeMs())                  // event_wall_time_ms Int64
                .int64(a.getEmittedAtMs())                      // emitted_at_ms Int64
                .int64(ingestedAtMs);                           // ingested_at_ms UInt64
        return new ClickHouseRow(ALERTS, w.toByteArray());
    }

    private static Double finiteOrNull(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static Map<String, List<String>> columns() {
        Map<String, List<String>> c = new LinkedHashMap<>();
        c.put(ALERTS, List.of("run_id", "kind", "layer", "first_step", "detected_step", "last_step", "severity",
                "state", "value", "expected", "score", "message", "event_step", "event_order", "time",
                "event_wall_time_ms", "emitted_at_ms", "ingested_at_ms"));
        return Collections.unmodifiableMap(c);
    }
}
