package dev.runlaw.producers.command;

/**
 * A command failed at run time for a reason its message states fully (Kafka unreachable, a file unreadable): the
 * user sees {@code runlaw <command>: <message>} and exit code {@value Commands#FAILURE}, without a stack trace.
 * Any other exception is a bug and is printed with its trace.
 */
public class CommandFailure extends RuntimeException {
    public CommandFailure(String message) {
        super(message);
    }

    public CommandFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
