package dev.runlaw.producers.importer;

import dev.runlaw.producers.TelemetryProducer;
import java.io.PrintStream;

/** Lets tests in other packages (cli's ImportIT) run {@link ImportRun#execute} with its kill-simulating test hook. */
public final class ImportCommandAccess {
    private ImportCommandAccess() {
    }

    /** Parses {@code args} and imports through {@code producer}, stopping after {@code stopAfterUnits} units. */
    public static int execute(String[] args, TelemetryProducer producer, PrintStream out, long stopAfterUnits) {
        ImportRun.Summary s = ImportRun.execute(ImportCommand.parse(args), producer, out, out, stopAfterUnits);
        return s.exitCode();
    }
}
