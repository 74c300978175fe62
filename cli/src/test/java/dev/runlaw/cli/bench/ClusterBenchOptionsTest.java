package dev.runlaw.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code runlaw bench cluster}'s flags: defaults, given values, and the combinations refused. */
class ClusterBenchOptionsTest {
    private static ClusterBench.Options parse(String... args) {
        CommandLine cl = new CommandLine(new ClusterBench());
        cl.parseArgs(args);
        return cl.<ClusterBench>getCommand().options();
    }

    @Test
    void defaultsCompareOneAndTwoTaskManagersWithASlotPerSubtaskOfBothJobs() {
        ClusterBench.Options d = parse();
        assertThat(d.taskManagers()).containsExactly(1, 2);
        assertThat(d.parallelism()).isEqualTo(2);
        assertThat(d.slots()).isEqualTo(4);
        assertThat(d.slotsPerTaskManager(1)).isEqualTo(4);
        assertThat(d.slotsPerTaskManager(2)).isEqualTo(2);
        assertThat(d.jobs()).containsExactly("ingest", "forecast");
        assertThat(d.forecastRuns()).isEqualTo(1000);
        assertThat(d.stateBackend()).isEqualTo("rocksdb");
    }

    @Test
    void givenValuesReplaceTheDefaults() {
        ClusterBench.Options o = parse("--task-managers", "2,4", "--parallelism", "4", "--jobs", "forecast",
                "--records", "5000", "--forecast-runs", "50", "--forecast-steps", "200", "--state-backend", "hashmap",
                "--repeats", "2", "--window-seconds", "5");
        assertThat(o.taskManagers()).containsExactly(2, 4);
        assertThat(o.slots()).isEqualTo(4);
        assertThat(o.slotsPerTaskManager(4)).isEqualTo(1);
        assertThat(o.jobs()).containsExactly("forecast");
        assertThat(o.records()).isEqualTo(5000);
        assertThat(o.forecastRuns()).isEqualTo(50);
        assertThat(o.forecastSteps()).isEqualTo(200);
        assertThat(o.stateBackend()).isEqualTo("hashmap");
    }

    @Test
    void refusesSlotsThatDoNotSplitAndUnknownJobsOrBackends() {
        assertThatThrownBy(() -> parse("--task-managers", "2", "--parallelism", "3", "--jobs", "ingest"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("3 slots (--parallelism 3 x 1 jobs) do not split evenly over 2");
        assertThatThrownBy(() -> parse("--task-managers", "0"))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("1..8");
        assertThatThrownBy(() -> parse("--jobs", "ingest,alerts"))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("'alerts'");
        assertThatThrownBy(() -> parse("--state-backend", "memory"))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("rocksdb or hashmap");
        assertThatThrownBy(() -> parse("--forecast-steps", "20"))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--forecast-steps >= 100");
        assertThatThrownBy(() -> parse("--repeats", "0")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--repeats");
    }
}
