-- routing_trace: one row per (source, step, layer, sequence, token), exploded from RoutingTraceBatch.
-- Grain: token x layer. ORDER BY (source, step, layer, sequence_id, token_position): analyses scan one source
-- layer by layer, and the key is the identity of a routing decision, so replays collapse (FINAL).
-- Retention: traces are large; drop month partitions when the analysis is done.
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
ENGINE = ReplacingMergeTree(ingested_at_ms)
PARTITION BY toYYYYMM(time)
ORDER BY (source, step, layer, sequence_id, token_position);
