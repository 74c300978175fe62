package dev.runlaw.producers.gateway;

import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** One gateway endpoint: answers a request the {@link GatewayRouter} has routed, authenticated and method-checked. */
@FunctionalInterface
interface Endpoint {
    /** Completes (now or later) {@code callback}; returns {@code true} as Jetty's {@code Handler.handle} does. */
    boolean handle(Request request, Response response, Callback callback);
}
