package dev.runlaw.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code runlaw bench forecast}'s flags: a given --runs list replaces the default one, and the window rule holds. */
class ForecastBenchOptionsTest {
    private static ForecastBench.Options parse(String... args) {
        CommandLine cl = new CommandLine(new ForecastBench());
        cl.parseArgs(args);
        return cl.<ForecastBench>getCommand().options();
    }

    @Test
    void defaultsAndGivenValues() {
        ForecastBench.Options d = parse();
        assertThat(d.runs()).containsExactly(100, 1000, 10000);
        assertThat(d.law()).isEqualTo("momentum");
        ForecastBench.Options o = parse("--runs", "5,7", "--steps-per-second", "2.5", "--seconds", "30",
                "--warmup-seconds", "5", "--law", "auto", "--refit-points", "3", "--refit-interval-ms", "250",
                "--state-backend", "rocksdb");
        assertThat(o.runs()).containsExactly(5, 7);
        assertThat(o.stepsPerSecond()).isEqualTo(2.5);
        assertThat(o.seconds()).isEqualTo(30);
        assertThat(o.warmupSeconds()).isEqualTo(5);
        assertThat(o.law()).isEqualTo("auto");
        assertThat(o.refitPoints()).isEqualTo(3);
        assertThat(o.refitIntervalMs()).isEqualTo(250);
        assertThat(o.stateBackend()).isEqualTo("rocksdb");
        assertThat(d.catchUpLagMs()).as("the job's default").isNull();
        assertThat(parse("--catch-up-lag-ms", "0").catchUpLagMs()).isZero();
    }

    @Test
    void theWindowMustOutlastTheWarmUp() {
        assertThatThrownBy(() -> parse("--seconds", "20", "--warmup-seconds", "15"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("--seconds must exceed --warmup-seconds by more than 5");
    }
}
