package dev.runlaw.producers.gateway;

import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** An endpoint under {@code /v1/runs/{run}/…}: gets the run id the router took from the path. */
@FunctionalInterface
interface RunEndpoint {
    /** As {@link Endpoint#handle}, for the run {@code run}. */
    boolean handle(String run, Request request, Response response, Callback callback);
}
