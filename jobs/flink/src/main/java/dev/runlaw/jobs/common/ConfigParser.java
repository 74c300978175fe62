package dev.runlaw.jobs.common;

import dev.runlaw.jobs.clickhouse.ClickHouseEndpoint;
import dev.runlaw.schema.config.KafkaClientProperties;
import dev.runlaw.schema.validate.Limits;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads a job's flat {@code key -> value} settings and collects every error instead of stopping at the first, so a
 * bad configuration is reported in one message. Shared by the jobs' {@code *Config} records.
 */
public final class ConfigParser {
    /** What Flink's {@code ParameterTool} stores for a flag given without a value ({@code --bounded}). */
    public static final String NO_VALUE = "__NO_VALUE_KEY";

    private final Map<String, String> conf;
    private final List<String> errors = new ArrayList<>();

    public ConfigParser(Map<String, String> conf) {
        this.conf = new HashMap<>(conf);
    }

    public String required(String key) {
        String v = conf.get(key);
        if (v == null || v.isBlank() || v.equals(NO_VALUE)) {
            errors.add(key + " is required");
            return null;
        }
        return v.trim();
    }

    public String string(String key, String dflt) {
        String v = conf.get(key);
        if (v == null || v.equals(NO_VALUE)) {
            return dflt;
        }
        return v.trim();
    }

    public long integer(String key, long dflt, long min, long max) {
        String v = conf.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            long x = Long.parseLong(v.trim().replace("_", ""));
            if (x < min || x > max) {
                errors.add(key + " must be in " + min + ".." + max + ", got " + x);
                return dflt;
            }
            return x;
        } catch (NumberFormatException e) {
            errors.add(key + " must be an integer, got '" + v + "'");
            return dflt;
        }
    }

    public boolean bool(String key, boolean dflt) {
        String v = conf.get(key);
        if (v == null) {
            return dflt;
        }
        if (v.equals(NO_VALUE)) {
            return true; // a bare flag: --bounded
        }
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> {
                errors.add(key + " must be true or false, got '" + v + "'");
                yield dflt;
            }
        };
    }

    public <E extends Enum<E>> E choice(String key, Class<E> type, E dflt) {
        String v = conf.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            return Enum.valueOf(type, v.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            List<String> names = new ArrayList<>();
            for (E c : type.getEnumConstants()) {
                names.add(c.name().toLowerCase(Locale.ROOT));
            }
            errors.add(key + " must be one of " + names + ", got '" + v + "'");
            return dflt;
        }
    }

    /** A double in {@code [min, max]}, else an error and the default. */
    public double decimal(String key, double dflt, double min, double max) {
        String v = conf.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            double x = Double.parseDouble(v.trim());
            if (!(x >= min && x <= max)) {
                errors.add(key + " must be in " + min + ".." + max + ", got " + v.trim());
                return dflt;
            }
            return x;
        } catch (NumberFormatException e) {
            errors.add(key + " must be a number, got '" + v + "'");
            return dflt;
        }
    }

    /** Reports every key that is neither in {@code known} nor a {@code limits.*} or {@code kafka.*} key. */
    public void rejectUnknown(Set<String> known) {
        Set<String> unknown = new TreeSet<>();
        for (String k : conf.keySet()) {
            if (!known.contains(k) && !k.startsWith("limits.") && !KafkaClientProperties.isPrefixed(k)) {
                unknown.add(k);
            }
        }
        if (!unknown.isEmpty()) {
            errors.add("unknown setting(s) " + unknown + "; known: " + new TreeSet<>(known) + ", limits.* and kafka.*");
        }
    }

    /** {@code bootstrap.servers}: required, {@code host:port[,host:port...]}. */
    public String bootstrapServers() {
        String bootstrap = required("bootstrap.servers");
        if (bootstrap != null && !bootstrap.matches("[^,\\s]+:\\d+(,[^,\\s]+:\\d+)*")) {
            errors.add("bootstrap.servers must be host:port[,host:port...], got '" + bootstrap + "'");
        }
        return bootstrap;
    }

    /** {@code topic.prefix}: letters, digits, '.', '_' and '-' only; empty by default. */
    public String topicPrefix() {
        String prefix = string("topic.prefix", "");
        if (!prefix.matches("[A-Za-z0-9._-]*")) {
            errors.add("topic.prefix may hold only letters, digits, '.', '_' and '-', got '" + prefix + "'");
        }
        return prefix;
    }

    /**
     * {@code clickhouse.url} (required), {@code clickhouse.user}, {@code .password}, {@code .database}, and for an
     * HTTPS URL {@code clickhouse.ssl.root-certificate} or {@code clickhouse.ssl.trust-store} (with
     * {@code .trust-store-password}).
     */
    public ClickHouseEndpoint clickHouse() {
        String url = required("clickhouse.url");
        if (url == null) {
            return null;
        }
        try {
            ClickHouseEndpoint.Tls tls = ClickHouseEndpoint.Tls.of(conf.get("clickhouse.ssl.root-certificate"),
                    conf.get("clickhouse.ssl.trust-store"), conf.get("clickhouse.ssl.trust-store-password"));
            return ClickHouseEndpoint.parse(url, string("clickhouse.user", "default"),
                    string("clickhouse.password", ""), conf.get("clickhouse.database")).withTls(tls);
        } catch (IllegalArgumentException e) {
            errors.add(e.getMessage());
            return null;
        }
    }

    /** {@code checkpoint.dir}: a URI such as {@code file:///path}, or null for JobManager memory. */
    public String checkpointDir() {
        String dir = conf.get("checkpoint.dir");
        if (dir != null && (dir.isBlank() || !dir.contains(":/"))) {
            errors.add("checkpoint.dir must be a URI such as file:///path or s3://bucket/path, got '" + dir + "'");
        }
        return dir;
    }

    /** The {@code kafka.*} keys: Kafka client properties for every client of the job. */
    public KafkaClientProperties kafka() {
        try {
            return KafkaClientProperties.fromPrefixed(conf);
        } catch (IllegalArgumentException e) {
            errors.add(e.getMessage());
            return KafkaClientProperties.none();
        }
    }

    /** The {@code limits.*} keys. */
    public Limits limits() {
        try {
            return Limits.fromMap(conf);
        } catch (IllegalArgumentException e) {
            errors.add(e.getMessage());
            return null;
        }
    }

    /** Records an error found by the caller. */
    public void error(String message) {
        errors.add(message);
    }

    /** @throws IllegalArgumentException listing every error, if there was any */
    public void throwIfErrors(String what) {
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("invalid " + what + " configuration:\n  - " + String.join("\n  - ", errors));
        }
    }
}
