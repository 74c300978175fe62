-- routing_trace: one row per (source, step, layer, sequence, token), exploded from RoutingTraceBatch.
-- Grain: token x layer. ORDER BY (source, step, layer, sequence_id, token_position): analyses scan one source
-- layer by layer, and the key is the identity of a routing decision.
-- Version wall_time_ms: the batch's own wall time, from the record.
-- An exact replay carries the same version and the same values, so it changes nothing; a re-log with a newer
-- version (a resumed run) replaces the old values, and an older copy arriving late loses. On a tie ClickHouse
-- keeps the last insert, which holds the same data; only ingested_at_ms (processing time, kept for freshness
-- checks) moves. Read with FINAL.
-- Not partitioned (FINAL collapses only within a partition; wall time is not part of the identity).
-- Retention: traces are large; drop a source's rows with ALTER TABLE ... DELETE WHERE source = '...' when done.
CREATE TABLE IF NOT EXISTS routing_trace
(
    source          String,
    source_kind     Enum8('TRAINING' = 1, 'INFERENCE' = 2),
    step            Int64,
    layer           Int32,
    sequence_id     String,
    token_position  Int32,
    time            DateTime('UTC'),
    wall_time_ms    Int64,
    expert_ids      Array(Int32),
    gate_weights    Array(Float32),
    ingested_at_ms  UInt64
)
ENGINE = ReplacingMergeTree(wall_time_ms)
ORDER BY (source, step, layer, sequence_id, token_position);
