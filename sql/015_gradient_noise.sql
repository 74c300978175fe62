-- gradient_noise: a run's gradient noise scale B_simple over training (McCandlish et al. 2018, App. A), from the
-- batch job's online estimator on StepMetrics' grad_sq_norm_small/batch_small and grad_sq_norm_big/batch_big, with
-- the run's batch-size advice at that step. At most one row per batch.emit-every-steps steps of a run, plus its
-- last step.
-- Grain: run x step. ORDER BY (run_id, step): a run's estimate read in step order (the dashboard's band over
-- training), and the key is the row's identity.
-- Version step_wall_time_ms: the trainer's wall time of the step the estimate was made at (data, not the emit time).
-- An exact replay carries the same version and the same values, so it changes nothing; a re-log with a newer
-- version (a resumed run) replaces the old values, and an older copy arriving late loses. On a tie ClickHouse
-- keeps the last insert, which holds the same data; only ingested_at_ms (processing time, kept for freshness
-- checks) moves. Read with FINAL.
-- Units: batch, suggested_batch, b_simple, lo90, hi90 in sequences (b_simple_tokens = b_simple x seq_len when the
-- run's seq_len is known); grad_sq = |G|^2, trace_sigma = tr(Sigma) per sequence. hi90 is NULL when only a lower
-- bound is known (status LOWER_BOUND_ONLY); b_simple is NULL while undefined.
-- Not partitioned (FINAL collapses only within a partition; time is not part of the identity).
-- Retention: kept until dropped (about 150 bytes a row); remove a run with ALTER TABLE ... DELETE WHERE run_id = '...'.
CREATE TABLE IF NOT EXISTS gradient_noise
(
    run_id                   String,
    family_id                String,
    step                     Int64,
    time                     DateTime('UTC'),
    step_wall_time_ms        Int64,
    batch                    Int64,
    seq_len                  Int32,
    status                   String,
    b_simple                 Nullable(Float64),
    lo90                     Nullable(Float64),
    hi90                     Nullable(Float64),
    b_simple_tokens          Nullable(Float64),
    grad_sq                  Nullable(Float64),
    trace_sigma              Nullable(Float64),
    effective_samples        Float64,
    decision                 String,
    suggested_batch          Nullable(Int64),
    steps_factor             Nullable(Float64),
    tokens_factor            Nullable(Float64),
    suggested_steps_factor   Nullable(Float64),
    suggested_tokens_factor  Nullable(Float64),
    adam_timescale           Nullable(Float64),
    ingested_at_ms           UInt64
)
ENGINE = ReplacingMergeTree(step_wall_time_ms)
ORDER BY (run_id, step);
