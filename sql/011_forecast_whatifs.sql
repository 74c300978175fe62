-- forecast_whatifs: what-if outcomes of a forecast: the final loss if the LR decay started at decay_start_step and
-- the run ended at end_step ("decay_now", "decay_at_0.7", ...).
-- Grain: run x forecast step x what-if label. ORDER BY (run_id, forecast_step, label): identity of a what-if, so
-- replays collapse (read with FINAL). Partitioned like forecasts. Retention: until the partition is dropped.
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
ENGINE = ReplacingMergeTree(ingested_at_ms)
PARTITION BY toYYYYMM(time)
ORDER BY (run_id, forecast_step, label);
