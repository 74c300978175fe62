-- expert_load: one row per (run, MoE layer, step), from ExpertLoad, with balance statistics computed at ingest.
-- Grain: run x layer x step; tokens_per_expert[e+1] is expert e. ORDER BY (run_id, layer, step): heat maps
-- read one run layer by layer over steps; the key identifies a measurement.
-- Version wall_time_ms: the trainer's wall time when it logged the measurement.
-- An exact replay carries the same version and the same values, so it changes nothing; a re-log with a newer
-- version (a resumed run) replaces the old values, and an older copy arriving late loses. On a tie ClickHouse
-- keeps the last insert, which holds the same data; only ingested_at_ms (processing time, kept for freshness
-- checks) moves. Read with FINAL.
-- Not partitioned (FINAL collapses only within a partition; wall time is not part of the identity).
-- Retention: kept until dropped; remove a run with ALTER TABLE ... DELETE WHERE run_id = '...'.
CREATE TABLE IF NOT EXISTS expert_load
(
    run_id             String,
    layer              Int32,
    step               Int64,
    time               DateTime('UTC'),
    wall_time_ms       Int64,
    tokens_per_expert  Array(Int64),
    dropped_tokens     Int64,
    aux_loss           Nullable(Float64),
    z_loss             Nullable(Float64),
    total_tokens       Int64,
    max_over_mean      Float64,
    cv                 Float64,
    norm_entropy       Float64,
    zero_experts       Int32,
    ingested_at_ms     UInt64
)
ENGINE = ReplacingMergeTree(wall_time_ms)
ORDER BY (run_id, layer, step);
