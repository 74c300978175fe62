/**
 * The HTTP gateway: telemetry as JSON from trainers that are not on the JVM, validated with the ingest job's rules,
 * encoded to Avro and produced to Kafka; advice and forecasts back. Entry point {@link
 * dev.runlaw.producers.gateway.Gateway}; configuration {@link dev.runlaw.producers.gateway.GatewayConfig}; command
 * line {@link dev.runlaw.producers.gateway.GatewayCommand}; one handler class per endpoint, routed by
 * {@link dev.runlaw.producers.gateway.GatewayRouter}.
 */
package dev.runlaw.producers.gateway;
