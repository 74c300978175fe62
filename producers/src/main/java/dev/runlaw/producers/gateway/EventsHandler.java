package dev.runlaw.producers.gateway;

import dev.runlaw.producers.AdviceSubscriber;
import dev.runlaw.schema.Advice;
import dev.runlaw.schema.RunForecast;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * {@code GET /v1/runs/{run}/events}: server-sent events {@code advice}, {@code forecast}, {@code alert} and
 * {@code batch_advice}. The run's latest advice and forecast at once, then every newer one and every new alert or
 * batch advice event (with its {@code offset}, the cursor of {@code /alerts} and {@code /batch-advice}), and a comment line every {@value #KEEPALIVE_MS} ms so proxies and
 * idle timeouts keep the stream open.
 */
final class EventsHandler implements RunEndpoint {
    static final long KEEPALIVE_MS = 10_000;

    private final AdviceSubscriber advice;
    private final JsonRecordMapper mapper;
    private final GatewayMetrics metrics;
    private final Supplier<Scheduler> scheduler;

    EventsHandler(AdviceSubscriber advice, JsonRecordMapper mapper, GatewayMetrics metrics,
                  Supplier<Scheduler> scheduler) {
        this.advice = advice;
        this.mapper = mapper;
        this.metrics = metrics;
        this.scheduler = scheduler;
    }

    @Override
    public boolean handle(String run, Request request, Response response, Callback callback) {
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
        SseStream stream = new SseStream(response, callback);
        AutoCloseable registration = advice.addListener(new AdviceSubscriber.Listener() {
            @Override
            public void onAdvice(Advice a) {
                if (a.getRunId().equals(run)) {
                    stream.event("advice", mapper.toJson(a).toString());
                }
            }

            @Override
            public void onForecast(RunForecast f) {
                if (f.getRunId().equals(run)) {
                    stream.event("forecast", mapper.toJson(f).toString());
                }
            }

            @Override
            public void onAlert(AdviceSubscriber.AlertEvent e) {
                if (e.alert().getRunId().equals(run)) {
                    stream.event("alert", RunEventsHandler.json(mapper, e).toString());
                }
            }

            @Override
            public void onBatchAdvice(AdviceSubscriber.BatchAdviceEvent e) {
                if (e.key().equals(run)) {
                    stream.event("batch_advice", RunEventsHandler.json(mapper, e).toString());
                }
            }
        });
        metrics.sseOpened();
        Scheduler scheduler = this.scheduler.get();
        Runnable[] keepAlive = new Runnable[1];
        keepAlive[0] = () -> {
            if (stream.comment("keep-alive")) {
                scheduler.schedule(keepAlive[0], KEEPALIVE_MS, TimeUnit.MILLISECONDS);
            }
        };
        stream.onEnd = () -> {
            metrics.sseClosed();
            try {
                registration.close();
            } catch (Exception ignored) {
                // removing a listener cannot fail
            }
        };
        advice.latestForecast(run).ifPresent(f -> stream.event("forecast", mapper.toJson(f).toString()));
        advice.latestAdvice(run).ifPresent(a -> stream.event("advice", mapper.toJson(a).toString()));
        stream.comment("subscribed to " + run);
        scheduler.schedule(keepAlive[0], KEEPALIVE_MS, TimeUnit.MILLISECONDS);
        return true;
    }

    /**
     * One SSE response: a queue of frames written one at a time (Jetty allows one pending write per response);
     * ends on the first failed write.
     */
    private static final class SseStream {
        private final Response response;
        private final Callback done;
        private final ArrayDeque<String> frames = new ArrayDeque<>();
        private boolean writing;
        private boolean ended;
        Runnable onEnd = () -> { };

        SseStream(Response response, Callback done) {
            this.response = response;
            this.done = done;
        }

        void event(String name, String data) {
            offer("event: " + name + "\ndata: " + data + "\n\n");
        }

        boolean comment(String text) {
            return offer(": " + text + "\n\n");
        }

        private boolean offer(String frame) {
            String next;
            synchronized (this) {
                if (ended) {
                    return false;
                }
                if (frames.size() > 1000) {
                    return true; // a client this slow gets the newest state at the next event; do not grow
                }
                frames.add(frame);
                if (writing) {
                    return true;
                }
                writing = true;
                next = frames.poll();
            }
            write(next);
            return true;
        }

        private void write(String frame) {
            response.write(false, ByteBuffer.wrap(frame.getBytes(StandardCharsets.UTF_8)), new Callback() {
                @Override
                public void succeeded() {
                    String next;
                    synchronized (SseStream.this) {
                        next = frames.poll();
                        if (next == null) {
                            writing = false;
                            return;
                        }
                    }
                    write(next);
                }

                @Override
                public void failed(Throwable x) {
                    synchronized (SseStream.this) {
                        if (ended) {
                            return;
                        }
                        ended = true;
                        frames.clear();
                    }
                    onEnd.run();
                    done.failed(x);
                }
            });
        }
    }
}
