package dev.runlaw.producers.importer;

import java.nio.charset.StandardCharsets;

/**
 * One unit of an input file: a text line (CSV, JSONL) or a TFRecord frame (TensorBoard), with its place in the
 * file.
 *
 * @param number 1-based line or record number, as reported in error messages
 * @param start  byte offset of the unit's first byte
 * @param end    byte offset just past the unit (and its line terminator or frame trailer)
 * @param data   the unit's bytes, without line terminator or framing; valid up to {@code length} and only until
 *               the reader's next call (readers reuse the buffer)
 * @param length number of valid bytes in {@code data}
 */
public record Unit(long number, long start, long end, byte[] data, int length) {
    /** The bytes as UTF-8 text, without a trailing {@code \r}. */
    public String text() {
        int n = length;
        if (n > 0 && data[n - 1] == '\r') {
            n--;
        }
        return new String(data, 0, n, StandardCharsets.UTF_8);
    }
}
