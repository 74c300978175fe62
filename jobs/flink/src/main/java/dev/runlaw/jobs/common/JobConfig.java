package dev.runlaw.jobs.common;

/** A job's configuration: the {@link JobSettings} every job shares, plus the job's own keys. */
public interface JobConfig {
    /** The shared settings: Kafka, ClickHouse, checkpoints, state backend, parallelism, limits, dead letters. */
    JobSettings settings();
}
