package dev.runlaw.producers.command;

import dev.runlaw.schema.config.KafkaClientProperties;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine.Option;

/**
 * {@code --kafka-config FILE} and {@code --kafka KEY=VALUE} (a picocli mixin): Kafka client properties for every
 * Kafka client of a command (security settings such as SASL/SCRAM and TLS), passed to the clients verbatim. The file
 * is a Kafka client {@code .properties} file as Kafka's own tools read ({@code --command-config}); flags override
 * the file. Validated by {@link KafkaClientProperties} (runlaw's own properties are refused); docs/security.md.
 */
public final class KafkaClientOptions {
    @Option(names = "--kafka-config", paramLabel = "FILE", order = 90,
            description = "Kafka client properties file (e.g. security.protocol, sasl.*, ssl.*), for every Kafka"
                    + " client of the command.")
    Path file;
    @Option(names = "--kafka", paramLabel = "KEY=VALUE", order = 91,
            description = "One Kafka client property (repeatable; overrides --kafka-config).")
    Map<String, String> properties = new LinkedHashMap<>();

    /**
     * The properties given, file first then flags.
     *
     * @throws IllegalArgumentException when the file cannot be read or a property is refused
     */
    public KafkaClientProperties read() {
        Map<String, String> all = new LinkedHashMap<>();
        if (file != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read --kafka-config " + file + ": " + e.getMessage());
            }
            for (String k : p.stringPropertyNames()) {
                all.put(k, p.getProperty(k));
            }
        }
        all.putAll(properties);
        return KafkaClientProperties.of(all);
    }
}
