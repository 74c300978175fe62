package dev.runlaw.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.local.SqlFiles;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Docker does not run on the build machines, so the production compose file is checked structurally: it parses,
 * every service pins its image tag and has a healthcheck, every mounted host path exists, and the job jar it
 * submits is the one the build produces.
 */
class DockerComposeTest {
    private static Path root;
    private static Map<String, Map<String, Object>> services;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void load() throws IOException {
        root = SqlFiles.findProjectRoot();
        try (Reader r = Files.newBufferedReader(root.resolve("docker-compose.yml"))) {
            Map<String, Object> doc = new Yaml().load(r);
            services = (Map<String, Map<String, Object>>) doc.get("services");
        }
    }

    @Test
    void hasTheWholeStack() {
        assertThat(services).containsKeys("kafka", "clickhouse", "jobmanager", "taskmanager", "ingest-job", "forecast-job",
                "gateway", "grafana");
    }

    @Test
    void everyServicePinsItsImageTag() {
        Pattern pinned = Pattern.compile("^[a-z0-9./-]+:[0-9][A-Za-z0-9._-]*$");
        services.forEach((name, svc) -> {
            String image = (String) svc.get("image");
            assertThat(image).as(name + " image").isNotNull();
            assertThat(image).as(name + " image tag").matches(pinned).doesNotEndWith(":latest");
        });
        assertThat(services.get("jobmanager").get("image")).isEqualTo("flink:2.2.1-java17");
    }

    @Test
    void everyServiceHasAHealthcheck() {
        services.forEach((name, svc) -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> hc = (Map<String, Object>) svc.get("healthcheck");
            assertThat(hc).as(name + " healthcheck").isNotNull().containsKey("test");
        });
    }

    @Test
    void everyMountedHostPathExists() {
        services.forEach((name, svc) -> {
            @SuppressWarnings("unchecked")
            List<String> volumes = (List<String>) svc.getOrDefault("volumes", List.of());
            for (String v : volumes) {
                String host = v.split(":")[0];
                if (host.startsWith("./")) {
                    assertThat(root.resolve(host)).as(name + " mounts " + host).exists();
                }
            }
        });
    }

    @Test
    void submitsTheJobJarTheBuildProduces() {
        for (String job : List.of("ingest-job", "forecast-job")) {
            Object entry = services.get(job).get("entrypoint");
            Matcher m = Pattern.compile("/runlaw/jobs/(\\S+\\.jar)").matcher(String.valueOf(entry));
            assertThat(m.find()).as(job + " runs a jar from /runlaw/jobs").isTrue();
            assertThat(root.resolve("jobs/flink/target").resolve(m.group(1))).exists();
        }
        // The forecast job is the same jar with its own main class, which must exist.
        Matcher main = Pattern.compile("-c (\\S+)").matcher(String.valueOf(services.get("forecast-job").get("entrypoint")));
        assertThat(main.find()).isTrue();
        assertThat(root.resolve("jobs/flink/src/main/java/" + main.group(1).replace('.', '/') + ".java")).exists();
    }

    @Test
    @SuppressWarnings("unchecked")
    void gatewayRunsTheSlimAppJarWithAMountedTokenFile() throws IOException {
        Map<String, Object> gw = services.get("gateway");
        assertThat((String) gw.get("image")).startsWith("eclipse-temurin:17");
        List<String> volumes = (List<String>) gw.get("volumes");
        assertThat(volumes).contains("./producers/target:/runlaw/app:ro", "./deploy/gateway:/etc/runlaw/gateway");
        String script = Files.readString(root.resolve("deploy/gateway.sh"));
        // The jar the build produces (ProducersAppJarIT checks it holds no broker, Flink, RocksDB or JMH).
        Matcher jar = Pattern.compile("-jar /runlaw/app/(\\S+\\.jar) gateway").matcher(script);
        assertThat(jar.find()).as("gateway.sh runs the app jar").isTrue();
        assertThat(root.resolve("producers/target").resolve(jar.group(1))).exists();
        assertThat(script).contains("--token-file \"$TOKENS\"", "TOKENS=/etc/runlaw/gateway/tokens",
                "--bootstrap.servers", "--host 0.0.0.0");
        assertThat(Files.readString(root.resolve("deploy/gateway/.gitignore"))).contains("tokens");
        assertThat((Map<String, Object>) gw.get("depends_on")).containsKey("kafka-topics");
    }

    @Test
    void topicScriptCreatesTheForecastJobsTopicsWithReferencesCompacted() throws IOException {
        String script = Files.readString(root.resolve("deploy/kafka-topics.sh"));
        assertThat(script).contains(dev.runlaw.jobs.forecast.ForecastConfig.FORECASTS_TOPIC,
                dev.runlaw.jobs.forecast.ForecastConfig.ADVICE_TOPIC);
        assertThat(script).containsPattern(java.util.regex.Pattern.quote(
                dev.runlaw.jobs.forecast.ForecastConfig.REFERENCES_TOPIC) + "[^\\n]*\\\\\\n[^\\n]*cleanup.policy=compact");
    }

    @Test
    void clickHouseInitAppliesTheProjectSqlFiles() throws IOException {
        @SuppressWarnings("unchecked")
        List<String> volumes = (List<String>) services.get("clickhouse").get("volumes");
        assertThat(volumes).anyMatch(v -> v.startsWith("./sql:"));
        assertThat(Files.readString(root.resolve("deploy/clickhouse-init.sh"))).contains("/runlaw/sql/");
    }
}
