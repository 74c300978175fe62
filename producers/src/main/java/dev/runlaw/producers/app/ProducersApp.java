package dev.runlaw.producers.app;

import dev.runlaw.producers.command.Commands;
import dev.runlaw.producers.gateway.GatewayCommand;
import dev.runlaw.producers.importer.ImportCommand;
import picocli.CommandLine;

/**
 * Main class of {@code runlaw-producers-app.jar}: the production commands {@code gateway} and {@code import}
 * (exit codes as in {@link Commands}). The dev tools (demo, backtest, bench) are in the cli module, whose
 * {@code runlaw --help} lists these two as well.
 */
public final class ProducersApp {
    private ProducersApp() {
    }

    /** The command tree: {@code runlaw gateway|import}. */
    public static CommandLine commandLine() {
        return Commands.root("", "Dev tools (demo, backtest, bench) run from a source checkout: ./runlaw --help.")
                .addSubcommand(GatewayCommand.commandLine(System.getenv()))
                .addSubcommand(ImportCommand.commandLine());
    }

    public static void main(String[] args) {
        System.exit(Commands.execute(commandLine(), args, System.out, System.err));
    }
}
