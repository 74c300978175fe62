-- run_finished: one row per run that ended, from RunFinished.
-- Grain: run. ORDER BY run_id: joined to runs by run id; the run is the identity.
-- Version finished_at_ms: the trainer's own end time, from the record.
-- An exact replay carries the same version and the same values, so it changes nothing; a re-log with a newer
-- version (a resumed run) replaces the old values, and an older copy arriving late loses. On a tie ClickHouse
-- keeps the last insert, which holds the same data; only ingested_at_ms (processing time, kept for freshness
-- checks) moves. Read with FINAL.
-- Not partitioned (FINAL collapses only within a partition; finished_at is not part of the identity).
-- Retention: kept until dropped (tiny).
CREATE TABLE IF NOT EXISTS run_finished
(
    run_id          String,
    finished_at     DateTime('UTC'),
    finished_at_ms  Int64,
    final_step      Int64,
    status          Enum8('COMPLETED' = 1, 'STOPPED_EARLY' = 2, 'FAILED' = 3, 'CANCELLED' = 4, 'UNKNOWN' = 5),
    message         Nullable(String),
    ingested_at_ms  UInt64
)
ENGINE = ReplacingMergeTree(finished_at_ms)
ORDER BY run_id;
