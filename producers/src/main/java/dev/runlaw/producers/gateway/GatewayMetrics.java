package dev.runlaw.producers.gateway;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** The gateway's own counters, shared by its handlers and exported by {@link MetricsHandler}. */
final class GatewayMetrics {
    private final ConcurrentHashMap<String, LongAdder> responses = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> rejections = new ConcurrentHashMap<>();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong sseClients = new AtomicLong();

    void response(int status) {
        responses.computeIfAbsent(String.valueOf(status), s -> new LongAdder()).increment();
    }

    void rejection(String reason) {
        rejections.computeIfAbsent(reason, c -> new LongAdder()).increment();
    }

    void accepted(int records) {
        accepted.addAndGet(records);
    }

    long accepted() {
        return accepted.get();
    }

    void sseOpened() {
        sseClients.incrementAndGet();
    }

    void sseClosed() {
        sseClients.decrementAndGet();
    }

    long sseClients() {
        return sseClients.get();
    }

    /** Responses so far by status code, sorted. */
    Map<String, Long> responses() {
        return snapshot(responses);
    }

    /** Rejected records so far by reason, sorted. */
    Map<String, Long> rejections() {
        return snapshot(rejections);
    }

    private static Map<String, Long> snapshot(Map<String, LongAdder> m) {
        Map<String, Long> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
