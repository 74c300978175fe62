-- forecasts: one row per forecast the forecast job made for a run (a refit), from RunForecast.
-- Grain: run x step (the last step observed when the forecast was made). ORDER BY (run_id, step): a run's forecasts
-- read in step order ("does the predicted final loss converge?"), and the key is the forecast's identity, so a
-- forecast replayed after a restore collapses with its first copy (ReplacingMergeTree; read with FINAL).
-- Partitioned by month of the trainer's wall time at that step (not the emit time), so a replay lands in the same
-- partition and still dedups. Retention: kept until the month partition is dropped.
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
ENGINE = ReplacingMergeTree(ingested_at_ms)
PARTITION BY toYYYYMM(time)
ORDER BY (run_id, step);
