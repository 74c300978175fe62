package dev.runlaw.producers.gateway;

import dev.runlaw.producers.AdviceSubscriber;
import dev.runlaw.schema.RunForecast;
import java.util.Optional;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** {@code GET /v1/runs/{run}/forecast}: the run's latest forecast, 404 {@code no_forecast} when none came yet. */
final class ForecastHandler implements RunEndpoint {
    private final AdviceSubscriber advice;
    private final Replies replies;
    private final JsonRecordMapper mapper;

    ForecastHandler(AdviceSubscriber advice, Replies replies, JsonRecordMapper mapper) {
        this.advice = advice;
        this.replies = replies;
        this.mapper = mapper;
    }

    @Override
    public boolean handle(String run, Request request, Response response, Callback callback) {
        Optional<RunForecast> f = advice.latestForecast(run);
        return f.isPresent() ? replies.send(response, callback, 200, mapper.toJson(f.get()))
                : replies.error(response, callback, 404, "no_forecast",
                        "no forecast for run '" + Replies.clip(run) + "' yet");
    }
}
