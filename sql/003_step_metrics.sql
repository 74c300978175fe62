-- step_metrics: one row per (run, optimizer step), from StepMetrics.
-- Grain: run x step. ORDER BY (run_id, step): dashboards read one run's curve in step order, and the key is
-- the identity of a step, so ReplacingMergeTree collapses replayed or retried copies (read with FINAL).
-- Partitioned by month of the trainer's wall time (a replay lands in the same partition, so it still dedups).
-- Retention: kept until the month partition is dropped.
CREATE TABLE IF NOT EXISTS step_metrics
(
    run_id                   String,
    step                     Int64,
    time                     DateTime('UTC'),
    wall_time_ms             Int64,
    tokens_seen              Int64,
    lr                       Float64,
    loss                     Nullable(Float64),
    grad_norm                Nullable(Float64),
    grad_sq_norm_small       Nullable(Float64),
    batch_small              Nullable(Int64),
    grad_sq_norm_big         Nullable(Float64),
    batch_big                Nullable(Int64),
    throughput_tokens_per_s  Nullable(Float64),
    group_lr_names           Array(String),
    group_lr_values          Array(Float64),
    ingested_at_ms           UInt64
)
ENGINE = ReplacingMergeTree(ingested_at_ms)
PARTITION BY toYYYYMM(time)
ORDER BY (run_id, step);
