-- dead_letters: one row per refused record (also on Kafka topic runlaw.dead-letters with the original bytes).
-- Grain: source topic x partition x offset. ORDER BY (topic, partition, offset): that triple is the identity
-- of a Kafka record, so a replay after a restart collapses (FINAL). value_base64 holds the original bytes.
-- No version column: every copy of a dead letter holds the same record and reason (the key fixes the bytes); only
-- failed_at and ingested_at_ms, processing times, differ, and ClickHouse keeps the last insert.
-- Not partitioned: failed_at is when the job refused the record, so a replay in another month would land in
-- another partition and never collapse. Retention: refused records are few; truncate once inspected.
CREATE TABLE IF NOT EXISTS dead_letters
(
    topic           String,
    partition       Int32,
    offset          Int64,
    reason_code     String,
    reason          String,
    failed_at       DateTime('UTC'),
    value_base64    String,
    ingested_at_ms  UInt64
)
ENGINE = ReplacingMergeTree()
ORDER BY (topic, partition, offset);
