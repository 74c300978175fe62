-- data_movement: one row per (source, step, time, layer, source device, destination device), from DataMovement.
-- Grain: device pair x layer x step. ORDER BY (source, step, wall_time_ms, layer, src_device, dst_device):
-- traffic matrices are read per source and step; wall_time_ms is in the key because inference traffic has
-- step = -1. Replays collapse (FINAL). Retention: until the month partition is dropped.
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
ENGINE = ReplacingMergeTree(ingested_at_ms)
PARTITION BY toYYYYMM(time)
ORDER BY (source, step, wall_time_ms, layer, src_device, dst_device);
