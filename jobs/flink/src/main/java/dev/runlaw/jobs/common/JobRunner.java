package dev.runlaw.jobs.common;

import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ParameterTool;

/**
 * Runs a job the one way every runlaw job runs: parse the configuration once ({@code --key value}), apply the
 * shared Flink settings to the environment, let the job add its sources, workflow and sinks, execute.
 */
public final class JobRunner {

    /** What a job adds to a configured environment: its real sources and sinks around its workflow. */
    @FunctionalInterface
    public interface Topology<C extends JobConfig> {
        void addTo(StreamExecutionEnvironment env, C config);
    }

    private JobRunner() {
    }

    /**
     * The body of a job's {@code main}: parses {@code args}; on a bad configuration prints every error and the
     * usage and exits with status 2; else builds the job on the environment of the context (a cluster under
     * {@code flink run}, a local one otherwise) and runs it.
     */
    public static <C extends JobConfig> void main(String[] args, Function<Map<String, String>, C> parse,
                                                  String usage, Topology<C> topology) throws Exception {
        C config;
        try {
            config = parse.apply(ParameterTool.fromArgs(args).toMap());
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(usage);
            System.exit(2);
            return;
        }
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(flinkConfiguration(config.settings()));
        run(env, config, topology);
    }

    /** Builds the job on {@code env} and submits it without waiting (an unbounded job runs until cancelled). */
    public static <C extends JobConfig> JobClient start(StreamExecutionEnvironment env, C config,
                                                        Topology<C> topology) throws Exception {
        build(env, config, topology);
        return env.executeAsync(config.settings().jobName());
    }

    /** Builds the job on {@code env} and runs it to the end (a bounded job: until all its input is processed). */
    public static <C extends JobConfig> JobExecutionResult run(StreamExecutionEnvironment env, C config,
                                                               Topology<C> topology) throws Exception {
        build(env, config, topology);
        return env.execute(config.settings().jobName());
    }

    /** Applies the shared settings to {@code env}, then adds the job's topology. The caller executes. */
    public static <C extends JobConfig> void build(StreamExecutionEnvironment env, C config, Topology<C> topology) {
        configure(env, config.settings());
        topology.addTo(env, config);
    }

    /**
     * Exactly-once checkpoints at the configured interval, the configured state backend and checkpoint storage,
     * the parallelism, and no Kryo: a type Flink cannot serialize as a POJO, Avro or basic type fails the job
     * when it is built, instead of silently costing a generic serializer and breaking state evolution.
     */
    public static void configure(StreamExecutionEnvironment env, JobSettings settings) {
        env.configure(flinkConfiguration(settings));
        env.enableCheckpointing(settings.checkpointIntervalMs(), CheckpointingMode.EXACTLY_ONCE);
        if (settings.parallelism() > 0) {
            env.setParallelism(settings.parallelism());
        }
    }

    /** The Flink configuration a job's settings imply (also used to create the environment in {@link #main}). */
    public static Configuration flinkConfiguration(JobSettings settings) {
        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, settings.stateBackend().name().toLowerCase(Locale.ROOT));
        if (settings.checkpointDir() != null) {
            conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, settings.checkpointDir());
        }
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        return conf;
    }
}
