-- expert_load: one row per (run, MoE layer, step), from ExpertLoad, with balance statistics computed at ingest.
-- Grain: run x layer x step; tokens_per_expert[e+1] is expert e. ORDER BY (run_id, layer, step): heat maps
-- read one run layer by layer over steps; the key identifies a measurement, so replays collapse (FINAL).
-- Retention: until the month partition is dropped.
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
ENGINE = ReplacingMergeTree(ingested_at_ms)
PARTITION BY toYYYYMM(time)
ORDER BY (run_id, layer, step);
