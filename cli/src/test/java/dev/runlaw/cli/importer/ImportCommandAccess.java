package dev.runlaw.cli.importer;

import dev.runlaw.producers.TelemetryProducer;
import java.io.PrintStream;

/** Lets tests in other packages run {@link ImportCommand#execute} with its kill-simulating test hook. */
public final class ImportCommandAccess {
    private ImportCommandAccess() {
    }

    /** Parses {@code args} and imports through {@code producer}, stopping after {@code stopAfterUnits} units. */
    public static int execute(String[] args, TelemetryProducer producer, PrintStream out, long stopAfterUnits) {
        ImportCommand.Summary s = ImportCommand.execute(ImportCommand.Options.parse(args), producer, out, out,
                stopAfterUnits);
        return s.exitCode();
    }
}
