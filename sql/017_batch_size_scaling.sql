-- batch_size_scaling: per family, the power laws B_noise = k D^beta and CBS = k D^beta across the family's target
-- losses (D = tokens to the target at the base batch; Zhang et al. 2024, Power Lines 2025), fitted in log-log space
-- over the family's current batch_size_laws rows, and the advice for the family's next run: the predicted B_noise
-- and CBS at next_tokens with their 90 % interval, and the batch suggested for it. From the batch job.
-- Grain: family. ORDER BY family_id: one current row per family, the key is its identity.
-- Version fit_seq: the family's fit sequence number (data: it counts the updates of the family the job has
-- processed, so a replay of the same input gives the same numbers).
-- An exact replay carries the same version and the same values, so it changes nothing; a newer fit replaces the
-- old one. On a tie ClickHouse keeps the last insert, which holds the same data; only ingested_at_ms (processing
-- time, kept for freshness checks) moves. Read with FINAL.
-- Units: tokens D in tokens, b_noise, cbs and suggested_batch in sequences.
-- Not partitioned (FINAL collapses only within a partition).
-- Retention: kept until dropped (one row per family); remove one with ALTER TABLE ... DELETE WHERE family_id = '...'.
CREATE TABLE IF NOT EXISTS batch_size_scaling
(
    family_id            String,
    fit_seq              Int64,
    time                 DateTime('UTC'),
    wall_time_ms         Int64,
    targets              Int32,
    b_noise_k            Float64,
    b_noise_beta         Float64,
    b_noise_beta_lo90    Float64,
    b_noise_beta_hi90    Float64,
    b_noise_r2           Float64,
    cbs_k                Float64,
    cbs_beta             Float64,
    cbs_beta_lo90        Float64,
    cbs_beta_hi90        Float64,
    cbs_r2               Float64,
    next_tokens          Float64,
    next_b_noise         Float64,
    next_b_noise_lo90    Float64,
    next_b_noise_hi90    Float64,
    next_cbs             Float64,
    suggested_batch      Int64,
    ingested_at_ms       UInt64
)
ENGINE = ReplacingMergeTree(fit_seq)
ORDER BY family_id;
