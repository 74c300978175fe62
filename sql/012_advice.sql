-- advice: stop / continue advice for a run, one row each time the decision changed (also on topic runlaw.advice).
-- Grain: run x advice sequence number. ORDER BY (run_id, seq): a run's advice history in order; (run_id, seq) is
-- the advice's identity.
-- Version time: the trainer's wall time at the advised step (data, not the emit time).
-- An exact replay carries the same version and the same values, so it changes nothing; a re-log with a newer
-- version (a resumed run) replaces the old values, and an older copy arriving late loses. On a tie ClickHouse
-- keeps the last insert, which holds the same data; only ingested_at_ms (processing time, kept for freshness
-- checks) moves. Read with FINAL.
-- Not partitioned (FINAL collapses only within a partition; time is not part of the identity).
-- Retention: kept until dropped; remove a run with ALTER TABLE ... DELETE WHERE run_id = '...'.
CREATE TABLE IF NOT EXISTS advice
(
    run_id                    String,
    family_id                 String,
    seq                       Int32,
    step                      Int64,
    time                      DateTime('UTC'),
    emitted_at_ms             Int64,
    decision                  String,
    probability_beats_target  Nullable(Float64),
    target_kind               String,
    target_loss               Nullable(Float64),
    sibling_run_id            Nullable(String),
    final_pred                Nullable(Float64),
    final_lo90                Nullable(Float64),
    final_hi90                Nullable(Float64),
    reason                    String,
    ingested_at_ms            UInt64
)
ENGINE = ReplacingMergeTree(time)
ORDER BY (run_id, seq);
