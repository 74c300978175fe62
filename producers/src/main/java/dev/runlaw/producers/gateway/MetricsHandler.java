package dev.runlaw.producers.gateway;

import dev.runlaw.producers.AdviceSubscriber;
import dev.runlaw.producers.TelemetryProducer;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** {@code GET /metrics}: the gateway's counters in the Prometheus text format. No token needed. */
final class MetricsHandler implements Endpoint {
    private final Replies replies;
    private final GatewayMetrics metrics;
    private final TelemetryProducer producer;
    private final AdviceSubscriber advice;

    /** @param advice null when the gateway serves no advice */
    MetricsHandler(Replies replies, GatewayMetrics metrics, TelemetryProducer producer, AdviceSubscriber advice) {
        this.replies = replies;
        this.metrics = metrics;
        this.producer = producer;
        this.advice = advice;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        StringBuilder b = new StringBuilder(2048);
        TelemetryProducer.Counters c = producer.counters();
        b.append("# TYPE runlaw_gateway_responses_total counter\n");
        metrics.responses().forEach((code, n) ->
                b.append("runlaw_gateway_responses_total{code=\"").append(code).append("\"} ").append(n)
                        .append('\n'));
        b.append("# TYPE runlaw_gateway_records_accepted_total counter\n")
                .append("runlaw_gateway_records_accepted_total ").append(metrics.accepted()).append('\n');
        b.append("# TYPE runlaw_gateway_records_rejected_total counter\n");
        metrics.rejections().forEach((reason, n) ->
                b.append("runlaw_gateway_records_rejected_total{reason=\"").append(reason).append("\"} ")
                        .append(n).append('\n'));
        b.append("# TYPE runlaw_gateway_kafka_acked_total counter\n")
                .append("runlaw_gateway_kafka_acked_total ").append(c.acked()).append('\n');
        b.append("# TYPE runlaw_gateway_kafka_failed_total counter\n")
                .append("runlaw_gateway_kafka_failed_total ").append(c.failed()).append('\n');
        b.append("# TYPE runlaw_gateway_in_flight_bytes gauge\n")
                .append("runlaw_gateway_in_flight_bytes ").append(producer.inFlightBytes()).append('\n');
        b.append("# TYPE runlaw_gateway_kafka_stalled_seconds gauge\n")
                .append("runlaw_gateway_kafka_stalled_seconds ")
                .append(producer.stalledFor().toMillis() / 1000.0).append('\n');
        b.append("# TYPE runlaw_gateway_sse_clients gauge\n")
                .append("runlaw_gateway_sse_clients ").append(metrics.sseClients()).append('\n');
        if (advice != null) {
            b.append("# TYPE runlaw_gateway_advice_runs gauge\n")
                    .append("runlaw_gateway_advice_runs ").append(advice.runsWithAdvice()).append('\n');
        }
        return replies.sendText(response, callback, "text/plain; version=0.0.4; charset=utf-8", b.toString());
    }
}
