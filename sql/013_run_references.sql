-- run_references: finished runs the forecast job published as references (family priors) for runs of the same
-- family (also on the compacted topic runlaw.run-references, which the job itself reads back).
-- Grain: one row per finished run. ORDER BY (family_id, run_id): family comparison reads one family; the run is the
-- identity.
-- Version finished_at_ms: the run's own end time, from its RunFinished.
-- An exact replay carries the same version and the same values, so it changes nothing; a re-log with a newer
-- version (a resumed run) replaces the old values, and an older copy arriving late loses. On a tie ClickHouse
-- keeps the last insert, which holds the same data; only ingested_at_ms (processing time, kept for freshness
-- checks) moves. Read with FINAL.
-- Small: not partitioned. Retention: kept.
CREATE TABLE IF NOT EXISTS run_references
(
    family_id       String,
    run_id          String,
    finished_at_ms  Int64,
    time            DateTime('UTC'),
    final_step      Int64,
    final_loss      Nullable(Float64),
    lr_knots        Int32,
    loss_points     Int32,
    ingested_at_ms  UInt64
)
ENGINE = ReplacingMergeTree(finished_at_ms)
ORDER BY (family_id, run_id);
