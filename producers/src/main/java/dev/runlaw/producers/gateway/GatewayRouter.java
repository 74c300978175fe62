package dev.runlaw.producers.gateway;

import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends each request to its endpoint handler: {@code /healthz}, {@code /readyz} and {@code /metrics} with no
 * token; everything under {@code /v1/} after the bearer-token check and the method check (POST for records, GET
 * for runs). A handler's bug costs one request (a 500), not the server.
 */
final class GatewayRouter extends Handler.Abstract {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayRouter.class);
    static final String RECORDS = "/v1/records/";
    static final String RUNS = "/v1/runs/";

    private final GatewayConfig config;
    private final Replies replies;
    private final Map<String, Endpoint> open;
    private final RecordsHandler records;
    /** Handlers under {@code /v1/runs/{run}/} by their last path segment; null when advice is disabled. */
    private final Map<String, RunEndpoint> runs;

    /**
     * @param open    the endpoints that need no token, by exact path
     * @param runs    the run endpoints by name ({@code advice}, {@code forecast}, {@code alerts},
     *                {@code batch-advice}, {@code events}), or null when the
     *                gateway serves no advice
     */
    GatewayRouter(GatewayConfig config, Replies replies, Map<String, Endpoint> open, RecordsHandler records,
                  Map<String, RunEndpoint> runs) {
        this.config = config;
        this.replies = replies;
        this.open = Map.copyOf(open);
        this.records = records;
        this.runs = runs == null ? null : Map.copyOf(runs);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        try {
            Endpoint endpoint = open.get(path);
            if (endpoint != null) {
                return endpoint.handle(request, response, callback);
            }
            if (!path.startsWith(RECORDS) && !path.startsWith(RUNS)) {
                return replies.error(response, callback, 404, "not_found", "no such endpoint: " + path);
            }
            if (!config.authDisabled()
                    && !config.tokens().acceptsHeader(request.getHeaders().get(HttpHeader.AUTHORIZATION))) {
                response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"runlaw\"");
                return replies.error(response, callback, 401, "unauthorized",
                        "missing or unknown bearer token (header Authorization: Bearer <token>)");
            }
            if (path.startsWith(RECORDS)) {
                if (!method.equals("POST")) {
                    response.getHeaders().put(HttpHeader.ALLOW, "POST");
                    return replies.error(response, callback, 405, "method_not_allowed", "use POST for " + path);
                }
                return records.handle(path.substring(RECORDS.length()), request, response, callback);
            }
            if (!method.equals("GET")) {
                response.getHeaders().put(HttpHeader.ALLOW, "GET");
                return replies.error(response, callback, 405, "method_not_allowed", "use GET for " + path);
            }
            return run(path.substring(RUNS.length()), request, response, callback);
        } catch (RuntimeException e) {
            // A bug must cost one request, not the server; the client gets a 500 it can report.
            LOG.error("gateway request {} {} failed", method, path, e);
            return replies.error(response, callback, 500, "internal_error", e.getClass().getSimpleName());
        }
    }

    /** {@code rest} is the path after {@code /v1/runs/}: {@code {run}/{what}}, the run id possibly holding '/'. */
    private boolean run(String rest, Request request, Response response, Callback callback) {
        if (runs == null) {
            return replies.error(response, callback, 404, "advice_disabled", "this gateway does not serve advice");
        }
        int slash = rest.lastIndexOf('/');
        RunEndpoint endpoint = slash <= 0 ? null : runs.get(rest.substring(slash + 1));
        if (endpoint == null) {
            return replies.error(response, callback, 404, "not_found", "use /v1/runs/{run}/advice|forecast|alerts|batch-advice|events");
        }
        return endpoint.handle(rest.substring(0, slash), request, response, callback);
    }
}
