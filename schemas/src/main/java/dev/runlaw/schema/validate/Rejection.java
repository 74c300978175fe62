package dev.runlaw.schema.validate;

/** Why one record was refused: a stable code and a message naming the field and value. */
public record Rejection(RejectReason reason, String message) {
    public static Rejection of(RejectReason reason, String message) {
        return new Rejection(reason, message);
    }

    @Override
    public String toString() {
        return reason + ": " + message;
    }
}
