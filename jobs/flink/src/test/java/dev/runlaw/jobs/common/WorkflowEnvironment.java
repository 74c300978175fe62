package dev.runlaw.jobs.common;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** The environment a workflow test runs a job's topology on. */
public final class WorkflowEnvironment {
    private WorkflowEnvironment() {
    }

    /**
     * The job's own Flink configuration ({@link JobRunner#flinkConfiguration}: generic types off, so anything that
     * would need Kryo fails the test), no restarts (a failure fails the test at once), and parallelism 1: one source
     * subtask keeps the records in order, as one Kafka partition does.
     */
    public static StreamExecutionEnvironment of(JobSettings settings) {
        Configuration conf = JobRunner.flinkConfiguration(settings);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        return env;
    }
}
