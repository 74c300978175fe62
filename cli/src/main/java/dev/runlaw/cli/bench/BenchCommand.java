package dev.runlaw.cli.bench;

import dev.runlaw.cli.bench.detect.DetectBench;
import dev.runlaw.producers.command.HelpOption;
import java.io.PrintStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code ./runlaw bench <name> ...}: benchmarks that print their figures (never tests); docs/benchmarks.md. */
@Command(name = "bench", synopsisSubcommandLabel = "BENCHMARK",
        description = "Benchmarks that print their figures (recorded in docs/benchmarks.md).")
public final class BenchCommand {
    @Mixin
    HelpOption help;

    private BenchCommand() {
    }

    /** {@code bench} and its benchmarks, printing to {@code out}. */
    public static CommandLine commandLine(PrintStream out) {
        return new CommandLine(new BenchCommand())
                .addSubcommand(new CommandLine(new IngestBench(out)))
                .addSubcommand(new CommandLine(new GatewayBench(out)))
                .addSubcommand(new CommandLine(new ForecastFitBench(out)))
                .addSubcommand(new CommandLine(new ForecastBench(out)))
                .addSubcommand(new CommandLine(new DetectBench(out)))
                .addSubcommand(new CommandLine(new CbsBench(out)))
                .addSubcommand(new CommandLine(new RoutingBench(out)))
                .addSubcommand(new CommandLine(new AlertBench(out)))
                .addSubcommand(new CommandLine(new BatchBench(out)))
                .addSubcommand(new CommandLine(new ClusterBench(out)));
    }
}
