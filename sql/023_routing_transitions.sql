-- routing_transitions: cross-layer routing, per source and layer of one analysis: how many tokens whose first listed
-- expert at `layer` was from_expert had to_expert first at layer + 1 (tokens with a non-empty route at both layers;
-- "first" as the tracer listed them, see dev.runlaw.math.routing.TokenRoute). Non-zero cells only.
-- Grain: source x analysis x layer x (from_expert, to_expert). ORDER BY (source, analysis_id, layer, from_expert,
-- to_expert): the transition-matrix panel reads one layer; the key identifies a row.
-- Version analysed_at_ms: fixed per analysis (see routing_analyses); a replay of the final stage collapses. Read with
-- FINAL.
-- Retention: as routing_analyses.
CREATE TABLE IF NOT EXISTS routing_transitions
(
    source          String,
    analysis_id     String,
    analysed_at_ms  Int64,
    time            DateTime('UTC'),
    layer           Int32,
    from_expert     Int32,
    to_expert       Int32,
    tokens          Int64
)
ENGINE = ReplacingMergeTree(analysed_at_ms)
ORDER BY (source, analysis_id, layer, from_expert, to_expert);
