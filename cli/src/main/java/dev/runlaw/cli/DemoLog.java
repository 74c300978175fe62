package dev.runlaw.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.FileAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;

/**
 * The log of a report-mode demo in a file of its own: Flink, Kafka and ClickHouse (and anything else not runlaw's)
 * log there, not on the terminal, so that a failure, and the failovers and connection errors of the stack shutting
 * down after it, end in one line on the terminal and the details in the file. runlaw's own INFO lines (servers
 * ready and stopped) still go to the terminal too.
 *
 * <p>Changes the running Log4j 2 configuration of this process (the launcher's {@code log4j2-cli.xml}); with
 * another logging backend it does nothing and {@link #path()} is null.
 */
final class DemoLog {
    private static final String APPENDER = "runlaw-demo-file";
    /** Loggers of the stack's libraries, sent to the file only. */
    private static final List<String> LIBRARIES = List.of("org.apache.flink", "org.apache.kafka", "kafka",
            "state.change.logger", "com.clickhouse", "org.apache.zookeeper", "org.apache.pekko");
    /** Failures the demo reports in one line; their stack traces go here. */
    private static final String FAILURES = "dev.runlaw.cli.DemoLog";

    private final Path path;

    private DemoLog(Path path) {
        this.path = path;
    }

    /** The file the stack's log goes to (created now), or null when the logging backend is not Log4j 2 core. */
    Path path() {
        return path;
    }

    /** Sends the stack's log to a new temporary file for the rest of this process. */
    static DemoLog toFile() {
        if (!(LogManager.getContext(false) instanceof LoggerContext ctx)) {
            return new DemoLog(null);
        }
        Path file;
        try {
            file = Files.createTempFile("runlaw-demo-", ".log");
        } catch (IOException e) {
            return new DemoLog(null);
        }
        Configuration config = ctx.getConfiguration();
        Appender app = FileAppender.newBuilder().setName(APPENDER).withFileName(file.toString())
                .setLayout(PatternLayout.newBuilder().withConfiguration(config)
                        .withPattern("%d{HH:mm:ss.SSS} %-5level [%t] %c - %msg%n").build())
                .setConfiguration(config).build();
        app.start();
        config.addAppender(app);
        for (String name : LIBRARIES) {
            LoggerConfig lc = new LoggerConfig(name, Level.WARN, false);
            lc.addAppender(app, null, null);
            config.addLogger(name, lc);
        }
        LoggerConfig failures = new LoggerConfig(FAILURES, Level.ERROR, false);
        failures.addAppender(app, null, null);
        config.addLogger(FAILURES, failures);
        // Everything else that only the root logger catches (WARN and up) goes to the file instead of the terminal.
        LoggerConfig root = config.getRootLogger();
        for (String ref : List.copyOf(root.getAppenders().keySet())) {
            Appender console = root.getAppenders().get(ref);
            root.removeAppender(ref);
            LoggerConfig own = config.getLoggerConfig("dev.runlaw");
            if (own.getName().equals("dev.runlaw")) {
                own.addAppender(console, null, null);
                own.setAdditive(false);
            }
        }
        root.addAppender(app, null, null);
        config.getLoggerConfig("dev.runlaw").addAppender(app, null, null);
        ctx.updateLoggers();
        return new DemoLog(file);
    }

    /** Writes {@code failure}'s stack trace to the file (nowhere without one). */
    void failure(String what, Throwable failure) {
        Logger log = LogManager.getLogger(FAILURES);
        log.error(what, failure);
    }

    /** " (details in FILE)" when there is a file, else "". */
    String pointer() {
        return path == null ? "" : " (details in " + path + ")";
    }
}
