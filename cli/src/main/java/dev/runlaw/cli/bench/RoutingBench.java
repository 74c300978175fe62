package dev.runlaw.cli.bench;

import dev.runlaw.cli.LocalStack;
import dev.runlaw.jobs.routing.RoutingConfig;
import dev.runlaw.jobs.routing.RoutingJob;
import dev.runlaw.producers.command.HelpOption;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.RoutingTraceBatch;
import dev.runlaw.schema.SourceKind;
import dev.runlaw.schema.TokenRoute;
import dev.runlaw.schema.codec.TelemetryCodec;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./runlaw bench routing}: token-layer routes per second analysed by the bounded routing job
 * ({@link RoutingJob}) reading one source's traces from Kafka, against the raw read of the same records from the
 * same topic (a plain consumer, no decoding) in the same run. The traces are seeded and planted like the tests'
 * (a hot expert, temporal locality, an affine chain across layers); each batch holds whole sequences, as a tracer
 * that logs per micro-batch writes them. The job's result is checked: tokens and routes in {@code routing_analyses}
 * must equal what was produced.
 */
@Command(name = "routing", sortOptions = false,
        description = "Routes/s analysed by the bounded routing job from Kafka vs. the raw read of the same records.")
final class RoutingBench implements Callable<Integer> {
    private static final String SOURCE = "bench-moe";

    @Mixin
    HelpOption help;
    @Option(names = "--routes", paramLabel = "N", description = "Token-layer routes, about (default ${DEFAULT-VALUE}).")
    long routes = 20_000_000L;
    @Option(names = "--layers", paramLabel = "L", description = "MoE layers (default ${DEFAULT-VALUE}).")
    int layers = 16;
    @Option(names = "--experts", paramLabel = "E", description = "Experts per layer (default ${DEFAULT-VALUE}).")
    int experts = 64;
    @Option(names = "--top-k", paramLabel = "K", description = "Experts per route (default ${DEFAULT-VALUE}).")
    int topK = 2;
    @Option(names = "--sequence-length", paramLabel = "T", description = "Tokens per sequence (default ${DEFAULT-VALUE}).")
    int sequenceLength = 512;
    @Option(names = "--parallelism", paramLabel = "P", description = "Job parallelism (default ${DEFAULT-VALUE}).")
    int parallelism = 2;

    private final PrintStream out;

    RoutingBench(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws Exception {
        int perBatch = 2 * sequenceLength * layers;
        long batches = Math.max(1, routes / perBatch);
        long total = batches * perBatch;
        out.printf("runlaw bench routing: %,d routes (%,d batches of 2 sequences x %d tokens x %d layers), top-%d of"
                + " %d experts, one source; job parallelism %d; %d cores%n", total, batches, sequenceLength, layers,
                topK, experts, parallelism, Runtime.getRuntime().availableProcessors());
        try (LocalStack stack = LocalStack.start()) {
            String topic = RecordKind.ROUTING_TRACE.topic();
            long bytes = produce(stack.kafka().bootstrapServers(), topic, batches);
            out.printf("produced %,d records, %,.1f MB (%.1f bytes per route)%n", batches, bytes / 1e6,
                    (double) bytes / total);

            readRaw(stack.kafka().bootstrapServers(), topic, batches); // warm-up: page cache, JIT of the consumer
            long rawNs = readRaw(stack.kafka().bootstrapServers(), topic, batches);
            double rawRate = total / (rawNs / 1e9);
            out.printf("raw Kafka read (plain consumer)  %,14.0f routes/s  (%.2f s)%n", rawRate, rawNs / 1e9);

            Map<String, String> conf = new HashMap<>();
            conf.put("bootstrap.servers", stack.kafka().bootstrapServers());
            conf.put("clickhouse.url", stack.clickHouse().endpoint().url());
            conf.put("clickhouse.user", stack.clickHouse().endpoint().user());
            conf.put("clickhouse.password", stack.clickHouse().endpoint().password());
            conf.put("clickhouse.database", LocalStack.DATABASE);
            conf.put("parallelism", Integer.toString(parallelism));
            conf.put("routing.source", SOURCE);
            conf.put("routing.devices", "8");
            conf.put("routing.analysis-id", "bench");
            RoutingConfig config = RoutingConfig.fromMap(conf);
            Configuration flink = new Configuration();
            flink.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
            long start = System.nanoTime();
            JobExecutionResult result = RoutingJob.run(
                    StreamExecutionEnvironment.createLocalEnvironment(parallelism, flink), config);
            long wallNs = System.nanoTime() - start;
            double netRate = total / (result.getNetRuntime() / 1e3);
            out.printf("routing job, Kafka -> ClickHouse %,14.0f routes/s  (%.2f s job run time; goal >= 2,000,000)%n",
                    netRate, result.getNetRuntime() / 1e3);
            out.printf("  with MiniCluster start         %,14.0f routes/s  (%.2f s wall)%n", total / (wallNs / 1e9),
                    wallNs / 1e9);
            out.printf("ratio job / raw read             %14.2f%n", netRate / rawRate);

            List<List<String>> row = stack.http().query("SELECT tokens, routes FROM routing_analyses FINAL"
                    + " WHERE source = '" + SOURCE + "' AND analysis_id = 'bench'");
            long tokens = batches * 2L * sequenceLength;
            if (row.size() != 1 || Long.parseLong(row.get(0).get(0)) != tokens
                    || Long.parseLong(row.get(0).get(1)) != total) {
                out.printf("ERROR: routing_analyses holds %s, expected %d tokens and %d routes%n", row, tokens, total);
                return 1;
            }
            out.printf("checked: routing_analyses has %,d tokens and %,d routes%n", tokens, total);
        }
        return 0;
    }

    /** Generates and sends the batches; returns the bytes sent. */
    private long produce(String bootstrap, String topic, long batches) throws Exception {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 512 << 10);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 << 20);
        TelemetryCodec codec = new TelemetryCodec();
        SplittableRandom rnd = new SplittableRandom(12);
        byte[] key = SOURCE.getBytes(StandardCharsets.UTF_8);
        long bytes = 0;
        try (KafkaProducer<byte[], byte[]> producer =
                     new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (long b = 0; b < batches; b++) {
                byte[] value = codec.encode(batch(b, rnd));
                bytes += value.length;
                producer.send(new ProducerRecord<>(topic, key, value));
            }
            producer.flush();
        }
        return bytes;
    }

    /** Two whole sequences of step {@code b / 8}: planted hot expert 0, locality and a +1 chain across layers. */
    private RoutingTraceBatch batch(long b, SplittableRandom rnd) {
        List<TokenRoute> tokens = new ArrayList<>(2 * sequenceLength * layers);
        int[] prevFirst = new int[layers];
        for (int q = 0; q < 2; q++) {
            String seq = "seq-" + b + "-" + q;
            for (int pos = 0; pos < sequenceLength; pos++) {
                int first = -1;
                for (int l = 0; l < layers; l++) {
                    double u = rnd.nextDouble();
                    if (l > 0 && u < 0.6) {
                        first = (first + 1) % experts;
                    } else if (pos > 0 && u < 0.8) {
                        first = prevFirst[l];
                    } else {
                        first = rnd.nextDouble() < 0.2 ? 0 : rnd.nextInt(experts);
                    }
                    prevFirst[l] = first;
                    List<Integer> ids = new ArrayList<>(topK);
                    List<Float> gates = new ArrayList<>(topK);
                    ids.add(first);
                    gates.add(0.6f);
                    while (ids.size() < topK) {
                        int e = rnd.nextInt(experts);
                        if (!ids.contains(e)) {
                            ids.add(e);
                            gates.add(0.4f / (topK - 1));
                        }
                    }
                    tokens.add(TokenRoute.newBuilder().setSequenceId(seq).setTokenPosition(pos).setLayer(l)
                            .setExpertIds(ids).setGateWeights(gates).build());
                }
            }
        }
        return RoutingTraceBatch.newBuilder().setSource(SOURCE).setSourceKind(SourceKind.TRAINING).setStep(b / 8)
                .setWallTimeMs(1_790_000_000_000L + b).setTokens(tokens).build();
    }

    /** Nanoseconds to read every record of {@code topic} from the beginning with a plain consumer. */
    private static long readRaw(String bootstrap, String topic, long records) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000);
        c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 << 20);
        c.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 << 20);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            consumer.partitionsFor(topic).forEach(pi -> parts.add(new TopicPartition(topic, pi.partition())));
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            long seen = 0;
            long sum = 0;
            long start = System.nanoTime();
            long deadline = start + Duration.ofMinutes(10).toNanos();
            while (seen < records) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    seen++;
                    sum += r.value().length; // touch every record, as the job must
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("raw read got " + seen + " of " + records + " records in 10 min");
                }
            }
            long ns = System.nanoTime() - start;
            if (sum == 0) {
                throw new IllegalStateException("empty records");
            }
            return ns;
        }
    }
}
