package dev.runlaw.producers.gateway;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runlaw.producers.AdviceSubscriber;
import dev.runlaw.producers.AdviceSubscriber.AlertEvent;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * {@code GET /v1/runs/{run}/alerts?wait_ms=&after=}: the run's alert events (OPEN and RESOLVED, from topic
 * {@code runlaw.alerts}) newer than the cursor {@code after} (default -1: every event the gateway holds, at most
 * {@value AdviceSubscriber#MAX_ALERTS_PER_RUN}). With {@code wait_ms} a long-poll until there is at least one,
 * holding no thread while it waits. Answer, always 200: {@code {"alerts":[{"offset":o, ...Alert fields}],
 * "next":n}}; pass {@code next} as {@code after} to get only newer events (it is {@code after} again when none came).
 */
final class AlertsHandler implements RunEndpoint {
    private final AdviceSubscriber subscriber;
    private final Replies replies;
    private final JsonRecordMapper mapper;
    private final long maxWaitMs;

    AlertsHandler(AdviceSubscriber subscriber, Replies replies, JsonRecordMapper mapper, long maxWaitMs) {
        this.subscriber = subscriber;
        this.replies = replies;
        this.mapper = mapper;
        this.maxWaitMs = maxWaitMs;
    }

    @Override
    public boolean handle(String run, Request request, Response response, Callback callback) {
        PollQuery q = PollQuery.parse(request, "after", -1, maxWaitMs);
        if (q.error() != null) {
            return replies.error(response, callback, 400, "bad_parameter", q.error());
        }
        long waitMs = q.waitMs();
        long after = q.cursor();
        if (waitMs == 0) {
            return replies.send(response, callback, 200, body(subscriber.alerts(run, after), after));
        }
        CompletableFuture<List<AlertEvent>> next = subscriber.nextAlerts(run, after);
        // Long-poll without holding a thread: the response completes from the subscriber or the timer.
        next.orTimeout(waitMs, TimeUnit.MILLISECONDS).whenComplete((events, e) -> {
            if (events != null) {
                replies.send(response, callback, 200, body(events, after));
            } else if (e instanceof TimeoutException) {
                replies.send(response, callback, 200, body(List.of(), after));
            } else {
                replies.error(response, callback, 503, "alerts_unavailable", "the gateway is stopping");
            }
        });
        return true;
    }

    private ObjectNode body(List<AlertEvent> events, long after) {
        ObjectNode out = Replies.obj();
        ArrayNode list = out.putArray("alerts");
        long next = after;
        for (AlertEvent e : events) {
            list.add(json(mapper, e));
            next = Math.max(next, e.offset());
        }
        out.put("next", next);
        return out;
    }

    /** One event as JSON: the Avro record's fields plus its {@code offset}. */
    static ObjectNode json(JsonRecordMapper mapper, AlertEvent e) {
        ObjectNode o = mapper.toJson(e.alert());
        o.put("offset", e.offset());
        return o;
    }
}
