-- eval_metrics: one row per (run, eval set, step), from EvalMetrics.
-- Grain: run x eval set x step. ORDER BY (run_id, eval_set, step): one curve per eval set, and the key is
-- the identity of an evaluation.
-- Version wall_time_ms: the trainer's wall time when it logged the evaluation.
-- An exact replay carries the same version and the same values, so it changes nothing; a re-log with a newer
-- version (a resumed run) replaces the old values, and an older copy arriving late loses. On a tie ClickHouse
-- keeps the last insert, which holds the same data; only ingested_at_ms (processing time, kept for freshness
-- checks) moves. Read with FINAL.
-- Not partitioned (FINAL collapses only within a partition; wall time is not part of the identity).
-- Retention: kept until dropped; remove a run with ALTER TABLE ... DELETE WHERE run_id = '...'.
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
ENGINE = ReplacingMergeTree(wall_time_ms)
ORDER BY (run_id, eval_set, step);
