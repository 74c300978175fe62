package dev.runlaw.producers.gateway;

import dev.runlaw.producers.AdviceSubscriber;
import dev.runlaw.schema.Advice;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * {@code GET /v1/runs/{run}/advice?wait_ms=&after_seq=}: the run's latest advice (204 when none); with
 * {@code wait_ms} a long-poll until advice with {@code seq > after_seq} exists, holding no thread while it waits.
 */
final class AdviceHandler implements RunEndpoint {
    private final AdviceSubscriber advice;
    private final Replies replies;
    private final JsonRecordMapper mapper;
    private final long maxWaitMs;

    AdviceHandler(AdviceSubscriber advice, Replies replies, JsonRecordMapper mapper, long maxWaitMs) {
        this.advice = advice;
        this.replies = replies;
        this.mapper = mapper;
        this.maxWaitMs = maxWaitMs;
    }

    @Override
    public boolean handle(String run, Request request, Response response, Callback callback) {
        Fields q = Request.extractQueryParameters(request);
        long waitMs;
        int afterSeq;
        try {
            waitMs = Long.parseLong(q.getValue("wait_ms") == null ? "0" : q.getValue("wait_ms"));
            afterSeq = Integer.parseInt(q.getValue("after_seq") == null ? "0" : q.getValue("after_seq"));
        } catch (NumberFormatException e) {
            return replies.error(response, callback, 400, "bad_parameter", "wait_ms and after_seq must be integers");
        }
        if (waitMs < 0 || waitMs > maxWaitMs) {
            return replies.error(response, callback, 400, "bad_parameter", "wait_ms must be within 0.." + maxWaitMs);
        }
        CompletableFuture<Advice> next = advice.nextAdvice(run, afterSeq);
        if (waitMs == 0 || next.isDone()) {
            Advice a = next.getNow(null);
            next.cancel(false);
            return a == null ? replies.sendEmpty(response, callback, 204)
                    : replies.send(response, callback, 200, mapper.toJson(a));
        }
        // Long-poll without holding a thread: the response completes from the subscriber or the timer.
        next.orTimeout(waitMs, TimeUnit.MILLISECONDS).whenComplete((a, e) -> {
            if (a != null) {
                replies.send(response, callback, 200, mapper.toJson(a));
            } else if (e instanceof TimeoutException) {
                replies.sendEmpty(response, callback, 204);
            } else {
                replies.error(response, callback, 503, "advice_unavailable", "the gateway is stopping");
            }
        });
        return true;
    }
}
