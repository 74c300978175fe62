package dev.runlaw.producers.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.local.Await;
import dev.runlaw.local.EmbeddedKafka;
import dev.runlaw.schema.RecordKind;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile input against a real gateway and broker: random and truncated JSON, huge numbers, wrong types, deep
 * nesting, oversized and bomb bodies, bad tokens. Every case must get a 4xx with a JSON reason, the gateway must
 * stay healthy, and not one record may reach the main topics.
 */
@Timeout(300)
class GatewayFuzzIT {
    static final String PREFIX = "fuzz.";
    static final String TOKEN = "fuzz-token-0123456789abcdef";
    static final int MAX_BODY = 64 * 1024;
    static final int MAX_DECODED = 256 * 1024;
    static final int MAX_RECORDS = 100;
    static final String VALID = "{\"run_id\":\"fuzz\",\"step\":%d,\"wall_time_ms\":1700000000000,\"lr\":0.001,"
            + "\"loss\":3.0}";
    static EmbeddedKafka kafka;
    static Gateway gateway;
    static GatewayClient client;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.start();
        kafka.createTopics(1, Arrays.stream(RecordKind.values()).map(k -> PREFIX + k.topic()).toArray(String[]::new));
        GatewayConfig c = GatewayConfig.fromArgs(new String[] {"--bootstrap.servers", kafka.bootstrapServers(),
            "--port", "0", "--topic.prefix", PREFIX, "--advice", "false"}, Map.of(GatewayConfig.TOKENS_ENV, TOKEN))
                .withRequestLimits(MAX_BODY, MAX_DECODED, MAX_RECORDS);
        gateway = Gateway.start(c);
        client = new GatewayClient(gateway.baseUrl(), TOKEN);
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    /** One hostile request: what it is, and the request. */
    record Case(String category, HttpRequest request) {
    }

    @Test
    void everyHostileRequestGetsAClear4xxAndNothingReachesTheTopics() throws Exception {
        Random rnd = new Random(20261122L);
        Map<String, Map<Integer, Integer>> statuses = new TreeMap<>();
        int cases = 800;
        for (int i = 0; i < cases; i++) {
            Case c = next(rnd, i);
            GatewayClient.Answer a;
            try {
                a = c.request() == null ? rawOversized(40L * MAX_BODY) : client.send(c.request());
            } catch (AssertionError stale) {
                // The JDK client may reuse a pooled connection the gateway had just closed after an earlier
                // refusal ("Connection: close"); that attempt never reached the gateway, so ask once more.
                try {
                    a = client.send(c.request());
                } catch (AssertionError e) {
                    throw new AssertionError(c.category() + " #" + i + " got no answer", e);
                }
            }
            statuses.computeIfAbsent(c.category(), k -> new TreeMap<>()).merge(a.status(), 1, Integer::sum);
            assertThat(a.status()).as(c.category() + " #" + i + ": " + a.body()).isBetween(400, 499);
            assertThat(a.json().has("error") || a.json().has("errors")).as(c.category() + ": " + a.body()).isTrue();
            assertThat(a.json().path("message").asText(a.json().path("errors").toString())).isNotBlank();
        }
        // Every category was exercised and each mapped to the status it should.
        assertThat(statuses.keySet()).containsExactlyInAnyOrder("random-bytes", "truncated", "huge-number",
                "wrong-type", "deep-nesting", "oversized", "gzip-bomb", "bad-gzip", "too-many-records",
                "bad-token", "unknown-kind", "bad-encoding", "invalid-value");
        assertThat(statuses.get("oversized")).containsOnlyKeys(413);
        assertThat(statuses.get("gzip-bomb")).containsOnlyKeys(413);
        assertThat(statuses.get("too-many-records")).containsOnlyKeys(413);
        // A 10,000-character header is refused by Jetty itself before auth: 431, as JSON too.
        assertThat(statuses.get("bad-token")).containsKey(401).containsOnlyKeys(401, 431);
        // "%00" and "../" paths are refused by Jetty's URI checks (400) before routing.
        assertThat(statuses.get("unknown-kind")).containsKey(404).containsOnlyKeys(400, 404);
        assertThat(statuses.get("bad-encoding")).containsOnlyKeys(415);
        assertThat(statuses.get("deep-nesting")).containsOnlyKeys(400);

        assertThat(client.get("/healthz").status()).isEqualTo(200);
        assertThat(gateway.acceptedRecords()).isZero();
        List<String> topics = Arrays.stream(RecordKind.values()).map(k -> PREFIX + k.topic()).toList();
        assertThat(GatewayClient.countRecords(kafka, topics)).isZero();

        // The gateway still works: one valid record goes through and is the only one on the topics.
        GatewayClient.Answer ok = client.post("/v1/records/step-metrics", String.format(VALID, 1));
        assertThat(ok.status()).as(ok.body()).isEqualTo(200);
        Await.until(Duration.ofSeconds(20), "the valid record on the topics",
                () -> GatewayClient.countRecords(kafka, topics) >= 1);
        assertThat(GatewayClient.countRecords(kafka, topics)).isEqualTo(1);
    }

    private Case next(Random rnd, int i) {
        String kind = "step-metrics";
        switch (i % 13) {
            case 0 -> {
                byte[] b = new byte[rnd.nextInt(2000)];
                rnd.nextBytes(b);
                return post("random-bytes", kind, b, Map.of());
            }
            case 1 -> {
                String full = batch(1 + rnd.nextInt(5));
                return post("truncated", kind, full.substring(0, rnd.nextInt(full.length())));
            }
            case 2 -> {
                String[] huge = {"1" + "0".repeat(70), "9".repeat(30), "1e999999", "-1e400", "123456789.5e-99999"};
                String[] fields = {"step", "wall_time_ms", "lr", "loss"};
                String f = fields[rnd.nextInt(fields.length)];
                String v = huge[rnd.nextInt(huge.length)];
                // loss = -1e400 parses to -Infinity: refused as NON_FINITE_LOSS; lr tiny is fine, so make it huge.
                if (f.equals("lr") || f.equals("loss")) {
                    v = rnd.nextBoolean() ? "1e400" : "1" + "0".repeat(70);
                }
                return post("huge-number", kind, String.format(VALID, 1).replace("\"" + f + "\":", "\"" + f + "\":"
                        + v + ",\"x_" + f + "\":"));
            }
            case 3 -> {
                String[] fields = {"run_id", "step", "wall_time_ms", "lr"};
                String f = fields[rnd.nextInt(fields.length)];
                String[] wrong = f.equals("run_id") ? new String[] {"12", "true", "[]", "{}", "null"}
                        : new String[] {"\"12\"", "true", "[1]", "{\"a\":1}", "null"};
                String rec = replaceValue(String.format(VALID, 1), f, wrong[rnd.nextInt(wrong.length)]);
                return post("wrong-type", kind, rnd.nextBoolean() ? rec : "[" + rec + "]");
            }
            case 4 -> {
                int depth = 33 + rnd.nextInt(rnd.nextBoolean() ? 100 : 20_000);
                String nested = "[".repeat(depth) + "]".repeat(depth);
                return post("deep-nesting", kind, rnd.nextBoolean() ? nested
                        : String.format(VALID, 1).replace("\"run_id\":\"fuzz\"", "\"run_id\":" + nested));
            }
            case 5 -> {
                if (rnd.nextInt(4) == 0) {
                    // Far over the limit: only the head is sent (see rawOversized), the body never follows.
                    return new Case("oversized", null);
                }
                StringBuilder sb = new StringBuilder("[");
                while (sb.length() <= MAX_BODY + rnd.nextInt(2 * MAX_BODY)) {
                    sb.append(String.format(VALID, sb.length())).append(',');
                }
                sb.setLength(sb.length() - 1);
                return post("oversized", kind, sb.append(']').toString());
            }
            case 6 -> {
                // Small on the wire, huge once inflated.
                byte[] spaces = new byte[MAX_DECODED + 1 + rnd.nextInt(4 * MAX_DECODED)];
                Arrays.fill(spaces, (byte) ' ');
                return post("gzip-bomb", kind, GatewayClient.gzip(spaces), Map.of("Content-Encoding", "gzip"));
            }
            case 7 -> {
                return post("bad-gzip", kind, batch(2).getBytes(StandardCharsets.UTF_8),
                        Map.of("Content-Encoding", "gzip"));
            }
            case 8 -> {
                return post("too-many-records", kind, batch(MAX_RECORDS + 1 + rnd.nextInt(50)));
            }
            case 9 -> {
                String[] auth = {null, "Bearer ", "Bearer " + TOKEN.substring(1), "Basic " + TOKEN, TOKEN,
                    "Bearer " + TOKEN + "z", "Bearer " + "x".repeat(10_000)};
                String h = auth[rnd.nextInt(auth.length)];
                HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/records/" + kind))
                        .timeout(Duration.ofSeconds(20))
                        .POST(HttpRequest.BodyPublishers.ofString(String.format(VALID, 1)));
                if (h != null) {
                    b.header("Authorization", h);
                }
                return new Case("bad-token", b.build());
            }
            case 10 -> {
                String[] kinds = {"steps", "StepMetrics", "../step-metrics", "step-metrics/extra", "", "advice",
                    "%00"};
                return post("unknown-kind", kinds[rnd.nextInt(kinds.length)], String.format(VALID, 1));
            }
            case 11 -> {
                String[] enc = {"br", "deflate", "zstd", "gzip, br", "x-gzip2"};
                return post("bad-encoding", kind, String.format(VALID, 1).getBytes(StandardCharsets.UTF_8),
                        Map.of("Content-Encoding", enc[rnd.nextInt(enc.length)]));
            }
            default -> {
                String base = String.format(VALID, 1);
                String[] bad = {replaceValue(base, "step", "-5"), replaceValue(base, "loss", "NaN"),
                    replaceValue(base, "loss", "Infinity"), replaceValue(base, "run_id", "\"\""),
                    replaceValue(base, "lr", "-0.1"), replaceValue(base, "wall_time_ms", "-1"),
                    base.replace("}", ",\"loss_typo\":1}"), base.replace("}", ",\"step\":2}"),
                    replaceValue(base, "run_id", "\"" + "r".repeat(300) + "\""), "7",
                    "\"just a string\"", "null", base + base};
                return post("invalid-value", kind, bad[rnd.nextInt(bad.length)]);
            }
        }
    }

    /**
     * Announces a body far over the limit and sends none of it: the gateway must answer 413 from the headers alone
     * (and close), without waiting for bytes. A raw socket, because the JDK client would insist on sending.
     */
    private static GatewayClient.Answer rawOversized(long length) {
        try (java.net.Socket sock = new java.net.Socket("127.0.0.1", gateway.port())) {
            sock.setSoTimeout(20_000);
            String head = "POST /v1/records/step-metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + length + "\r\n\r\n[";
            sock.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            sock.getOutputStream().flush();
            String resp = new String(sock.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int status = Integer.parseInt(resp.substring(9, 12));
            String body = resp.substring(resp.indexOf("\r\n\r\n") + 4);
            return new GatewayClient.Answer(status, body, null);
        } catch (java.io.IOException e) {
            throw new AssertionError("raw request failed", e);
        }
    }

    private static String replaceValue(String rec, String field, String value) {
        return rec.replaceFirst("\"" + field + "\":(\"[^\"]*\"|[^,}]*)", "\"" + field + "\":"
                + java.util.regex.Matcher.quoteReplacement(value));
    }

    private static String batch(int n) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : ",").append(String.format(VALID, i));
        }
        return sb.append(']').toString();
    }

    private Case post(String category, String kind, String body) {
        return post(category, kind, body.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    private Case post(String category, String kind, byte[] body, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/records/" + kind))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        Map<String, String> h = new HashMap<>(headers);
        h.forEach(b::header);
        return new Case(category, b.build());
    }
}
