package dev.runlaw.producers.gateway;

import dev.runlaw.producers.TelemetryProducer;
import java.time.Duration;

/** {@code /healthz} and {@code /readyz}: liveness, and readiness (503 while Kafka is stalled). No token needed. */
final class HealthHandlers {
    private HealthHandlers() {
    }

    /** {@code /healthz}: the process answers. */
    static Endpoint liveness(Replies replies) {
        return (request, response, callback) -> replies.send(response, callback, 200,
                Replies.obj().put("status", "up"));
    }

    /** {@code /readyz}: 503 {@code kafka_unavailable} while Kafka has acknowledged nothing for kafka-stall-ms. */
    static Endpoint readiness(Replies replies, TelemetryProducer producer, long kafkaStallMs) {
        return (request, response, callback) -> {
            Duration stalled = producer.stalledFor();
            if (stalled.toMillis() > kafkaStallMs) {
                return replies.send(response, callback, 503, Replies.obj().put("status", "kafka_unavailable")
                        .put("stalled_ms", stalled.toMillis()));
            }
            return replies.send(response, callback, 200, Replies.obj().put("status", "ready"));
        };
    }
}
