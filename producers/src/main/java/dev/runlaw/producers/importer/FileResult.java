package dev.runlaw.producers.importer;

import java.nio.file.Path;
import java.util.Map;

/**
 * What importing one file did.
 *
 * @param file        the file
 * @param runId       the run id it was imported as (null: JSONL lines name their own)
 * @param status      see {@link Status}
 * @param resumedFrom byte offset this import started at (0: from the start)
 * @param units       lines or frames read in this import
 * @param records     records sent in this import (re-sent ones after a resume included)
 * @param malformed   malformed units reported in this import
 * @param totalRecords records acknowledged over all imports of the file, per its checkpoint
 * @param originMs    synthetic wall time of step 0
 * @param lastSteps   largest step per run id over all imports of the file
 * @param message     why it failed, or null
 */
public record FileResult(Path file, String runId, Status status, long resumedFrom, long units, long records,
                         long malformed, long totalRecords, long originMs, Map<String, Long> lastSteps,
                         String message) {
    /** How an import of a file ended. */
    public enum Status {
        /** Read to the end; everything acknowledged and checkpointed. */
        IMPORTED,
        /** Already imported completely and unchanged since: nothing sent. */
        SKIPPED,
        /** Nothing importable (e.g. a CSV without the run-format header). */
        FAILED,
        /** Stopped by the test hook, as if killed: no final flush or checkpoint. */
        STOPPED
    }
}
