-- forecasts: one row per forecast the forecast job made for a run (a refit), from RunForecast.
-- Grain: run x step (the last step observed when the forecast was made). ORDER BY (run_id, step): a run's forecasts
-- read in step order ("does the predicted final loss converge?"), and the key is the forecast's identity.
-- Version step_wall_time_ms: the trainer's wall time of the step the forecast was made at (data, not the emit time).
-- An exact replay carries the same version and the same values, so it changes nothing; a re-log with a newer
-- version (a resumed run) replaces the old values, and an older copy arriving late loses. On a tie ClickHouse
-- keeps the last insert, which holds the same data; only ingested_at_ms (processing time, kept for freshness
-- checks) moves. Read with FINAL.
-- Not partitioned (FINAL collapses only within a partition; the wall time is not part of the identity).
-- Retention: kept until dropped; remove a run with ALTER TABLE ... DELETE WHERE run_id = '...'.
CREATE TABLE IF NOT EXISTS forecasts
(
    run_id              String,
    family_id           String,
    step                Int64,
    time                DateTime('UTC'),
    step_wall_time_ms   Int64,
    emitted_at_ms       Int64,
    observed_points     Int64,
    status              String,
    issues              Array(String),
    law                 String,
    param_names         Array(String),
    param_values        Array(Float64),
    rms_log_residual    Nullable(Float64),
    fit_points          Int32,
    reference_runs      Array(String),
    planned_final_step  Int64,
    final_pred          Nullable(Float64),
    final_lo90          Nullable(Float64),
    final_hi90          Nullable(Float64),
    final_log_sd        Nullable(Float64),
    ingested_at_ms      UInt64
)
ENGINE = ReplacingMergeTree(step_wall_time_ms)
ORDER BY (run_id, step);
