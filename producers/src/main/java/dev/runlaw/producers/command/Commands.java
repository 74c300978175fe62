package dev.runlaw.producers.command;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Runs a tree of {@code runlaw} commands with one error style and one set of exit codes:
 * <ul>
 *   <li>{@value #OK}: the command did its work ({@code --help} included);</li>
 *   <li>{@value #USAGE}: a usage error: unknown command or option, missing or malformed value, options that do not
 *       go together. stderr gets {@code runlaw <command>: <message>} and the command's usage;</li>
 *   <li>{@value #FAILURE}: a run-time failure (Kafka, files, a fit that did not converge): stderr gets
 *       {@code runlaw <command>: <message>}, with a stack trace only when the cause is unexpected (a bug).</li>
 * </ul>
 * Commands report validation problems found after parsing by throwing a {@link ParameterException} (a usage error)
 * and expected run-time failures by throwing a {@link CommandFailure} or returning {@value #FAILURE}.
 */
public final class Commands {
    /** Exit code: success. */
    public static final int OK = 0;
    /** Exit code: run-time failure. */
    public static final int FAILURE = 1;
    /** Exit code: usage error. */
    public static final int USAGE = 2;

    private Commands() {
    }

    /**
     * The root {@code runlaw} command, to which the caller adds its subcommands; without one it is a usage error.
     *
     * @param footer lines printed under the list of commands
     */
    public static CommandLine root(String... footer) {
        CommandLine root = new CommandLine(new Root());
        root.getCommandSpec().usageMessage().footer(footer);
        return root;
    }

    /** Sends the tree's output to {@code out}/{@code err} and installs the shared error handling (for every subcommand). */
    public static CommandLine configure(CommandLine cl, PrintStream out, PrintStream err) {
        cl.setOut(new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true));
        cl.setErr(new PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true));
        cl.setColorScheme(Help.defaultColorScheme(Help.Ansi.OFF));
        cl.setUsageHelpWidth(110);
        allowRepeats(cl);
        cl.setParameterExceptionHandler(Commands::usageError);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> failure(e, cmd));
        return cl;
    }

    /** Runs {@code args} on {@code cl} with the shared handling, writing to {@code out} and {@code err}; returns the exit code. */
    public static int execute(CommandLine cl, String[] args, PrintStream out, PrintStream err) {
        return configure(cl, out, err).execute(args);
    }

    /**
     * Lets a single-valued option be given more than once, the last one winning (as the hand-written parsers did,
     * and as scripts that append an override to a default command line expect). For the whole tree as built.
     */
    public static CommandLine allowRepeats(CommandLine cl) {
        cl.setOverwrittenOptionsAllowed(true);
        return cl;
    }

    /** {@code "runlaw import csv"}: how the user typed the command, for messages. */
    public static String name(CommandSpec spec) {
        return spec.qualifiedName(" ");
    }

    /** A usage error of {@code spec}'s command, handled as one ({@value #USAGE}, message and usage on stderr). */
    public static ParameterException usage(CommandSpec spec, String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    private static int usageError(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println(name(cmd.getCommandSpec()) + ": " + e.getMessage());
        UnmatchedArgumentException.printSuggestions(e, err);
        cmd.usage(err);
        err.flush();
        return USAGE;
    }

    private static int failure(Exception e, CommandLine cmd) {
        PrintWriter err = cmd.getErr();
        boolean expected = e instanceof CommandFailure || e instanceof UncheckedIOException
                || e instanceof java.io.IOException;
        err.println(name(cmd.getCommandSpec()) + ": " + (expected ? e.getMessage() : "failed: " + e));
        if (!expected) {
            e.printStackTrace(err);
        }
        err.flush();
        return FAILURE;
    }

    /** The {@code runlaw} root: only lists its commands; without one, picocli reports a missing subcommand. */
    @Command(name = "runlaw", synopsisSubcommandLabel = "COMMAND",
            description = "Live loss-law forecasts and MoE analytics for training runs.",
            commandListHeading = "%nCommands:%n",
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:ok", "1:run-time failure (Kafka, files, a failed fit; the message says which)",
                "2:usage error (message and usage on stderr)"})
    static final class Root {
        @Mixin
        HelpOption help;
    }
}
