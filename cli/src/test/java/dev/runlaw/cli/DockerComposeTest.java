package dev.runlaw.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.local.ProjectRoot;
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
        root = ProjectRoot.find();
        try (Reader r = Files.newBufferedReader(root.resolve("docker-compose.yml"))) {
            Map<String, Object> doc = new Yaml().load(r);
            services = (Map<String, Map<String, Object>>) doc.get("services");
        }
    }

    @Test
    void hasTheWholeStack() {
        assertThat(services).containsKeys("kafka", "clickhouse", "jobmanager", "taskmanager", "ingest-job", "forecast-job",
                "alert-job", "gateway", "grafana");
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
    @SuppressWarnings("unchecked")
    void jobServicesPassTheFlagsTheLocalClusterPasses() {
        // LocalStack.start(true) submits every job with --state.backend rocksdb and --checkpoint.dir on the cluster's
        // shared directory (ClusterJobs); compose must run the same jar the same way.
        for (String job : List.of("ingest-job", "forecast-job", "alert-job", "batch-job")) {
            String cmd = String.join(" ", (List<String>) services.get(job).get("entrypoint"));
            assertThat(cmd).as(job).contains("--state.backend rocksdb", "--checkpoint.dir file:///flink-checkpoints",
                    "runlaw-jobs-0.1.0-SNAPSHOT-job.jar");
        }
        String jm = (String) ((Map<String, Object>) services.get("jobmanager").get("environment")).get("FLINK_PROPERTIES");
        assertThat(jm).contains("execution.checkpointing.savepoint-dir: file:///flink-checkpoints/savepoints",
                "execution.checkpointing.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION");
    }

    @Test
    void submitsTheJobJarTheBuildProduces() {
        for (String job : List.of("ingest-job", "forecast-job", "alert-job", "batch-job")) {
            Object entry = services.get(job).get("entrypoint");
            Matcher m = Pattern.compile("/runlaw/jobs/(\\S+\\.jar)").matcher(String.valueOf(entry));
            assertThat(m.find()).as(job + " runs a jar from /runlaw/jobs").isTrue();
            assertThat(root.resolve("jobs/flink/target").resolve(m.group(1))).exists();
        }
        // The forecast and alert jobs are the same jar with their own main class, which must exist.
        for (String job : List.of("forecast-job", "alert-job", "batch-job")) {
            Matcher main = Pattern.compile("-c (\\S+)").matcher(String.valueOf(services.get(job).get("entrypoint")));
            assertThat(main.find()).as(job).isTrue();
            assertThat(root.resolve("jobs/flink/src/main/java/" + main.group(1).replace('.', '/') + ".java")).exists();
        }
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
        assertThat(script).contains(dev.runlaw.schema.Topics.FORECASTS,
                dev.runlaw.schema.Topics.ADVICE, dev.runlaw.schema.Topics.ALERTS,
                dev.runlaw.schema.Topics.BATCH_ADVICE);
        assertThat(script).containsPattern(java.util.regex.Pattern.quote(
                dev.runlaw.schema.Topics.RUN_REFERENCES) + "[^\\n]*\\\\\\n[^\\n]*cleanup.policy=compact");
    }

    /**
     * Grafana reads ClickHouse as the read-only user of {@code deploy/clickhouse-users.xml} (profile {@code readonly}
     * with readonly=1, password from the env file both containers load), never as {@code default} with an empty
     * password. {@link GrafanaReadOnlyIT} shows on the real server what that profile refuses.
     */
    @Test
    @SuppressWarnings("unchecked")
    void grafanaQueriesClickHouseAsAReadOnlyUserWithAPasswordFromTheEnvFile() throws Exception {
        List<String> volumes = (List<String>) services.get("clickhouse").get("volumes");
        assertThat(volumes).contains(
                "./deploy/clickhouse-users.xml:/etc/clickhouse-server/users.d/runlaw-grafana.xml:ro");

        org.w3c.dom.Document users = javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(root.resolve("deploy/clickhouse-users.xml").toFile());
        javax.xml.xpath.XPath x = javax.xml.xpath.XPathFactory.newInstance().newXPath();
        String profile = x.evaluate("/yandex/users/grafana/profile", users);
        assertThat(profile).isEqualTo("readonly");
        assertThat(x.evaluate("/yandex/profiles/" + profile + "/readonly", users)).isEqualTo("1");
        assertThat(x.evaluate("count(/yandex/profiles/" + profile
                + "/constraints/max_execution_time/changeable_in_readonly)", users)).isEqualTo("1");
        assertThat(x.evaluate("/yandex/users/grafana/allow_databases/database", users))
                .isEqualTo(services.get("clickhouse").get("environment") instanceof Map<?, ?> env
                        ? String.valueOf(env.get("RUNLAW_DB")) : "runlaw");
        String passwordVar = x.evaluate("/yandex/users/grafana/password/@from_env", users);
        assertThat(passwordVar).isNotBlank();
        assertThat(x.evaluate("string(/yandex/users/grafana/password)", users)).as("no literal password").isEmpty();

        for (String svc : List.of("clickhouse", "grafana")) {
            Object envFile = services.get(svc).get("env_file");
            assertThat(envFile).as(svc + " env_file").isEqualTo("./deploy/runlaw.env");
        }
        java.util.Properties env = new java.util.Properties();
        try (Reader r = Files.newBufferedReader(root.resolve("deploy/runlaw.env"))) {
            env.load(r);
        }
        assertThat(env.getProperty(passwordVar)).as(passwordVar + " in deploy/runlaw.env").isNotBlank();

        Map<String, Object> ds;
        try (Reader r = Files.newBufferedReader(root.resolve("dashboards/provisioning/datasources/clickhouse.yaml"))) {
            Map<String, Object> doc = new Yaml().load(r);
            ds = ((List<Map<String, Object>>) doc.get("datasources")).get(0);
        }
        Map<String, Object> json = (Map<String, Object>) ds.get("jsonData");
        Map<String, Object> secure = (Map<String, Object>) ds.get("secureJsonData");
        assertThat(json.get("username")).isEqualTo("grafana").isNotEqualTo("default");
        assertThat(secure.get("password")).isEqualTo("$" + passwordVar);
        assertThat(services.get("grafana").get("volumes").toString())
                .contains("./dashboards/provisioning/datasources:/etc/grafana/provisioning/datasources");
    }

    @Test
    void clickHouseInitAppliesTheProjectSqlFiles() throws IOException {
        @SuppressWarnings("unchecked")
        List<String> volumes = (List<String>) services.get("clickhouse").get("volumes");
        assertThat(volumes).anyMatch(v -> v.startsWith("./sql:"));
        assertThat(Files.readString(root.resolve("deploy/clickhouse-init.sh"))).contains("/runlaw/sql/");
    }
}
