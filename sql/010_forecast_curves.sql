-- forecast_curves: the forecast loss curve of the rest of a run under its planned schedule, a few dozen points
-- per forecast, with the 90 % band.
-- Grain: run x forecast step x future step. ORDER BY (run_id, forecast_step, step): a dashboard reads the latest
-- forecast's curve in step order; the key is the point's identity.
-- Version time: the trainer's wall time of the forecast step, as in forecasts.
-- An exact replay carries the same version and the same values, so it changes nothing; a re-log with a newer
-- version (a resumed run) replaces the old values, and an older copy arriving late loses. On a tie ClickHouse
-- keeps the last insert, which holds the same data; only ingested_at_ms (processing time, kept for freshness
-- checks) moves. Read with FINAL.
-- Not partitioned (FINAL collapses only within a partition; time is not part of the identity).
-- Retention: kept until dropped; remove a run with ALTER TABLE ... DELETE WHERE run_id = '...'.
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
ENGINE = ReplacingMergeTree(time)
ORDER BY (run_id, forecast_step, step);
