package dev.runlaw.schema.codec;

/** Bytes could not be turned into a telemetry record; {@link #kind()} says why in a stable form. */
public final class DecodeException extends Exception {
    /** Why decoding failed. */
    public enum Kind {
        /** Empty, not single-object encoded, truncated or corrupt. */
        UNDECODABLE,
        /** Single-object encoded, but the writer schema's fingerprint is not a released version. */
        UNKNOWN_SCHEMA
    }

    private final Kind kind;

    public DecodeException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
