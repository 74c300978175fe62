package dev.runlaw.cli.routing;

import dev.runlaw.producers.command.Commands;
import dev.runlaw.producers.command.HelpOption;
import java.io.PrintStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code runlaw routing analyze ...}: post-hoc analysis of MoE routing traces ({@link RoutingAnalyzeCommand}). */
@Command(name = "routing", synopsisSubcommandLabel = "COMMAND",
        description = "MoE routing-trace analysis: expert load, locality, co-selection, cross-layer affinity and "
                + "expert placements (docs/routing.md).")
public final class RoutingCommand {
    @Mixin
    HelpOption help;

    private RoutingCommand() {
    }

    /** The {@code routing} command with its subcommands, counting with {@code backend}. */
    public static CommandLine commandLine(PrintStream out, PrintStream err, RoutingBackend backend) {
        return new CommandLine(new RoutingCommand())
                .addSubcommand(new CommandLine(new RoutingAnalyzeCommand(out, backend)));
    }

    /** The {@code routing} command counting in this JVM ({@link LocalRoutingBackend}). */
    public static CommandLine commandLine(PrintStream out, PrintStream err) {
        return commandLine(out, err, new LocalRoutingBackend());
    }

    /** Runs {@code runlaw routing ARGS}; returns the exit code instead of exiting (for tests). */
    public static int run(String[] args, PrintStream out, PrintStream err, RoutingBackend backend) {
        String[] full = new String[args.length + 1];
        full[0] = "routing";
        System.arraycopy(args, 0, full, 1, args.length);
        return Commands.execute(Commands.root().addSubcommand(commandLine(out, err, backend)), full, out, err);
    }
}
