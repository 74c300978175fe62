package dev.runlaw.producers.gateway;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * How every gateway handler answers: JSON bodies, {@code {"error":code,"message":…}} for errors,
 * {@code Retry-After} on 429/503, and each status counted in {@link GatewayMetrics}. Each method completes the
 * response and returns {@code true} (Jetty's "handled").
 */
final class Replies {
    private final GatewayMetrics metrics;
    private final int retryAfterSeconds;

    Replies(GatewayMetrics metrics, int retryAfterSeconds) {
        this.metrics = metrics;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** An error the client may retry after {@code Retry-After} (nothing of its request was queued). */
    boolean unavailable(Response response, Callback callback, int status, String code, String message) {
        response.getHeaders().put(HttpHeader.RETRY_AFTER, String.valueOf(retryAfterSeconds));
        return error(response, callback, status, code, message);
    }

    boolean error(Response response, Callback callback, int status, String code, String message) {
        return send(response, callback, status, obj().put("error", code).put("message", message));
    }

    boolean send(Response response, Callback callback, int status, ObjectNode body) {
        count(status);
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        Content.Sink.write(response, true, body.toString(), callback);
        return true;
    }

    boolean sendEmpty(Response response, Callback callback, int status) {
        count(status);
        response.setStatus(status);
        response.write(true, null, callback);
        return true;
    }

    /** Plain text (the Prometheus exposition format), status 200. */
    boolean sendText(Response response, Callback callback, String contentType, String text) {
        count(200);
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        Content.Sink.write(response, true, text, callback);
        return true;
    }

    void count(int status) {
        metrics.response(status);
    }

    static ObjectNode obj() {
        return JsonNodeFactory.instance.objectNode();
    }

    /** A client-supplied string cut to 64 characters for an error message. */
    static String clip(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "…" : s;
    }
}
