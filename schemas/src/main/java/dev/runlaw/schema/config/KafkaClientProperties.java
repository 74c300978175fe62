package dev.runlaw.schema.config;

import java.io.Serializable;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The Kafka client properties a user adds to every Kafka client runlaw builds (the jobs' sources and sinks, the
 * gateway, the importers, the producer library when asked to): security settings such as
 * {@code security.protocol=SASL_SSL}, {@code sasl.mechanism=SCRAM-SHA-512}, {@code sasl.jaas.config},
 * {@code ssl.truststore.location}, and any other property of Kafka's producer, consumer or admin client, passed to
 * the client verbatim. In a flat configuration (the jobs' {@code --key value} arguments) they are the keys starting
 * with {@value #PREFIX}: {@code kafka.security.protocol=SASL_SSL} becomes {@code security.protocol=SASL_SSL}.
 *
 * <p>Refused, with a message naming the runlaw setting to use instead: the properties runlaw sets itself because
 * its guarantees depend on them ({@link #RESERVED}: the bootstrap servers, the consumer group, serializers,
 * transactional ids, the isolation level, auto commit). Values stay out of {@link #toString()} for keys that hold
 * secrets (a JAAS config, any {@code *password*}, {@code *secret*}, {@code *token*} or {@code *key*} key), so
 * configurations can be logged. Immutable.
 *
 * <p>Secrets on a command line are visible to other users of the host (and, for a Flink job, in its job graph);
 * Kafka's own config providers keep them in a file or the environment:
 * {@code kafka.config.providers=file},
 * {@code kafka.config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider} and
 * {@code password="${file:/etc/runlaw/kafka.secret:password}"} inside the JAAS config (docs/security.md).
 */
public final class KafkaClientProperties implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The prefix of these properties in a flat configuration. */
    public static final String PREFIX = "kafka.";

    /** Properties runlaw sets itself, and the setting that replaces each. */
    public static final Map<String, String> RESERVED = Map.of(
            "bootstrap.servers", "the bootstrap servers setting of the command or job",
            "group.id", "the job's group.id",
            "key.serializer", "nothing (records are bytes)",
            "value.serializer", "nothing (records are bytes)",
            "key.deserializer", "nothing (records are bytes)",
            "value.deserializer", "nothing (records are bytes)",
            "transactional.id", "the job's dead-letter.transactional-id-prefix",
            "isolation.level", "nothing (jobs read committed records only)",
            "enable.auto.commit", "nothing (jobs commit offsets with their checkpoints)");

    private static final KafkaClientProperties NONE = new KafkaClientProperties(new TreeMap<>());
    private static final Set<String> SECRET_WORDS = Set.of("password", "secret", "token", "jaas", "key");

    private final TreeMap<String, String> props;

    private KafkaClientProperties(TreeMap<String, String> props) {
        this.props = props;
    }

    /** No properties. */
    public static KafkaClientProperties none() {
        return NONE;
    }

    /**
     * The {@value #PREFIX}{@code *} keys of a flat configuration, prefix removed; other keys are ignored.
     *
     * @throws IllegalArgumentException for a reserved or malformed key, or an empty value
     */
    public static KafkaClientProperties fromPrefixed(Map<String, String> conf) {
        TreeMap<String, String> out = new TreeMap<>();
        for (Map.Entry<String, String> e : conf.entrySet()) {
            if (isPrefixed(e.getKey())) {
                out.put(e.getKey().substring(PREFIX.length()), e.getValue());
            }
        }
        return of(out, PREFIX);
    }

    /**
     * Kafka client properties as Kafka names them (no prefix), e.g. read from a client {@code .properties} file.
     *
     * @throws IllegalArgumentException for a reserved or malformed key, or an empty value
     */
    public static KafkaClientProperties of(Map<String, String> props) {
        return of(new TreeMap<>(props), "");
    }

    private static KafkaClientProperties of(TreeMap<String, String> props, String shownPrefix) {
        for (Map.Entry<String, String> e : props.entrySet()) {
            String key = e.getKey();
            if (!key.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
                throw new IllegalArgumentException("'" + shownPrefix + key + "' is not a Kafka client property name");
            }
            String instead = RESERVED.get(key);
            if (instead != null) {
                throw new IllegalArgumentException(shownPrefix + key + " is set by runlaw; use " + instead);
            }
            if (e.getValue() == null || e.getValue().isBlank()) {
                throw new IllegalArgumentException(shownPrefix + key + " needs a value");
            }
            e.setValue(e.getValue().trim());
        }
        return props.isEmpty() ? NONE : new KafkaClientProperties(props);
    }

    /** Whether {@code key} of a flat configuration is one of these properties. */
    public static boolean isPrefixed(String key) {
        return key.startsWith(PREFIX) && key.length() > PREFIX.length();
    }

    public boolean isEmpty() {
        return props.isEmpty();
    }

    /** The properties, sorted by key, unmodifiable. */
    public Map<String, String> asMap() {
        return Collections.unmodifiableMap(props);
    }

    /** A new {@link Properties} holding these properties (for client builders that take one). */
    public Properties toProperties() {
        Properties p = new Properties();
        p.putAll(props);
        return p;
    }

    /** The value of {@code key}, or null. */
    public String get(String key) {
        return props.get(key);
    }

    /** Whether the value of {@code key} is a secret and must not be printed. */
    public static boolean isSecret(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return SECRET_WORDS.stream().anyMatch(k::contains);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KafkaClientProperties other && props.equals(other.props);
    }

    @Override
    public int hashCode() {
        return props.hashCode();
    }

    /** The keys and values, secrets shown as {@code ***}. */
    @Override
    public String toString() {
        return props.entrySet().stream()
                .map(e -> e.getKey() + "=" + (isSecret(e.getKey()) ? "***" : e.getValue()))
                .collect(Collectors.joining(", ", "{", "}"));
    }
}
