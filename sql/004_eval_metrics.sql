-- eval_metrics: one row per (run, eval set, step), from EvalMetrics.
-- Grain: run x eval set x step. ORDER BY (run_id, eval_set, step): one curve per eval set, and the key is
-- the identity of an evaluation, so replays collapse (read with FINAL). Retention: until the partition is dropped.
CREATE TABLE IF NOT EXISTS eval_metrics
(
    run_id          String,
    eval_set        String,
    step            Int64,
    time            DateTime('UTC'),
    wall_time_ms    Int64,
    loss            Float64,
    accuracy        Nullable(Float64),
    ingested_at_ms  UInt64
)
ENGINE = ReplacingMergeTree(ingested_at_ms)
PARTITION BY toYYYYMM(time)
ORDER BY (run_id, eval_set, step);
