package dev.runlaw.cli.cbs;

import dev.runlaw.producers.command.HelpOption;
import java.io.PrintStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code ./runlaw cbs gns|sweep}: critical batch size from a run's gradient norms or from a sweep of runs. */
@Command(name = "cbs", synopsisSubcommandLabel = "gns|sweep",
        description = "Critical batch size: gradient noise scale per run (gns), steps-versus-batch laws (sweep).")
public final class CbsCommand {
    @Mixin
    HelpOption help;

    private CbsCommand() {
    }

    /** {@code cbs} and its subcommands, printing to {@code out}. */
    public static CommandLine commandLine(PrintStream out) {
        return new CommandLine(new CbsCommand())
                .addSubcommand(new CommandLine(new GnsCommand(out)))
                .addSubcommand(new CommandLine(new SweepCommand(out)));
    }
}
