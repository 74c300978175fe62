package dev.runlaw.math.data;

/** A run-format file is malformed; the message names the source and the 1-based line. */
public final class RunFormatException extends IllegalArgumentException {
    private final String source;
    private final int line;

    public RunFormatException(String source, int line, String problem) {
        super(source + ":" + line + ": " + problem);
        this.source = source;
        this.line = line;
    }

    public String source() {
        return source;
    }

    public int line() {
        return line;
    }
}
