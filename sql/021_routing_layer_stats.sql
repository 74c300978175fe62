-- routing_layer_stats: per source and MoE layer, the routing statistics of one analysis (issue 12's definitions,
-- computed by dev.runlaw.math.routing.RoutingAnalysis over the whole trace): records, load per expert (an id
-- repeated in one route counts once), balance (max/mean, coefficient of variation, normalised entropy H / log E),
-- temporal locality (consecutive tokens of a sequence sharing an expert) against the exact chance value, the top
-- co-selected pair, and how well the first expert at this layer predicts the first at the next (next_layer_hit).
-- Grain: source x analysis x layer; load[e + 1] is expert e. ORDER BY (source, analysis_id, layer): a dashboard reads
-- one analysis layer by layer; the key identifies a row.
-- Version analysed_at_ms: fixed per analysis (see routing_analyses); a replay of the final stage collapses. Read with
-- FINAL.
-- NULLs: max_over_mean without load, temporal_locality without consecutive pairs, top_pair_a/b without a route of
-- two ids, next_layer_hit at the last layer or without hops.
-- Retention: as routing_analyses.
CREATE TABLE IF NOT EXISTS routing_layer_stats
(
    source                    String,
    analysis_id               String,
    analysed_at_ms            Int64,
    time                      DateTime('UTC'),
    layer                     Int32,
    experts                   Int32,
    records                   Int64,
    load                      Array(Int64),
    max_over_mean             Nullable(Float64),
    cv                        Float64,
    norm_entropy              Float64,
    temporal_locality         Nullable(Float64),
    temporal_locality_chance  Nullable(Float64),
    top_pair_a                Nullable(Int32),
    top_pair_b                Nullable(Int32),
    top_pair_routes           Int64,
    next_layer_hit            Nullable(Float64)
)
ENGINE = ReplacingMergeTree(analysed_at_ms)
ORDER BY (source, analysis_id, layer);
