package dev.runlaw.producers.importer;

import java.util.Map;
import java.util.function.Consumer;
import org.apache.avro.specific.SpecificRecord;

/**
 * Turns the units of one file into telemetry records. One instance per file and import; not thread-safe.
 *
 * <p>Resuming: the importer checkpoints a byte offset from which a new parser, given {@link #state()} back through
 * {@link #restore}, re-creates every record not yet acknowledged. A parser that holds records back (e.g. until all
 * scalars of a step are read) says from where with {@link #pending()}.
 */
public interface RecordParser {
    /** Units at the start of every file that must be fed to {@link #header} even on a resumed read: 0 or 1. */
    default int headerUnits() {
        return 0;
    }

    /** Feeds a header unit; a malformed header makes the whole file unreadable. */
    default void header(Unit unit) throws MalformedUnitException {
    }

    /** Parses one unit and emits its records (possibly none yet, possibly records held back earlier). */
    void accept(Unit unit, Consumer<SpecificRecord> out) throws MalformedUnitException;

    /** End of the file: emits whatever is held back. */
    default void end(Consumer<SpecificRecord> out) {
    }

    /**
     * The position of the first unit whose records are not all emitted yet, or null when everything accepted so far
     * has been emitted (the resume point is then just past the last unit).
     */
    default Position pending() {
        return null;
    }

    /**
     * Problems found after their unit was accepted (a held-back record completed later and refused), to report
     * like malformed units; drained by each call.
     */
    default java.util.List<MalformedUnitException> drainDeferred() {
        return java.util.List.of();
    }

    /** Remarks for the user at the end of a file that are not errors (e.g. values filled in); printed once. */
    default java.util.List<String> notes() {
        return java.util.List.of();
    }

    /** Parser state that belongs with a checkpoint at the current resume point (small; strings only). */
    default Map<String, String> state() {
        return Map.of();
    }

    /** Restores {@link #state()} saved with the checkpoint being resumed from. */
    default void restore(Map<String, String> state) {
    }

    /**
     * A place in the file to resume from.
     *
     * @param offset      byte offset of a unit start
     * @param unitsBefore units (lines, frames) before it, so line numbers stay right after a resume
     */
    record Position(long offset, long unitsBefore) {
    }
}
