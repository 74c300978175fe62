package dev.runlaw.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runlaw.jobs.routing.RoutingConfig;
import dev.runlaw.jobs.routing.RoutingJob;
import dev.runlaw.local.Await;
import dev.runlaw.local.ProjectRoot;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.RoutingTraceBatch;
import dev.runlaw.schema.SourceKind;
import dev.runlaw.schema.TokenRoute;
import dev.runlaw.schema.codec.TelemetryCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Routing dashboard on real data: seeded traces of one source go to Kafka; the ingest job writes them to
 * {@code routing_trace} and the bounded routing job analyses them into the {@code routing_*} tables (both on Flink
 * MiniClusters, against the stack's ClickHouse 18.16); then every template variable and every panel query of
 * {@code dashboards/routing.json}, its Grafana macros expanded as the plugin expands them ({@link GrafanaSql}), must
 * run and return rows.
 */
@Timeout(300)
class RoutingDashboardIT {
    private static final String SOURCE = "dash-moe";
    private static final long T0 = 1_790_000_000_000L;

    @Test
    void everyRoutingPanelReturnsRowsForTheJobsOutput() throws Exception {
        try (LocalStack stack = LocalStack.start()) {
            stack.startIngest(stack.ingestConfig(Map.of()));
            int routes = produce(stack.kafka().bootstrapServers());
            Await.until(Duration.ofMinutes(3), routes + " rows in routing_trace", () -> Long.parseLong(
                    stack.http().queryValue("SELECT count() FROM routing_trace FINAL").trim()) == routes);

            Map<String, String> conf = new HashMap<>();
            conf.put("bootstrap.servers", stack.kafka().bootstrapServers());
            conf.put("clickhouse.url", stack.clickHouse().endpoint().url());
            conf.put("clickhouse.user", stack.clickHouse().endpoint().user());
            conf.put("clickhouse.password", stack.clickHouse().endpoint().password());
            conf.put("clickhouse.database", LocalStack.DATABASE);
            conf.put("routing.source", SOURCE);
            conf.put("routing.devices", "2");
            Configuration flink = new Configuration();
            flink.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
            RoutingJob.run(StreamExecutionEnvironment.createLocalEnvironment(2, flink), RoutingConfig.fromMap(conf));
            assertThat(stack.http().queryValue("SELECT routes FROM routing_analyses FINAL").trim())
                    .isEqualTo(Integer.toString(routes));

            long from = T0 / 1000 - 3600;
            long to = T0 / 1000 + 3600;
            Map<String, List<String>> vars = Map.of("source", List.of(SOURCE), "layer", List.of("1"));
            JsonNode dash = new ObjectMapper().readTree(ProjectRoot.find().resolve("dashboards/routing.json").toFile());
            for (JsonNode v : dash.path("templating").path("list")) {
                List<List<String>> values = stack.http().query(GrafanaSql.expand(v.path("query").asText(), from, to,
                        60, vars));
                assertThat(values).as("variable " + v.path("name").asText()).isNotEmpty();
            }
            int panels = 0;
            for (JsonNode panel : dash.path("panels")) {
                for (JsonNode target : panel.path("targets")) {
                    String sql = GrafanaSql.expand(target.path("rawSql").asText(), from, to, 60, vars);
                    assertThat(stack.http().query(sql)).as(panel.path("title").asText()).isNotEmpty();
                    panels++;
                }
            }
            assertThat(panels).isEqualTo(dash.path("panels").size()).isGreaterThanOrEqualTo(7);
            // The transition matrix of the chosen layer holds only that layer's rows: each from_expert row sums to 1.
            String matrix = dash.path("panels").get(4).path("targets").get(0).path("rawSql").asText();
            assertThat(stack.http().query("SELECT count() FROM (SELECT from_expert, sum(share) AS s FROM ("
                    + GrafanaSql.expand(matrix, from, to, 60, vars) + ") GROUP BY from_expert HAVING abs(s - 1) > 1e-9)"))
                    .containsExactly(List.of("0"));
        }
    }

    /** Two steps of 3 sequences x 8 tokens x 3 layers, top-2 of 8 experts, one batch per (step, layer). */
    private static int produce(String bootstrap) throws Exception {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        TelemetryCodec codec = new TelemetryCodec();
        SplittableRandom rnd = new SplittableRandom(3);
        int routes = 0;
        try (KafkaProducer<byte[], byte[]> producer =
                     new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int step = 0; step < 2; step++) {
                for (int layer = 0; layer < 3; layer++) {
                    List<TokenRoute> tokens = new ArrayList<>();
                    for (int q = 0; q < 3; q++) {
                        for (int pos = 0; pos < 8; pos++) {
                            int a = rnd.nextInt(8);
                            tokens.add(TokenRoute.newBuilder().setSequenceId("seq-" + q).setTokenPosition(pos)
                                    .setLayer(layer).setExpertIds(List.of(a, (a + 1 + rnd.nextInt(7)) % 8))
                                    .setGateWeights(List.of()).build());
                            routes++;
                        }
                    }
                    RoutingTraceBatch b = RoutingTraceBatch.newBuilder().setSource(SOURCE)
                            .setSourceKind(SourceKind.TRAINING).setStep(step).setWallTimeMs(T0 + step * 1000L)
                            .setTokens(tokens).build();
                    producer.send(new ProducerRecord<>(RecordKind.ROUTING_TRACE.topic(),
                            SOURCE.getBytes(StandardCharsets.UTF_8), codec.encode(b))).get();
                }
            }
        }
        return routes;
    }
}
