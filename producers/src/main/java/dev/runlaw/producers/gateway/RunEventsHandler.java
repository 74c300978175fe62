package dev.runlaw.producers.gateway;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runlaw.producers.AdviceSubscriber;
import dev.runlaw.producers.AdviceSubscriber.AlertEvent;
import dev.runlaw.producers.AdviceSubscriber.BatchAdviceEvent;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import java.util.function.ToLongFunction;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * A run's offset-numbered event log as a long-poll endpoint, {@code GET /v1/runs/{run}/<name>?wait_ms=&after=}:
 * the events newer than the cursor {@code after} (default -1: every event the gateway holds). With {@code wait_ms}
 * a long-poll until there is at least one, holding no thread while it waits. Answer, always 200:
 * {@code {"<field>":[{"offset":o, ...record fields}], "next":n}}; pass {@code next} as {@code after} to get only
 * newer events (it is {@code after} again when none came). Two instances:
 * <ul>
 *   <li>{@link #alerts}: {@code /alerts}, field {@code alerts}, the alert job's OPEN and RESOLVED events (topic
 *       {@code runlaw.alerts}, at most {@value AdviceSubscriber#MAX_ALERTS_PER_RUN} per run);</li>
 *   <li>{@link #batchAdvice}: {@code /batch-advice}, field {@code batch_advice}, the batch-size job's advice (topic
 *       {@code runlaw.batch-advice}, at most {@value AdviceSubscriber#MAX_BATCH_ADVICE_PER_RUN} per run; a family
 *       id in place of the run id gives the family's scope-FAMILY advice).</li>
 * </ul>
 *
 * @param <E> the subscriber's event type
 */
final class RunEventsHandler<E> implements RunEndpoint {
    /** A subscriber method taking a run and a cursor ({@code alerts}, {@code nextAlerts}, ...). */
    @FunctionalInterface
    private interface Lookup<T> {
        T apply(String run, long after);
    }

    private final String field;
    private final Lookup<List<E>> held;
    private final Lookup<CompletableFuture<List<E>>> next;
    private final ToLongFunction<E> offset;
    private final BiFunction<JsonRecordMapper, E, ObjectNode> json;
    private final Replies replies;
    private final JsonRecordMapper mapper;
    private final long maxWaitMs;

    private RunEventsHandler(String field, Lookup<List<E>> held, Lookup<CompletableFuture<List<E>>> next,
                             ToLongFunction<E> offset, BiFunction<JsonRecordMapper, E, ObjectNode> json,
                             Replies replies, JsonRecordMapper mapper, long maxWaitMs) {
        this.field = field;
        this.held = held;
        this.next = next;
        this.offset = offset;
        this.json = json;
        this.replies = replies;
        this.mapper = mapper;
        this.maxWaitMs = maxWaitMs;
    }

    /** {@code /alerts}: the run's alert events. */
    static RunEventsHandler<AlertEvent> alerts(AdviceSubscriber s, Replies replies, JsonRecordMapper mapper,
                                               long maxWaitMs) {
        return new RunEventsHandler<>("alerts", s::alerts, s::nextAlerts, AlertEvent::offset,
                RunEventsHandler::json, replies, mapper, maxWaitMs);
    }

    /** {@code /batch-advice}: the run's (or family's) batch-size advice. */
    static RunEventsHandler<BatchAdviceEvent> batchAdvice(AdviceSubscriber s, Replies replies,
                                                          JsonRecordMapper mapper, long maxWaitMs) {
        return new RunEventsHandler<>("batch_advice", s::batchAdvice, s::nextBatchAdvice, BatchAdviceEvent::offset,
                RunEventsHandler::json, replies, mapper, maxWaitMs);
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
            return replies.send(response, callback, 200, body(held.apply(run, after), after));
        }
        // Long-poll without holding a thread: the response completes from the subscriber or the timer.
        next.apply(run, after).orTimeout(waitMs, TimeUnit.MILLISECONDS).whenComplete((events, e) -> {
            if (events != null) {
                replies.send(response, callback, 200, body(events, after));
            } else if (e instanceof TimeoutException) {
                replies.send(response, callback, 200, body(List.of(), after));
            } else {
                replies.error(response, callback, 503, field + "_unavailable", "the gateway is stopping");
            }
        });
        return true;
    }

    private ObjectNode body(List<E> events, long after) {
        ObjectNode out = Replies.obj();
        ArrayNode list = out.putArray(field);
        long last = after;
        for (E e : events) {
            list.add(json.apply(mapper, e));
            last = Math.max(last, offset.applyAsLong(e));
        }
        out.put("next", last);
        return out;
    }

    /** An alert event as JSON: the Avro record's fields plus its {@code offset}. */
    static ObjectNode json(JsonRecordMapper mapper, AlertEvent e) {
        ObjectNode o = mapper.toJson(e.alert());
        o.put("offset", e.offset());
        return o;
    }

    /** A batch advice event as JSON: the Avro record's fields plus its {@code offset}. */
    static ObjectNode json(JsonRecordMapper mapper, BatchAdviceEvent e) {
        ObjectNode o = mapper.toJson(e.advice());
        o.put("offset", e.offset());
        return o;
    }
}
