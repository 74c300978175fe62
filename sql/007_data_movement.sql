-- data_movement: one row per (source, step, time, layer, source device, destination device), from DataMovement.
-- Grain: device pair x layer x step. ORDER BY (source, step, wall_time_ms, layer, src_device, dst_device):
-- traffic matrices are read per source and step; wall_time_ms is in the key because inference traffic has
-- step = -1.
-- Version wall_time_ms: the record's own wall time (part of the key here, so every copy of a row has the same).
-- An exact replay carries the same version and the same values, so it changes nothing; a re-log with a newer
-- version (a resumed run) replaces the old values, and an older copy arriving late loses. On a tie ClickHouse
-- keeps the last insert, which holds the same data; only ingested_at_ms (processing time, kept for freshness
-- checks) moves. Read with FINAL.
-- Partitioned by month of wall_time_ms, an identity-key column, so every copy of a row lands in one partition.
-- Retention: until the month partition is dropped.
CREATE TABLE IF NOT EXISTS data_movement
(
    source          String,
    step            Int64,
    wall_time_ms    Int64,
    layer           Int32,
    src_device      Int32,
    dst_device      Int32,
    time            DateTime('UTC'),
    bytes           Int64,
    ingested_at_ms  UInt64
)
ENGINE = ReplacingMergeTree(wall_time_ms)
PARTITION BY toYYYYMM(toDateTime(intDiv(wall_time_ms, 1000)))
ORDER BY (source, step, wall_time_ms, layer, src_device, dst_device);
