-- run_finished: one row per run that ended, from RunFinished.
-- Grain: run. ORDER BY run_id: joined to runs by run id; ReplacingMergeTree(ingested_at_ms) makes replays
-- idempotent (read with FINAL). Retention: kept until dropped (tiny).
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
ENGINE = ReplacingMergeTree(ingested_at_ms)
PARTITION BY toYYYYMM(finished_at)
ORDER BY run_id;
