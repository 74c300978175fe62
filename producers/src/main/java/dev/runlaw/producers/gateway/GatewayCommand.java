package dev.runlaw.producers.gateway;

import dev.runlaw.producers.command.Commands;
import dev.runlaw.producers.command.HelpOption;
import dev.runlaw.producers.command.KafkaClientOptions;
import dev.runlaw.producers.command.LimitOptions;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code runlaw gateway}: runs the HTTP {@link Gateway} until the process is stopped (SIGTERM flushes what Kafka has
 * not acknowledged yet, for up to 30 s). The one parser of the gateway's flags: {@link GatewayConfig#fromArgs} uses
 * it too. Defaults are {@link GatewayConfig#defaults}'s; {@code producers/README.md} has the table.
 */
@Command(name = "gateway", sortOptions = false, abbreviateSynopsis = true,
        description = {"The HTTP gateway for trainers that are not on the JVM: JSON telemetry in, Avro records to "
                + "Kafka, advice and forecasts out (producers/README.md).",
            "Bearer tokens come from --token-file and/or the environment variable " + GatewayConfig.TOKENS_ENV
                + " (comma-separated); without any, the gateway refuses to start unless --no-auth."})
public final class GatewayCommand implements Callable<Integer> {
    private static final GatewayConfig D = GatewayConfig.defaults("unset", BearerTokens.load(null, null), true);

    @Spec
    CommandSpec spec;
    @Mixin
    HelpOption help;
    @Mixin
    KafkaClientOptions kafka;

    @Option(names = "--bootstrap.servers", paramLabel = "HOST:PORT[,...]", description = "Kafka bootstrap servers (required).")
    String bootstrapServers;
    @Option(names = "--host", paramLabel = "HOST", description = "Interface to listen on (default ${DEFAULT-VALUE}).")
    String host = D.host();
    @Option(names = "--port", paramLabel = "PORT", description = "TCP port; 0 picks a free one (default ${DEFAULT-VALUE}).")
    int port = D.port();
    @Option(names = "--topic.prefix", paramLabel = "P", description = "Prepended to every topic, as in the ingest job (default none).")
    String topicPrefix = D.topicPrefix();
    @Option(names = "--token-file", paramLabel = "FILE", description = "Bearer tokens, one per line, # comments; each >= 16 characters.")
    Path tokenFile;
    @Option(names = "--no-auth", arity = "0..1", paramLabel = "BOOL", description = "Accept requests without a token (local experiments only).")
    boolean noAuth;
    @Option(names = "--max-body-bytes", paramLabel = "N", description = "Request body as sent; larger gets 413 (default ${DEFAULT-VALUE}).")
    int maxBodyBytes = D.maxBodyBytes();
    @Option(names = "--max-decoded-bytes", paramLabel = "N", description = "Body after gunzip; larger gets 413 (default ${DEFAULT-VALUE}).")
    int maxDecodedBytes = D.maxDecodedBytes();
    @Option(names = "--max-batch-records", paramLabel = "N", description = "Records per request; more gets 413 (default ${DEFAULT-VALUE}).")
    int maxBatchRecords = D.maxBatchRecords();
    @Option(names = "--max-json-depth", paramLabel = "N", description = "Nesting of JSON arrays and objects; deeper gets 400 (default ${DEFAULT-VALUE}).")
    int maxJsonDepth = D.maxJsonDepth();
    @Option(names = "--max-number-chars", paramLabel = "N", description = "Longest JSON number literal; longer gets 400 (default ${DEFAULT-VALUE}).")
    int maxNumberChars = D.maxNumberChars();
    @Option(names = "--max-string-chars", paramLabel = "N", description = "Longest JSON string; longer gets 400 (default ${DEFAULT-VALUE}).")
    int maxStringChars = D.maxStringChars();
    @Option(names = "--max-in-flight-bytes", paramLabel = "N", description = "Encoded bytes held for Kafka; beyond it requests get 429 (default ${DEFAULT-VALUE}).")
    long maxInFlightBytes = D.maxInFlightBytes();
    @Option(names = "--kafka-stall-ms", paramLabel = "MS", description = "Records in flight this long without an ack: 503 and /readyz 503 (default ${DEFAULT-VALUE}).")
    long kafkaStallMs = D.kafkaStallMs();
    @Option(names = "--retry-after-s", paramLabel = "S", description = "Retry-After of 429 and 503 (default ${DEFAULT-VALUE}).")
    int retryAfterSeconds = D.retryAfterSeconds();
    @Option(names = "--delivery-timeout-ms", paramLabel = "MS", description = "How long an accepted record may wait for Kafka (default ${DEFAULT-VALUE}).")
    long deliveryTimeoutMs = D.deliveryTimeoutMs();
    @Option(names = "--advice", paramLabel = "BOOL", arity = "1", description = "Serve advice and forecasts (default ${DEFAULT-VALUE}).")
    boolean advice = D.advice();
    @Option(names = "--max-advice-wait-ms", paramLabel = "MS", description = "Longest wait_ms of an advice long-poll (default ${DEFAULT-VALUE}).")
    long maxAdviceWaitMs = D.maxAdviceWaitMs();
    @Option(names = "--advice-max-runs", paramLabel = "N", description = "Runs whose latest advice and forecast are kept in memory (default ${DEFAULT-VALUE}).")
    int adviceMaxRuns = D.adviceMaxRuns();
    @Option(names = "--max-threads", paramLabel = "N", description = "Jetty worker threads, >= 4 (default ${DEFAULT-VALUE}).")
    int maxThreads = D.maxThreads();

    private Map<String, String> env = System.getenv();

    /** The command, with its {@code --limits.*} options, reading tokens from {@code env}. */
    public static CommandLine commandLine(Map<String, String> env) {
        GatewayCommand cmd = new GatewayCommand();
        cmd.env = env;
        CommandLine cl = new CommandLine(cmd);
        LimitOptions.addTo(cl.getCommandSpec());
        return cl;
    }

    /** Parses {@code args} into a configuration; {@code env} supplies {@value GatewayConfig#TOKENS_ENV}. */
    static GatewayConfig parse(String[] args, Map<String, String> env) {
        CommandLine cl = Commands.allowRepeats(commandLine(env));
        try {
            cl.parseArgs(args);
            return cl.<GatewayCommand>getCommand().config();
        } catch (ParameterException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** The configuration these options describe; a usage error if it is not valid. */
    GatewayConfig config() {
        try {
            BearerTokens tokens = BearerTokens.load(tokenFile, env.get(GatewayConfig.TOKENS_ENV));
            return new GatewayConfig(host, port, bootstrapServers, topicPrefix, tokens, noAuth, maxBodyBytes,
                    maxDecodedBytes, maxBatchRecords, maxJsonDepth, maxNumberChars, maxStringChars, maxInFlightBytes,
                    kafkaStallMs, retryAfterSeconds, deliveryTimeoutMs, LimitOptions.read(spec), advice,
                    maxAdviceWaitMs, adviceMaxRuns, maxThreads, kafka.read());
        } catch (IllegalArgumentException | UncheckedIOException e) {
            throw Commands.usage(spec, e.getMessage());
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        Gateway g = Gateway.start(config());
        Runtime.getRuntime().addShutdownHook(new Thread(g::close, "runlaw-gateway-shutdown"));
        spec.commandLine().getOut().println("runlaw gateway listening on " + g.baseUrl());
        spec.commandLine().getOut().flush();
        g.join();
        return Commands.OK;
    }
}
