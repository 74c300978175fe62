package dev.runlaw.producers.importer;

/**
 * A line or record that cannot be imported; the importer reports it as {@code file:line: reason}, skips it and
 * counts it. Checked, so every parser states where it can refuse input.
 */
public final class MalformedUnitException extends Exception {
    private final long number;

    /**
     * @param number 1-based line or record number in the file
     * @param reason what is wrong, for a human
     */
    public MalformedUnitException(long number, String reason) {
        super(reason, null, false, false);
        this.number = number;
    }

    public long number() {
        return number;
    }

    public String reason() {
        return getMessage();
    }
}
