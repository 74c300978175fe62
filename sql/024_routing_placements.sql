-- routing_placements: expert placements compared, per source and analysis: the contiguous map (expert e on device
-- floor(e * N / E)), EPLB-style balanced packing and the affinity-aware map, each with its device balance (max / mean
-- of the devices' summed loads, averaged over layers), the fraction of layer-to-layer hops that change device when
-- tokens stay at their expert's device (ExFlow's model), and the dispatch + combine bytes when tokens return home
-- after each layer (hidden size x bytes per element x 2 per remote expert).
-- Grain: source x analysis x placement. ORDER BY (source, analysis_id, placement): the key identifies a row.
-- Version analysed_at_ms: fixed per analysis (see routing_analyses); a replay of the final stage collapses. Read with
-- FINAL.
-- NULLs: a fraction without anything to divide (no load, no hops).
-- Retention: as routing_analyses.
CREATE TABLE IF NOT EXISTS routing_placements
(
    source                     String,
    analysis_id                String,
    analysed_at_ms             Int64,
    time                       DateTime('UTC'),
    placement                  Enum8('contiguous' = 1, 'balanced' = 2, 'optimized' = 3),
    devices                    Int32,
    device_load_max_over_mean  Nullable(Float64),
    transition_cross_device    Nullable(Float64),
    bytes                      Int64
)
ENGINE = ReplacingMergeTree(analysed_at_ms)
ORDER BY (source, analysis_id, placement);
