package dev.runlaw.cli;

import dev.runlaw.cli.backtest.BacktestCommand;
import dev.runlaw.cli.bench.BenchCommand;
import dev.runlaw.cli.cbs.CbsCommand;
import dev.runlaw.cli.detect.DetectCommand;
import dev.runlaw.cli.report.ReportCommand;
import dev.runlaw.cli.routing.FlinkRoutingBackend;
import dev.runlaw.cli.routing.RoutingCommand;
import dev.runlaw.producers.command.Commands;
import dev.runlaw.producers.gateway.GatewayCommand;
import dev.runlaw.producers.importer.ImportCommand;
import java.io.PrintStream;
import picocli.CommandLine;

/**
 * Entry point of the {@code ./runlaw} launcher's dev tools and of {@code ./runlaw --help}: the whole command tree,
 * {@code demo}, {@code backtest}, {@code detect}, {@code bench …}, and the production commands {@code import …} and {@code gateway},
 * which the launcher runs from the slim {@code producers/target/runlaw-producers-app.jar} instead. Exit codes as in
 * {@link Commands}: 0 ok, 1 run-time failure, 2 usage error.
 */
public final class Main {
    private Main() {
    }

    /** Every {@code runlaw} command, writing to {@code out} and {@code err}. */
    public static CommandLine commandLine(PrintStream out, PrintStream err) {
        return Commands.root("",
                        "Also: ./runlaw test   installs what the tests need, then runs every test (mvn verify).",
                        "gateway and import run from the slim producers/target/runlaw-producers-app.jar (no Kafka",
                        "broker, Flink, RocksDB or JMH); demo, backtest and bench from the cli module's classpath.",
                        "Each command has --help.")
                .addSubcommand(new CommandLine(new DemoCommand(out)))
                .addSubcommand(new CommandLine(new BacktestCommand(out, err)))
                .addSubcommand(new CommandLine(new DetectCommand(out)))
                .addSubcommand(new CommandLine(new ReportCommand(out)))
                .addSubcommand(RoutingCommand.commandLine(out, err, new FlinkRoutingBackend(System.getenv())))
                .addSubcommand(BenchCommand.commandLine(out))
                .addSubcommand(CbsCommand.commandLine(out))
                .addSubcommand(ImportCommand.commandLine(out, err))
                .addSubcommand(GatewayCommand.commandLine(System.getenv()));
    }

    public static void main(String[] args) {
        System.exit(Commands.execute(commandLine(System.out, System.err), args, System.out, System.err));
    }
}
