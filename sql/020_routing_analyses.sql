-- routing_analyses: one row per routing-trace analysis (a bounded run of the routing job, or `runlaw routing analyze`
-- writing to ClickHouse): what was read and the settings the placements were computed with.
-- Grain: source x analysis. ORDER BY (source, analysis_id): the dashboards pick a source's latest analysis
-- (argMax(analysis_id, analysed_at_ms)); every other routing_* table is keyed by the same (source, analysis_id).
-- Version analysed_at_ms: fixed when the analysis is configured (before the job runs), so a replay of the final stage
-- writes the same rows with the same version and they collapse. Read with FINAL.
-- Not partitioned (FINAL collapses only within a partition).
-- Retention: kept until dropped; remove a source with ALTER TABLE ... DELETE WHERE source = '...' here and in the
-- other routing_* tables (021-025), or one analysis with ... WHERE analysis_id = '...'.
CREATE TABLE IF NOT EXISTS routing_analyses
(
    source             String,
    analysis_id        String,
    analysed_at_ms     Int64,
    time               DateTime('UTC'),
    input              String,
    tokens             Int64,
    routes             Int64,
    layers             Int32,
    experts            Int32,
    devices            Int32,
    hidden_size        Int32,
    bytes_per_element  Int32,
    spare_slots        Int32
)
ENGINE = ReplacingMergeTree(analysed_at_ms)
ORDER BY (source, analysis_id);
