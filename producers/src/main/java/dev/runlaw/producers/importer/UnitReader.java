package dev.runlaw.producers.importer;

import java.io.Closeable;
import java.io.IOException;

/** Reads a file unit by unit (lines or frames), from a given byte offset, in constant memory. */
public interface UnitReader extends Closeable {
    /**
     * The next unit, or null at the end of the file. A unit too long or too broken to read is returned as a
     * {@link MalformedUnitException} thrown from here, after which reading continues with the next unit when the
     * format allows it.
     */
    Unit next() throws IOException, MalformedUnitException;

    /** Byte offset just past the last unit returned or skipped. */
    long position();

    /** Units returned or skipped so far, counting those before the start offset. */
    long units();

    /** Whether a malformed unit left the reader unable to continue (the rest of the file is skipped). */
    default boolean lostSync() {
        return false;
    }
}
