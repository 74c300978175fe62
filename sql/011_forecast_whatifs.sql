-- forecast_whatifs: what-if outcomes of a forecast: the final loss if the LR decay started at decay_start_step and
-- the run ended at end_step ("decay_now", "decay_at_0.7", ...).
-- Grain: run x forecast step x what-if label. ORDER BY (run_id, forecast_step, label): identity of a what-if.
-- Version time: the trainer's wall time of the forecast step, as in forecasts.
-- An exact replay carries the same version and the same values, so it changes nothing; a re-log with a newer
-- version (a resumed run) replaces the old values, and an older copy arriving late loses. On a tie ClickHouse
-- keeps the last insert, which holds the same data; only ingested_at_ms (processing time, kept for freshness
-- checks) moves. Read with FINAL.
-- Not partitioned (FINAL collapses only within a partition; time is not part of the identity).
-- Retention: kept until dropped; remove a run with ALTER TABLE ... DELETE WHERE run_id = '...'.
CREATE TABLE IF NOT EXISTS forecast_whatifs
(
    run_id            String,
    forecast_step     Int64,
    time              DateTime('UTC'),
    label             String,
    decay_start_step  Int64,
    end_step          Int64,
    final_pred        Float64,
    lo90              Float64,
    hi90              Float64,
    ingested_at_ms    UInt64
)
ENGINE = ReplacingMergeTree(time)
ORDER BY (run_id, forecast_step, label);
