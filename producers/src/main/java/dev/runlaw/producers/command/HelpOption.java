package dev.runlaw.producers.command;

import picocli.CommandLine.Option;

/** {@code -h/--help} for a command (a picocli mixin); unlike picocli's standard mixin, no {@code --version}. */
public final class HelpOption {
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;
}
