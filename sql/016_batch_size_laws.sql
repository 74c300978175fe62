-- batch_size_laws: per family and target loss, the steps-versus-batch law S(B) = S_min (1 + B_noise / B) fitted
-- in log space (Zhang et al. 2024; McCandlish et al. 2018) to the first step at which each run of the family (one
-- batch size each) reached the target on its smoothed loss curve, from the batch job. Refitted as runs progress.
-- Grain: family x target loss. ORDER BY (family_id, target_loss): a family's laws read together (the dashboard's
-- hyperbolas per target), and the key is the law's identity.
-- Version fit_seq: the family's fit sequence number (data: it counts the updates of the family the job has
-- processed, so a replay of the same input gives the same numbers).
-- An exact replay carries the same version and the same values, so it changes nothing; a newer fit replaces the
-- old one. On a tie ClickHouse keeps the last insert, which holds the same data; only ingested_at_ms (processing
-- time, kept for freshness checks) moves. Read with FINAL. Default targets move as runs finish: a family's current
-- laws are the rows with its largest fit_seq (a target no longer chosen keeps its last row).
-- Units: batches and b_noise in sequences, steps in optimizer steps, tokens_to_target = S(base_batch) x base_batch x
-- seq_len tokens (NULL without a seq_len), cbs = (1 + overhead) x base_batch + overhead x b_noise (Zhang et al.).
-- The points behind the fit are kept in the row (run_ids, batches, steps: parallel arrays).
-- Not partitioned (FINAL collapses only within a partition).
-- Retention: kept until dropped (a few hundred bytes a row); remove a family with ALTER TABLE ... DELETE WHERE
-- family_id = '...'.
CREATE TABLE IF NOT EXISTS batch_size_laws
(
    family_id          String,
    target_loss        Float64,
    fit_seq            Int64,
    time               DateTime('UTC'),
    wall_time_ms       Int64,
    target_source      String,
    s_min              Float64,
    b_noise            Float64,
    b_noise_lo90       Float64,
    b_noise_hi90       Float64,
    e_min              Float64,
    cbs                Float64,
    r2                 Float64,
    points             Int32,
    run_ids            Array(String),
    batches            Array(Float64),
    steps              Array(Float64),
    base_batch         Float64,
    overhead           Float64,
    seq_len            Int32,
    tokens_to_target   Nullable(Float64),
    ingested_at_ms     UInt64
)
ENGINE = ReplacingMergeTree(fit_seq)
ORDER BY (family_id, target_loss);
