-- routing_pairs: co-selection, per source and layer of one analysis: how many routes chose experts a and b together
-- in one token's top-k (a < b; an id repeated in one route counts once). Every non-zero pair when the layer has at
-- most 256 experts; beyond that the 4096 most frequent pairs of the layer (ties to the smallest (a, b)).
-- Grain: source x analysis x layer x pair. ORDER BY (source, analysis_id, layer, expert_a, expert_b): a panel reads
-- one layer's pairs; the key identifies a row.
-- Version analysed_at_ms: fixed per analysis (see routing_analyses); a replay of the final stage collapses. Read with
-- FINAL.
-- Retention: as routing_analyses.
CREATE TABLE IF NOT EXISTS routing_pairs
(
    source          String,
    analysis_id     String,
    analysed_at_ms  Int64,
    time            DateTime('UTC'),
    layer           Int32,
    expert_a        Int32,
    expert_b        Int32,
    routes          Int64
)
ENGINE = ReplacingMergeTree(analysed_at_ms)
ORDER BY (source, analysis_id, layer, expert_a, expert_b);
