package dev.runlaw.jobs.forecast;

import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.jobs.clickhouse.RowBinaryWriter;
import dev.runlaw.math.forecast.Forecast;
import dev.runlaw.math.live.LiveForecast;
import dev.runlaw.math.live.WhatIf;
import dev.runlaw.schema.Advice;
import dev.runlaw.schema.ForecastPoint;
import dev.runlaw.schema.ForecastStatus;
import dev.runlaw.schema.RunForecast;
import dev.runlaw.schema.RunReference;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The forecast job's outputs as Avro records (for the output topics) and as ClickHouse rows (RowBinary in the
 * column order of {@link #COLUMNS}, which are the tables of {@code sql/009..013}; {@code ForecastRowsTest} checks
 * both). Not thread-safe (one reusable buffer); one per operator instance.
 */
public final class ForecastRows {
    public static final String FORECASTS = "forecasts";
    public static final String FORECAST_CURVES = "forecast_curves";
    public static final String FORECAST_WHATIFS = "forecast_whatifs";
    public static final String ADVICE = "advice";
    public static final String RUN_REFERENCES = "run_references";

    /** Every output table's columns, in the order the rows below write them. */
    public static final Map<String, List<String>> COLUMNS = columns();

    private final RowBinaryWriter w = new RowBinaryWriter();

    /** The Avro record of a forecast. */
    public static RunForecast toAvro(LiveForecast f, String familyId, long emittedAtMs) {
        List<ForecastPoint> curve = new ArrayList<>(f.curve().size());
        for (Forecast p : f.curve()) {
            if (p.ok()) {
                curve.add(new ForecastPoint(p.step(), p.point(), p.lo(), p.hi()));
            }
        }
        List<dev.runlaw.schema.WhatIf> whatIfs = new ArrayList<>(f.whatIfs().size());
        for (WhatIf wi : f.whatIfs()) {
            Forecast p = wi.forecast();
            if (p != null && p.ok()) {
                whatIfs.add(new dev.runlaw.schema.WhatIf(wi.label(), wi.decayStartStep(), wi.endStep(), p.point(),
                        p.lo(), p.hi()));
            }
        }
        List<Double> values = new ArrayList<>();
        for (double v : f.paramValues() == null ? new double[0] : f.paramValues()) {
            values.add(v);
        }
        Forecast fin = f.finalForecast() != null && f.finalForecast().ok() ? f.finalForecast() : null;
        return RunForecast.newBuilder()
                .setRunId(f.runId())
                .setFamilyId(familyId == null ? "" : familyId)
                .setStep(f.step())
                .setObservedPoints(f.observedPoints())
                .setStepWallTimeMs(f.stepWallTimeMs())
                .setEmittedAtMs(emittedAtMs)
                .setStatus(ForecastStatus.valueOf(f.status().name()))
                .setIssues(new ArrayList<>(f.issues()))
                .setLaw(f.law() == null ? "" : f.law())
                .setParamNames(new ArrayList<>(f.paramNames() == null ? List.of() : f.paramNames()))
                .setParamValues(values)
                .setRmsLogResidual(finiteOrNull(f.rmsLogResidual()))
                .setFitPoints(f.fitPoints())
                .setReferenceRuns(new ArrayList<>(f.referenceRuns()))
                .setPlannedFinalStep(f.plannedFinalStep())
                .setFinalPred(fin == null ? null : fin.point())
                .setFinalLo90(fin == null ? null : fin.lo())
                .setFinalHi90(fin == null ? null : fin.hi())
                .setFinalLogSd(fin == null ? null : finiteOrNull(fin.logSd()))
                .setCurve(curve)
                .setWhatIfs(whatIfs)
                .build();
    }

    /** Rows of one forecast: its {@code forecasts} row, its curve and its what-ifs. */
    public void forecastRows(RunForecast f, long ingestedAtMs, Consumer<ClickHouseRow> out) {
        long time = seconds(f.getStepWallTimeMs());
        w.begin()
                .string(f.getRunId())                       // run_id String
                .string(f.getFamilyId())                    // family_id String
                .int64(f.getStep())                         // step Int64
                .dateTime(time)                             // time DateTime
                .int64(f.getStepWallTimeMs())               // step_wall_time_ms Int64
                .int64(f.getEmittedAtMs())                  // emitted_at_ms Int64
                .int64(f.getObservedPoints())               // observed_points Int64
                .string(f.getStatus().name())               // status String
                .stringArray(f.getIssues())                 // issues Array(String)
                .string(f.getLaw())                         // law String
                .stringArray(f.getParamNames())             // param_names Array(String)
                .float64Array(f.getParamValues())           // param_values Array(Float64)
                .nullableFloat64(f.getRmsLogResidual())     // rms_log_residual Nullable(Float64)
                .int32(f.getFitPoints())                    // fit_points Int32
                .stringArray(f.getReferenceRuns())          // reference_runs Array(String)
                .int64(f.getPlannedFinalStep())             // planned_final_step Int64
                .nullableFloat64(f.getFinalPred())          // final_pred Nullable(Float64)
                .nullableFloat64(f.getFinalLo90())          // final_lo90 Nullable(Float64)
                .nullableFloat64(f.getFinalHi90())          // final_hi90 Nullable(Float64)
                .nullableFloat64(f.getFinalLogSd())         // final_log_sd Nullable(Float64)
                .int64(ingestedAtMs);                       // ingested_at_ms UInt64
        out.accept(new ClickHouseRow(FORECASTS, w.toByteArray()));
        for (ForecastPoint p : f.getCurve()) {
            w.begin()
                    .string(f.getRunId())                   // run_id String
                    .int64(f.getStep())                     // forecast_step Int64
                    .dateTime(time)                         // time DateTime
                    .int64(p.getStep())                     // step Int64
                    .float64(p.getLoss())                   // loss Float64
                    .float64(p.getLo90())                   // lo90 Float64
                    .float64(p.getHi90())                   // hi90 Float64
                    .int64(ingestedAtMs);                   // ingested_at_ms UInt64
            out.accept(new ClickHouseRow(FORECAST_CURVES, w.toByteArray()));
        }
        for (dev.runlaw.schema.WhatIf wi : f.getWhatIfs()) {
            w.begin()
                    .string(f.getRunId())                   // run_id String
                    .int64(f.getStep())                     // forecast_step Int64
                    .dateTime(time)                         // time DateTime
                    .string(wi.getLabel())                  // label String
                    .int64(wi.getDecayStartStep())          // decay_start_step Int64
                    .int64(wi.getEndStep())                 // end_step Int64
                    .float64(wi.getFinalPred())             // final_pred Float64
                    .float64(wi.getLo90())                  // lo90 Float64
                    .float64(wi.getHi90())                  // hi90 Float64
                    .int64(ingestedAtMs);                   // ingested_at_ms UInt64
            out.accept(new ClickHouseRow(FORECAST_WHATIFS, w.toByteArray()));
        }
    }

    /** The {@code advice} row of an advice record; {@code stepWallTimeMs} partitions it. */
    public ClickHouseRow adviceRow(Advice a, long stepWallTimeMs, long ingestedAtMs) {
        w.begin()
                .string(a.getRunId())                       // run_id String
                .string(a.getFamilyId())                    // family_id String
                .int32(a.getSeq())                          // seq Int32
                .int64(a.getStep())                         // step Int64
                .dateTime(seconds(stepWallTimeMs))          // time DateTime
                .int64(a.getEmittedAtMs())                  // emitted_at_ms Int64
                .string(a.getDecision().name())             // decision String
                .nullableFloat64(a.getProbabilityBeatsTarget()) // probability_beats_target Nullable(Float64)
                .string(a.getTargetKind())                  // target_kind String
                .nullableFloat64(a.getTargetLoss())         // target_loss Nullable(Float64)
                .nullableString(a.getSiblingRunId())        // sibling_run_id Nullable(String)
                .nullableFloat64(a.getFinalPred())          // final_pred Nullable(Float64)
                .nullableFloat64(a.getFinalLo90())          // final_lo90 Nullable(Float64)
                .nullableFloat64(a.getFinalHi90())          // final_hi90 Nullable(Float64)
                .string(a.getReason())                      // reason String
                .int64(ingestedAtMs);                       // ingested_at_ms UInt64
        return new ClickHouseRow(ADVICE, w.toByteArray());
    }

    /** The {@code run_references} row of a published reference. */
    public ClickHouseRow referenceRow(RunReference r, long ingestedAtMs) {
        w.begin()
                .string(r.getFamilyId())                    // family_id String
                .string(r.getRunId())                       // run_id String
                .int64(r.getFinishedAtMs())                 // finished_at_ms Int64
                .dateTime(seconds(r.getFinishedAtMs()))     // time DateTime
                .int64(r.getFinalStep())                    // final_step Int64
                .nullableFloat64(r.getFinalLoss())          // final_loss Nullable(Float64)
                .int32(r.getLrKnotSteps().size())           // lr_knots Int32
                .int32(r.getLossSteps().size())             // loss_points Int32
                .int64(ingestedAtMs);                       // ingested_at_ms UInt64
        return new ClickHouseRow(RUN_REFERENCES, w.toByteArray());
    }

    private static Double finiteOrNull(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static long seconds(long epochMs) {
        return Math.max(0, Math.floorDiv(epochMs, 1000L));
    }

    private static Map<String, List<String>> columns() {
        Map<String, List<String>> c = new LinkedHashMap<>();
        c.put(FORECASTS, List.of("run_id", "family_id", "step", "time", "step_wall_time_ms", "emitted_at_ms",
                "observed_points", "status", "issues", "law", "param_names", "param_values", "rms_log_residual",
                "fit_points", "reference_runs", "planned_final_step", "final_pred", "final_lo90", "final_hi90",
                "final_log_sd", "ingested_at_ms"));
        c.put(FORECAST_CURVES, List.of("run_id", "forecast_step", "time", "step", "loss", "lo90", "hi90",
                "ingested_at_ms"));
        c.put(FORECAST_WHATIFS, List.of("run_id", "forecast_step", "time", "label", "decay_start_step", "end_step",
                "final_pred", "lo90", "hi90", "ingested_at_ms"));
        c.put(ADVICE, List.of("run_id", "family_id", "seq", "step", "time", "emitted_at_ms", "decision",
                "probability_beats_target", "target_kind", "target_loss", "sibling_run_id", "final_pred", "final_lo90",
                "final_hi90", "reason", "ingested_at_ms"));
        c.put(RUN_REFERENCES, List.of("family_id", "run_id", "finished_at_ms", "time", "final_step", "final_loss",
                "lr_knots", "loss_points", "ingested_at_ms"));
        return Collections.unmodifiableMap(c);
    }
}
