package dev.runlaw.producers.gateway;

import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Fields;

/**
 * The query of a long-poll endpoint ({@code advice}, {@code alerts}): {@code wait_ms} (0 answers at once) and the
 * endpoint's cursor, both integers, {@code wait_ms} within {@code 0..maxWaitMs}.
 *
 * @param waitMs how long the request may wait for something newer than the cursor
 * @param cursor the endpoint's cursor parameter (e.g. {@code after_seq}, {@code after})
 * @param error  why the query is refused (a 400 message), null when it is valid
 */
record PollQuery(long waitMs, long cursor, String error) {

    /** Reads {@code wait_ms} and the cursor {@code cursorName} (default {@code cursorDefault}) from the request. */
    static PollQuery parse(Request request, String cursorName, long cursorDefault, long maxWaitMs) {
        Fields q = Request.extractQueryParameters(request);
        long waitMs;
        long cursor;
        try {
            waitMs = q.getValue("wait_ms") == null ? 0 : Long.parseLong(q.getValue("wait_ms"));
            cursor = q.getValue(cursorName) == null ? cursorDefault : Long.parseLong(q.getValue(cursorName));
        } catch (NumberFormatException e) {
            return new PollQuery(0, 0, "wait_ms and " + cursorName + " must be integers");
        }
        if (waitMs < 0 || waitMs > maxWaitMs) {
            return new PollQuery(0, 0, "wait_ms must be within 0.." + maxWaitMs);
        }
        return new PollQuery(waitMs, cursor, null);
    }
}
