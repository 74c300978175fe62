-- step_metrics: one row per (run, optimizer step), from StepMetrics.
-- Grain: run x step. ORDER BY (run_id, step): dashboards read one run's curve in step order, and the key is
-- the identity of a step.
-- Version wall_time_ms: the trainer's wall time when it logged the step.
-- An exact replay carries the same version and the same values, so it changes nothing; a re-log with a newer
-- version (a resumed run) replaces the old values, and an older copy arriving late loses. On a tie ClickHouse
-- keeps the last insert, which holds the same data; only ingested_at_ms (processing time, kept for freshness
-- checks) moves. Read with FINAL.
-- Not partitioned: a resumed run re-logs a step at a later wall time, possibly in another month, and FINAL only
-- collapses copies within one partition, so the partition key may only use identity-key columns.
-- Retention: kept until dropped; remove a run with ALTER TABLE ... DELETE WHERE run_id = '...'.
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
ENGINE = ReplacingMergeTree(wall_time_ms)
ORDER BY (run_id, step);
