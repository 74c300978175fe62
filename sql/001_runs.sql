-- runs: one row per run, from RunStarted (a re-sent RunStarted replaces the earlier one).
-- Grain: run. ORDER BY run_id: every lookup is by run; ReplacingMergeTree(ingested_at_ms) keeps the latest
-- copy, so read it with FINAL (or argMax) for exact answers. Retention: kept until dropped (a few KB per run).
CREATE TABLE IF NOT EXISTS runs
(
    run_id                String,
    family_id             String,
    started_at            DateTime('UTC'),
    started_at_ms         Int64,
    total_params          Int64,
    active_params         Int64,
    layers                Int32,
    experts               Int32,
    top_k                 Int32,
    hidden_size           Int32,
    planned_total_steps   Int64,
    has_schedule          UInt8,
    schedule_kind         String,
    warmup_steps          Int64,
    warmup_init_lr        Float64,
    peak_lr               Float64,
    min_lr                Float64,
    decay_start_step      Int64,
    schedule_total_steps  Int64,
    milestones            Array(Int64),
    gamma                 Float64,
    cycle_steps           Int64,
    lr_per_step           Array(Float64),
    batch_size_sequences  Int64,
    batch_size_tokens     Int64,
    seq_len               Int32,
    tag_keys              Array(String),
    tag_values            Array(String),
    ingested_at_ms        UInt64
)
ENGINE = ReplacingMergeTree(ingested_at_ms)
PARTITION BY toYYYYMM(started_at)
ORDER BY run_id;
