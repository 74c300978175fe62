-- routing_placement_layers: each compared placement's map, per layer: the device of every expert
-- (device_of_expert[e + 1] is expert e's device) and the load each device then carries (device_load[d + 1]).
-- Grain: source x analysis x placement x layer. ORDER BY (source, analysis_id, placement, layer): a panel reads one
-- placement layer by layer; the key identifies a row.
-- Version analysed_at_ms: fixed per analysis (see routing_analyses); a replay of the final stage collapses. Read with
-- FINAL.
-- Retention: as routing_analyses.
CREATE TABLE IF NOT EXISTS routing_placement_layers
(
    source            String,
    analysis_id       String,
    analysed_at_ms    Int64,
    time              DateTime('UTC'),
    placement         Enum8('contiguous' = 1, 'balanced' = 2, 'optimized' = 3),
    layer             Int32,
    device_of_expert  Array(Int32),
    device_load       Array(Int64)
)
ENGINE = ReplacingMergeTree(analysed_at_ms)
ORDER BY (source, analysis_id, placement, layer);
