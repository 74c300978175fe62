/**
 * What every {@code runlaw} command line shares, on picocli: one error style and exit codes
 * ({@link dev.runlaw.producers.command.Commands}), {@code -h/--help} ({@link dev.runlaw.producers.command.HelpOption})
 * and the {@code --limits.*} record limits ({@link dev.runlaw.producers.command.LimitOptions}). The commands
 * themselves live beside what they run (the gateway, the importers, and the dev tools in the cli module).
 */
package dev.runlaw.producers.command;
