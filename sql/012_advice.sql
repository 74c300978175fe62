-- advice: stop / continue advice for a run, one row each time the decision changed (also on topic runlaw.advice).
-- Grain: run x advice sequence number. ORDER BY (run_id, seq): a run's advice history in order; (run_id, seq) is
-- the advice's identity, so a replayed advice collapses (read with FINAL). Partitioned by month of the trainer's
-- wall time at the advised step. Retention: until the partition is dropped.
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
ENGINE = ReplacingMergeTree(ingested_at_ms)
PARTITION BY toYYYYMM(time)
ORDER BY (run_id, seq);
