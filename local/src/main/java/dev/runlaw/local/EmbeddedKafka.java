package dev.runlaw.local;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka broker (KRaft, combined broker and controller, one node) running inside this JVM, for the local
 * demo and for {@code *IT} tests.
 *
 * <p>It listens on 127.0.0.1 only, on free ports, and keeps its log and metadata directories in a temporary
 * directory that {@link #close()} deletes. Internal topics are sized for a single node (replication factor 1,
 * few partitions), and the transaction state log accepts min ISR 1 so that exactly-once (transactional) sinks
 * work. {@link #start()} returns once an admin client sees the broker, so callers can create topics at once.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
 *     kafka.createTopics(4, "runlaw.step-metrics");
 *     producerProps.put("bootstrap.servers", kafka.bootstrapServers());
 * }
 * }</pre>
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

    /** The SASL/SCRAM mechanisms the optional SASL listener accepts. */
    public static final List<String> SCRAM_MECHANISMS = List.of("SCRAM-SHA-256", "SCRAM-SHA-512");

    private final Path dir;
    private final String bootstrapServers;
    private final String saslBootstrapServers;
    private final Properties props;
    private KafkaRaftServer server;
    private final Thread shutdownHook;
    /* Lets the next start delete the directory if this JVM is killed before close(). */
    private final ChildProcesses.Guard dirGuard;
    private boolean closed;

    private EmbeddedKafka(Path dir, String bootstrapServers, String saslBootstrapServers, KafkaRaftServer server,
                          Properties props) {
        this.dir = dir;
        this.dirGuard = ChildProcesses.ownDir("embedded Kafka data", dir);
        this.bootstrapServers = bootstrapServers;
        this.saslBootstrapServers = saslBootstrapServers;
        this.server = server;
        this.props = props;
        // A demo stopped with Ctrl-C should still remove its temp directory.
        this.shutdownHook = new Thread(this::closeQuietly, "embedded-kafka-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts a broker with the default settings; see {@link #builder()} to override broker properties. */
    public static EmbeddedKafka start() {
        return builder().start();
    }

    /** A builder for a broker with extra or overridden broker properties. */
    public static Builder builder() {
        return new Builder();
    }

    /** {@code host:port} of the broker's client listener, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /**
     * {@code host:port} of the SASL listener (SCRAM-SHA-256 and -512; clients need
     * {@code security.protocol=SASL_PLAINTEXT}, or {@code SASL_SSL} and the trust store when the builder was given
     * {@link Builder#tls}, {@code sasl.mechanism} and a {@code ScramLoginModule} JAAS config of a user made with
     * {@link #createScramUser}), or null unless {@link Builder#saslScramListener()} asked for it.
     */
    public String saslBootstrapServers() {
        return saslBootstrapServers;
    }

    /**
     * Creates (or updates) a SCRAM user for both mechanisms through the admin API on the plaintext listener, and
     * waits until the broker has the credentials.
     */
    public void createScramUser(String user, String password) {
        try (Admin admin = admin()) {
            // One request per mechanism: the broker refuses two alterations of one user in a request.
            for (String m : SCRAM_MECHANISMS) {
                List<UserScramCredentialAlteration> upsert = List.of(new UserScramCredentialUpsertion(user,
                        new ScramCredentialInfo(ScramMechanism.fromMechanismName(m), 4096), password));
                admin.alterUserScramCredentials(upsert).all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
            Await.until(ADMIN_TIMEOUT, "SCRAM credentials of " + user, () -> {
                try {
                    return admin.describeUserScramCredentials(List.of(user)).all()
                            .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(user)
                            .credentialInfos().size() == SCRAM_MECHANISMS.size();
                } catch (ExecutionException notYet) {
                    return false;
                }
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating SCRAM user " + user, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create SCRAM user " + user, e);
        }
    }

    /** The temporary directory holding the broker's data; deleted by {@link #close()}. */
    public Path directory() {
        return dir;
    }

    /**
     * Creates topics with {@code partitions} partitions and replication factor 1, and waits until every
     * partition has a leader. Topics that already exist are left as they are (not resized), so calling this
     * twice is harmless.
     */
    public void createTopics(int partitions, String... names) {
        createTopics(partitions, Map.of(), names);
    }

    /** As {@link #createTopics(int, String...)}, with topic configs (e.g. {@code cleanup.policy=compact}). */
    public void createTopics(int partitions, Map<String, String> configs, String... names) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
        }
        if (names.length == 0) {
            return;
        }
        try (Admin admin = admin()) {
            List<NewTopic> topics = new ArrayList<>();
            for (String name : names) {
                topics.add(new NewTopic(name, partitions, (short) 1).configs(configs));
            }
            Map<String, KafkaFuture<Void>> results = admin.createTopics(topics).values();
            for (Map.Entry<String, KafkaFuture<Void>> e : results.entrySet()) {
                try {
                    e.getValue().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException ex) {
                    if (!(ex.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + e.getKey(), ex.getCause());
                    }
                }
            }
            awaitLeaders(admin, Arrays.asList(names));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out creating topics " + Arrays.toString(names), e);
        }
    }

    /** A new admin client for this broker; the caller closes it. */
    public Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis());
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis());
        return Admin.create(p);
    }

    /**
     * Stops the broker but keeps its data, so {@link #restartBroker()} brings it back on the same ports with the
     * same topics and records: for tests of clients that must ride out a broker outage.
     */
    public synchronized void stopBroker() {
        if (closed || server == null) {
            return;
        }
        server.shutdown();
        server.awaitShutdown();
        server = null;
        LOG.info("Kafka broker on {} stopped (data kept)", bootstrapServers);
    }

    /** Starts the broker again after {@link #stopBroker()}, on the same ports and data; waits until it serves. */
    public synchronized void restartBroker() {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        if (server != null) {
            return;
        }
        KafkaRaftServer s = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
        s.startup();
        server = s;
        Builder.awaitCluster(bootstrapServers);
        LOG.info("Kafka broker on {} restarted", bootstrapServers);
    }

    /** Shuts the broker down cleanly, waits for its threads to stop, and deletes its directory. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        long t0 = System.nanoTime();
        try {
            if (server != null) {
                server.shutdown();
                server.awaitShutdown();
            }
            LOG.info("Kafka broker on {} stopped in {} ms", bootstrapServers, (System.nanoTime() - t0) / 1_000_000);
        } finally {
            Files2.deleteRecursively(dir);
            dirGuard.close();
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // Called from the hook itself, or the JVM is exiting anyway.
            }
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException e) {
            LOG.warn("embedded Kafka did not shut down cleanly", e);
        }
    }

    private static void awaitLeaders(Admin admin, List<String> names) throws InterruptedException {
        Await.until(ADMIN_TIMEOUT, "leaders for every partition of " + names, () -> {
            try {
                Map<String, TopicDescription> d = admin.describeTopics(names).allTopicNames()
                        .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                return d.values().stream()
                        .flatMap(t -> t.partitions().stream())
                        .allMatch(p -> p.leader() != null && !p.leader().isEmpty());
            } catch (ExecutionException retriable) {
                // UnknownTopicOrPartition until the metadata reaches the broker.
                return false;
            }
        });
    }

    /** Builder for {@link EmbeddedKafka}. */
    public static final class Builder {
        private final Map<String, String> overrides = new LinkedHashMap<>();
        private boolean quietLogs = true;
        private boolean saslScram;
        private SelfSignedTls tls;

        private Builder() {
        }

        /**
         * Whether to set the broker's loggers to WARN (the default) or leave them to the logging configuration,
         * e.g. to debug the broker itself.
         */
        public Builder quietLogs(boolean quiet) {
            this.quietLogs = quiet;
            return this;
        }

        /** Sets or overrides one broker property (e.g. {@code auto.create.topics.enable=false}). */
        public Builder brokerProperty(String key, String value) {
            overrides.put(key, value);
            return this;
        }

        /**
         * Adds a SASL_PLAINTEXT listener accepting SCRAM-SHA-256 and SCRAM-SHA-512 (for tests of clients with
         * credentials: {@link #saslBootstrapServers()}, {@link #createScramUser}); the plaintext listener stays for
         * the broker itself and for {@link #admin()}.
         */
        public Builder saslScramListener() {
            this.saslScram = true;
            return this;
        }

        /**
         * Makes the SASL listener (see {@link #saslScramListener()}) a SASL_SSL one serving {@code identity}: SCRAM
         * over TLS, as production brokers run it. Clients then need {@code security.protocol=SASL_SSL} and
         * {@link SelfSignedTls#kafkaClientProperties()}.
         */
        public Builder tls(SelfSignedTls identity) {
            this.tls = identity;
            return this;
        }

        /** Formats storage, starts the broker and waits until an admin client can describe the cluster. */
        public EmbeddedKafka start() {
            long t0 = System.nanoTime();
            if (quietLogs) {
                KafkaLogging.quiet();
            }
            ChildProcesses.cleanStale();
            Path dir = Files2.createTempDir("runlaw-kafka-");
            KafkaRaftServer server = null;
            try {
                int brokerPort = FreePorts.next();
                int controllerPort = FreePorts.next();
                Properties props = brokerProperties(dir, brokerPort, controllerPort);
                String sasl = null;
                if (saslScram) {
                    sasl = "127.0.0.1:" + FreePorts.next();
                    addSaslListener(props, sasl, tls);
                }
                props.putAll(overrides);
                Path configFile = dir.resolve("server.properties");
                try (var out = Files.newOutputStream(configFile)) {
                    props.store(out, "runlaw embedded Kafka");
                }
                format(configFile);
                KafkaConfig config = KafkaConfig.fromProps(props, false);
                server = new KafkaRaftServer(config, Time.SYSTEM);
                server.startup();
                String bootstrap = "127.0.0.1:" + brokerPort;
                awaitCluster(bootstrap);
                EmbeddedKafka kafka = new EmbeddedKafka(dir, bootstrap, sasl, server, props);
                LOG.info("Kafka broker ready on {} in {} ms", bootstrap, (System.nanoTime() - t0) / 1_000_000);
                return kafka;
            } catch (IOException e) {
                cleanUp(server, dir);
                throw new UncheckedIOException("cannot start embedded Kafka", e);
            } catch (RuntimeException | Error e) {
                cleanUp(server, dir);
                throw e;
            }
        }

        private static void cleanUp(KafkaRaftServer server, Path dir) {
            if (server != null) {
                try {
                    server.shutdown();
                    server.awaitShutdown();
                } catch (RuntimeException e) {
                    LOG.warn("broker shutdown after failed start", e);
                }
            }
            Files2.deleteRecursively(dir);
        }

        private static Properties brokerProperties(Path dir, int brokerPort, int controllerPort) {
            Properties p = new Properties();
            p.put("process.roles", "broker,controller");
            p.put("node.id", "1");
            p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
            p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
            p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
            p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
            p.put("controller.listener.names", "CONTROLLER");
            p.put("inter.broker.listener.name", "PLAINTEXT");
            p.put("log.dirs", dir.resolve("data").toString());
            // One node: every internal topic must fit on it.
            p.put("offsets.topic.replication.factor", "1");
            p.put("offsets.topic.num.partitions", "5");
            p.put("transaction.state.log.replication.factor", "1");
            p.put("transaction.state.log.min.isr", "1");
            p.put("transaction.state.log.num.partitions", "5");
            p.put("share.coordinator.state.topic.replication.factor", "1");
            p.put("share.coordinator.state.topic.min.isr", "1");
            p.put("default.replication.factor", "1");
            p.put("min.insync.replicas", "1");
            p.put("num.partitions", "1");
            // Flink's exactly-once sink may ask for transaction timeouts longer than the 15 min default cap.
            p.put("transaction.max.timeout.ms", "3600000");
            // Tests should not wait 3 s for the first consumer group rebalance.
            p.put("group.initial.rebalance.delay.ms", "0");
            // Lean on the shared 2-core machines; the default cleaner buffer alone is 128 MB.
            p.put("num.network.threads", "2");
            p.put("num.io.threads", "2");
            p.put("background.threads", "2");
            p.put("num.recovery.threads.per.data.dir", "1");
            p.put("log.cleaner.dedupe.buffer.size", String.valueOf(2 * 1024 * 1024));
            return p;
        }

        private static void addSaslListener(Properties p, String hostPort, SelfSignedTls tls) {
            p.put("listeners", p.getProperty("listeners") + ",SASL://" + hostPort);
            p.put("advertised.listeners", p.getProperty("advertised.listeners") + ",SASL://" + hostPort);
            p.put("listener.security.protocol.map", p.getProperty("listener.security.protocol.map")
                    + (tls == null ? ",SASL:SASL_PLAINTEXT" : ",SASL:SASL_SSL"));
            if (tls != null) {
                p.putAll(tls.kafkaListenerProperties("sasl"));
            }
            p.put("listener.name.sasl.sasl.enabled.mechanisms", String.join(",", SCRAM_MECHANISMS));
            for (String m : SCRAM_MECHANISMS) {
                // The broker side of SCRAM checks against the credentials in the cluster metadata.
                p.put("listener.name.sasl." + m.toLowerCase(Locale.ROOT) + ".sasl.jaas.config",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required;");
            }
        }

        private static void format(Path configFile) {
            String clusterId = Uuid.randomUuid().toString();
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            int rc;
            try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
                rc = StorageTool.execute(new String[] {"format", "-t", clusterId, "-c", configFile.toString()}, out);
            }
            if (rc != 0) {
                throw new IllegalStateException("kafka-storage format failed (" + rc + "): "
                        + buf.toString(StandardCharsets.UTF_8));
            }
        }

        private static void awaitCluster(String bootstrap) {
            Properties p = new Properties();
            p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            try (Admin admin = Admin.create(p)) {
                Await.until(READY_TIMEOUT, "the Kafka broker on " + bootstrap + " to answer", () -> {
                    try {
                        return !admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty();
                    } catch (ExecutionException | TimeoutException retriable) {
                        // Not listening yet.
                        return false;
                    }
                });
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for Kafka", e);
            }
        }
    }
}
