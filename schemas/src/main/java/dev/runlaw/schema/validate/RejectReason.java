package dev.runlaw.schema.validate;

/**
 * Stable, machine-readable reasons a record is refused. They appear in dead letters ({@code reason_code}), in
 * metrics and in gateway answers; never rename or reorder one (dead letters carry the name as a string, so a new
 * constant needs no schema change).
 */
public enum RejectReason {
    /** Empty, not single-object encoded, truncated or corrupt bytes. */
    UNDECODABLE,
    /** Writer schema fingerprint is not a released version. */
    UNKNOWN_SCHEMA,
    /** Record read from a topic the job does not know. */
    UNKNOWN_TOPIC,
    /** run_id (or source) is missing or blank. */
    MISSING_RUN_ID,
    /** A string is longer than its limit. */
    FIELD_TOO_LONG,
    /** step is negative (or below -1 where -1 means "no step"). */
    NEGATIVE_STEP,
    /** A loss is NaN or infinite. */
    NON_FINITE_LOSS,
    /** Another floating-point value is NaN or infinite. */
    NON_FINITE_VALUE,
    /** A value is outside its allowed range (negative count, time before 1970 or after 2105, ...). */
    OUT_OF_RANGE,
    /** An array or map is longer than its configured limit (experts, tokens, top-k, LR steps, tags). */
    OVER_LIMIT,
    /** Fields contradict each other (e.g. gate weights not matching expert ids). */
    INCONSISTENT,
    /**
     * An identifier (run id, family id, source, sequence id, eval set) holds a character outside
     * {@link RecordValidator#ID_CHARACTERS}. Added after the first release: appended, never reordered.
     */
    INVALID_ID
}
