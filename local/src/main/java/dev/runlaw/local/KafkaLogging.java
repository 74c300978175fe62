package dev.runlaw.local;

import java.lang.reflect.Method;
import java.util.List;

/**
 * Turns the embedded broker's loggers down to WARN.
 *
 * <p>At INFO the broker writes hundreds of lines per start, which buries test failures. slf4j has no API to
 * set a level, so this reaches the backend this project uses (Log4j 2, as Flink does) by reflection; with any
 * other backend, or none, it does nothing and the backend's own configuration decides.
 */
final class KafkaLogging {

    static final List<String> LOGGERS = List.of("kafka", "org.apache.kafka", "state.change.logger");

    private KafkaLogging() {
    }

    static void quiet() {
        try {
            Class<?> configurator = Class.forName("org.apache.logging.log4j.core.config.Configurator");
            Class<?> level = Class.forName("org.apache.logging.log4j.Level");
            Object warn = level.getField("WARN").get(null);
            Method setLevel = configurator.getMethod("setLevel", String.class, level);
            for (String logger : LOGGERS) {
                setLevel.invoke(null, logger, warn);
            }
        } catch (ReflectiveOperationException | LinkageError noLog4jCore) {
            // Not Log4j 2 core: leave levels to the backend's configuration.
        }
    }
}
