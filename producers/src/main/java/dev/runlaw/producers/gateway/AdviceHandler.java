package dev.runlaw.producers.gateway;

import dev.runlaw.producers.AdviceSubscriber;
import dev.runlaw.schema.Advice;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

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
        PollQuery q = PollQuery.parse(request, "after_seq", 0, maxWaitMs);
        if (q.error() != null) {
            return replies.error(response, callback, 400, "bad_parameter", q.error());
        }
        if (q.cursor() < Integer.MIN_VALUE || q.cursor() > Integer.MAX_VALUE) {
            return replies.error(response, callback, 400, "bad_parameter", "after_seq must be an int");
        }
        long waitMs = q.waitMs();
        int afterSeq = (int) q.cursor();
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
