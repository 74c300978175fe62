package dev.runlaw.producers.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.local.EmbeddedKafka;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.codec.TelemetryCodec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The slim production artifact {@code target/runlaw-producers-app.jar} (built in the package phase, before this IT):
 * it holds no Kafka broker, Flink, RocksDB or JMH, and on its own ({@code java -jar}, nothing else on the
 * classpath) runs {@code gateway} and {@code import} against a real broker.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ProducersAppJarIT {
    private static final Path JAR = Path.of("target/runlaw-producers-app.jar"); // surefire/failsafe run in the module
    private static final String TOKEN = "app-jar-it-token-0123456789abcdef";
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.start();
        kafka.createTopics(1, java.util.Arrays.stream(RecordKind.values()).map(RecordKind::topic).toArray(String[]::new));
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void holdsNoBrokerFlinkRocksDbOrJmh() throws IOException {
        assertThat(JAR).as("built by mvn package").isRegularFile();
        Set<String> artifacts = new TreeSet<>();
        List<String> entries = new ArrayList<>();
        Pattern pom = Pattern.compile("META-INF/maven/([^/]+)/([^/]+)/pom\\.properties");
        try (JarFile jar = new JarFile(JAR.toFile())) {
            jar.stream().forEach(e -> {
                entries.add(e.getName());
                Matcher m = pom.matcher(e.getName());
                if (m.matches()) {
                    artifacts.add(m.group(1) + ":" + m.group(2));
                }
            });
            assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class"))
                    .isEqualTo(ProducersApp.class.getName());
        }
        // The dependency list, as the Maven-built jars recorded it (Kafka's and picocli's are Gradle-built: their
        // classes are checked below): from Kafka only the client.
        assertThat(artifacts).contains("dev.runlaw:runlaw-producers", "org.eclipse.jetty:jetty-server",
                "org.apache.logging.log4j:log4j-core");
        assertThat(artifacts).noneMatch(a -> a.startsWith("org.apache.kafka:") && !a.endsWith(":kafka-clients")
                || a.startsWith("org.apache.flink:") || a.startsWith("org.rocksdb:")
                || a.startsWith("org.openjdk.jmh:") || a.startsWith("org.scala-lang:"));
        assertThat(entries).contains("org/apache/kafka/clients/producer/KafkaProducer.class",
                "picocli/CommandLine.class");
        // And the classes, for jars that carry no pom.properties.
        assertThat(entries).noneMatch(e -> e.startsWith("org/apache/flink/") || e.startsWith("org/rocksdb/")
                || e.startsWith("org/openjdk/jmh/") || e.startsWith("scala/")
                || e.startsWith("kafka/") && e.endsWith(".class"));
        // kafka-clients' own org.apache.kafka packages (shaded: its protobuf and OpenTelemetry); the broker's (server,
        // raft, metadata, storage, ...) are others.
        Pattern client = Pattern.compile("org/apache/kafka/(clients|common|shaded|server/(authorizer|policy|quota|telemetry))/.*");
        assertThat(entries).filteredOn(e -> e.startsWith("org/apache/kafka/") && e.endsWith(".class"))
                .isNotEmpty()
                .allMatch(e -> client.matcher(e).matches());
        assertThat(entries).doesNotContain("kafka/server/KafkaRaftServer.class",
                "org/apache/kafka/server/ActionQueue.class", "org/apache/kafka/raft/KafkaRaftClient.class");
        assertThat(entries).contains("log4j2.xml", "dev/runlaw/producers/gateway/Gateway.class",
                "dev/runlaw/producers/importer/ImportCommand.class");
    }

    @Test
    void helpAndUsageErrorsUseTheSharedExitCodes() throws Exception {
        Result help = java("--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("Usage: runlaw", "gateway", "import");
        Result gatewayHelp = java("gateway", "--help");
        assertThat(gatewayHelp.code()).isZero();
        assertThat(gatewayHelp.out()).contains("--bootstrap.servers", "--token-file", "--limits.max-top-k");
        Result bad = java("import", "csv", "--bootstrap", "127.0.0.1:1");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.out()).contains("runlaw import csv: Missing required parameter", "Usage: runlaw import csv");
    }

    @Test
    void gatewayFromTheJarAcceptsARecordIntoKafka(@TempDir Path dir) throws Exception {
        Path tokens = dir.resolve("tokens");
        Files.writeString(tokens, "# as docker-compose mounts it\n" + TOKEN + "\n");
        Process p = new ProcessBuilder(javaExe(), "-jar", JAR.toString(), "gateway", "--bootstrap.servers",
                kafka.bootstrapServers(), "--port", "0", "--token-file", tokens.toString(), "--advice", "false")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            String url = null;
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("runlaw gateway listening on ")) {
                    url = line.substring("runlaw gateway listening on ".length()).trim();
                    break;
                }
            }
            assertThat(url).as("the gateway's start line").isNotNull();
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url
                            + "/v1/records/step-metrics"))
                    .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"run_id\":\"jar-run\",\"step\":7,\"wall_time_ms\":1760000000000,\"lr\":0.0003,"
                                    + "\"loss\":2.5}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).contains("\"accepted\":1");
            StepMetrics m = (StepMetrics) new TelemetryCodec().decode(RecordKind.STEP_METRICS,
                    readOne(RecordKind.STEP_METRICS.topic(), "jar-run"));
            assertThat(m.getStep()).isEqualTo(7);
            assertThat(m.getLoss()).isEqualTo(2.5);
        } finally {
            p.destroy(); // SIGTERM: the shutdown hook flushes and stops
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("gateway stops on SIGTERM").isTrue();
        }
    }

    @Test
    void importFromTheJarSendsACsvRun(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("jar-import.csv");
        Files.writeString(csv, "step,lr,loss\n1,0.001,3.0\n2,0.001,2.9\n");
        Result r = java("import", "csv", "--bootstrap", kafka.bootstrapServers(), "--no-progress", "--state-dir",
                dir.resolve("state").toString(), csv.toString());
        assertThat(r.code()).as(r.out()).isZero();
        assertThat(r.out()).contains("2 records sent");
        StepMetrics m = (StepMetrics) new TelemetryCodec().decode(RecordKind.STEP_METRICS,
                readOne(RecordKind.STEP_METRICS.topic(), "jar-import"));
        assertThat(m.getRunId()).isEqualTo("jar-import");
    }

    private record Result(int code, String out) {
    }

    /** Runs the jar alone with {@code args}; stdout and stderr together. */
    private static Result java(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(javaExe(), "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out);
    }

    private static String javaExe() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The value of the first record on {@code topic} keyed {@code key}, waiting up to 30 s for it. */
    private static byte[] readOne(String topic, String key) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "app-jar-it-" + System.nanoTime());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                for (var r : c.poll(Duration.ofMillis(200))) {
                    if (key.equals(new String(r.key(), StandardCharsets.UTF_8))) {
                        return r.value();
                    }
                }
            }
        }
        throw new AssertionError("no record keyed " + key + " on " + topic + " within 30 s");
    }
}
