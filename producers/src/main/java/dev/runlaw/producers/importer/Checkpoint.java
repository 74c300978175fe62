package dev.runlaw.producers.importer;

import java.util.Map;

/**
 * What an import of one file has had acknowledged by Kafka: everything before {@code offset}. Written after a
 * producer flush succeeded, so a killed import resumes at {@code offset} without losing records (the records after
 * it are sent again; the ClickHouse tables' identity keys make the copies collapse).
 *
 * @param file        absolute path, for humans reading the state directory
 * @param format      the format's CLI name
 * @param runId       the run id (or source) the file was imported as; null for JSONL lines' own ids
 * @param target      the Kafka bootstrap servers and topic prefix imported into
 * @param originMs    the synthetic wall time of step 0, kept so a resumed or forced re-import yields the same times
 * @param offset      resume byte offset
 * @param units       lines or frames before {@code offset}
 * @param complete    whether the whole file was read and acknowledged
 * @param size        the file's size when {@code complete} was set (a grown file is resumed, not skipped)
 * @param records     records sent and acknowledged so far over all resumes (records re-sent after a resume
 *                    count again)
 * @param malformed   malformed units reported so far
 * @param parserState the parser's state at {@code offset}
 * @param lastSteps   largest step per run id among the acknowledged step records
 * @param headLength  bytes at the start of the file covered by {@code headCrc} (up to 4 KiB)
 * @param headCrc     CRC-32C of those bytes: a file rewritten since (same name, other content) is imported from
 *                    the start instead of resumed mid-line
 */
public record Checkpoint(String file, String format, String runId, String target, long originMs, long offset,
                         long units, boolean complete, long size, long records, long malformed,
                         Map<String, String> parserState, Map<String, Long> lastSteps, int headLength,
                         long headCrc) {
    public Checkpoint {
        parserState = parserState == null ? Map.of() : Map.copyOf(parserState);
        lastSteps = lastSteps == null ? Map.of() : Map.copyOf(lastSteps);
    }
}
