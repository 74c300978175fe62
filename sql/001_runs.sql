-- runs: one row per run, from RunStarted (a re-sent RunStarted, e.g. from a resumed run, replaces the earlier one).
-- Grain: run. ORDER BY run_id: every lookup is by run, and the run is the identity.
-- Version started_at_ms: the run's own start time, from the record.
-- An exact replay carries the same version and the same values, so it changes nothing; a re-log with a newer
-- version (a resumed run) replaces the old values, and an older copy arriving late loses. On a tie ClickHouse
-- keeps the last insert, which holds the same data; only ingested_at_ms (processing time, kept for freshness
-- checks) moves. Read with FINAL.
-- Not partitioned: a resumed run may send a new started_at, and FINAL only collapses copies within one partition,
-- so the partition key may only use identity-key columns. Retention: kept until dropped (a few KB per run).
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
ENGINE = ReplacingMergeTree(started_at_ms)
ORDER BY run_id;
