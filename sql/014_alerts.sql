-- alerts: anomaly alerts on runs (loss spike, divergence, plateau, stall, router collapse, ...), from the alert job
-- (also on topic runlaw.alerts). One row per alert: its OPEN event, replaced by its RESOLVED event when it closes.
-- Grain: run x kind x layer x first step. ORDER BY (run_id, kind, layer, first_step): a run's alerts by kind, and
-- the key is the alert's identity (layer -1 for run-level alerts).
-- Version event_order: event_step * 2, plus 1 for RESOLVED (data: the step the event was emitted at, not the emit
-- time), so the RESOLVED event replaces the OPEN one whatever order they are inserted in.
-- An exact replay carries the same version and the same values, so it changes nothing; an older copy arriving
-- late loses. On a tie ClickHouse keeps the last insert, which holds the same data; only emitted_at_ms and
-- ingested_at_ms (processing time, kept for freshness checks) move. Read with FINAL.
-- Not partitioned (FINAL collapses only within a partition; time is not part of the identity).
-- Retention: kept until dropped; remove a run with ALTER TABLE ... DELETE WHERE run_id = '...'.
CREATE TABLE IF NOT EXISTS alerts
(
    run_id              String,
    kind                String,
    layer               Int32,
    first_step          Int64,
    detected_step       Int64,
    last_step           Nullable(Int64),
    severity            String,
    state               String,
    value               Nullable(Float64),
    expected            Nullable(Float64),
    score               Nullable(Float64),
    message             String,
    event_step          Int64,
    event_order         Int64,
    time                DateTime('UTC'),
    event_wall_time_ms  Int64,
    emitted_at_ms       Int64,
    ingested_at_ms      UInt64
)
ENGINE = ReplacingMergeTree(event_order)
ORDER BY (run_id, kind, layer, first_step);
