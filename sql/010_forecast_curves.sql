-- forecast_curves: the forecast loss curve of the rest of a run under its planned schedule, a few dozen points
-- per forecast, with the 90 % band.
-- Grain: run x forecast step x future step. ORDER BY (run_id, forecast_step, step): a dashboard reads the latest
-- forecast's curve in step order; the key is the point's identity, so replays collapse (read with FINAL).
-- Partitioned like forecasts (trainer wall time of the forecast step). Retention: until the partition is dropped.
CREATE TABLE IF NOT EXISTS forecast_curves
(
    run_id          String,
    forecast_step   Int64,
    time            DateTime('UTC'),
    step            Int64,
    loss            Float64,
    lo90            Float64,
    hi90            Float64,
    ingested_at_ms  UInt64
)
ENGINE = ReplacingMergeTree(ingested_at_ms)
PARTITION BY toYYYYMM(time)
ORDER BY (run_id, forecast_step, step);
