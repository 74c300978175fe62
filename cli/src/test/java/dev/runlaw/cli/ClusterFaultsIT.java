package dev.runlaw.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.jobs.alert.AlertJob;
import dev.runlaw.jobs.batch.BatchJob;
import dev.runlaw.jobs.forecast.ForecastJob;
import dev.runlaw.jobs.ingest.IngestJob;
import dev.runlaw.local.Await;
import dev.runlaw.local.FlinkRest;
import dev.runlaw.local.LocalFlinkCluster;
import dev.runlaw.producers.MoeRunSimulator;
import dev.runlaw.producers.RunReplayer;
import dev.runlaw.producers.SampleRuns;
import dev.runlaw.schema.DeadLetter;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.StopTarget;
import dev.runlaw.schema.StopTargetKind;
import dev.runlaw.schema.Topics;
import dev.runlaw.schema.codec.TelemetryCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Faults on a real multi-process Flink session cluster ({@link LocalStack#start(boolean) LocalStack.start(true)}:
 * a JobManager and two TaskManager JVMs, the job jar submitted over REST), with the ingest, forecast, alert and
 * batch-size jobs running at parallelism 2, RocksDB state and checkpoints every second on the cluster's shared
 * directory. One cluster serves every fault in turn; each fault gets its own runs (run ids prefixed with the
 * fault), replayed in halves around the fault, and each ends with the same checks ({@link #assertExactlyOnce}):
 * every produced record of every kind counted once in ClickHouse under FINAL, the forecasts exactly those the
 * refit policy implies with no conflicting copies, advice numbered 1..n, dead letters once in their table and once
 * on their topic (read committed). Each prints the data produced, the rows found and the recovery time. The last
 * fault is a TaskManager crashing on its own: the cluster replaces it, as a cluster manager would.
 *
 * <p>Outages last {@value #DEFAULT_OUTAGES} by default (CI); set {@code -Drunlaw.faults.broker-outage-s} and
 * {@code -Drunlaw.faults.clickhouse-outage-s} for longer ones (60 s by hand, see docs/benchmarks.md).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 12, unit = TimeUnit.MINUTES)
class ClusterFaultsIT {
    /** How long the Kafka broker stays down (seconds); {@code -Drunlaw.faults.broker-outage-s=60} by hand. */
    static final long BROKER_OUTAGE_S = Long.getLong("runlaw.faults.broker-outage-s", 10);
    /** How long ClickHouse stays down (seconds); {@code -Drunlaw.faults.clickhouse-outage-s=60} by hand. */
    static final long CLICKHOUSE_OUTAGE_S = Long.getLong("runlaw.faults.clickhouse-outage-s", 20);
    static final String DEFAULT_OUTAGES = "10 s (broker) and 20 s (ClickHouse)";
    static final int REFIT_POINTS = 8;
    /** Dead letters per phase: the ingest job refuses both bad records, the three others the non-Avro one. */
    static final int DEAD_LETTERS = 5;
    /**
     * Forecast settings: refits driven by counts only, so the forecasts are a function of the data (no catch-up
     * rule: the steps read late after a fault would defer refits by processing time).
     */
    static final Map<String, String> FORECAST = Map.of("forecast.law", "momentum",
            "forecast.refit-points", Integer.toString(REFIT_POINTS),
            "forecast.refit-interval-ms", "3600000", "forecast.finish-grace-ms", "3600000",
            "forecast.catch-up-lag-ms", "0");
    static final List<Class<?>> JOBS = List.of(IngestJob.class, ForecastJob.class, AlertJob.class, BatchJob.class);
    static final TelemetryCodec CODEC = new TelemetryCodec();

    static LocalStack stack;
    static ClusterJobs cluster;
    static FlinkRest rest;
    /** Running job per main class. */
    static final Map<Class<?>, String> running = new LinkedHashMap<>();
    static final StringBuilder summary = new StringBuilder();

    @BeforeAll
    static void start() throws Exception {
        long t0 = System.nanoTime();
        stack = LocalStack.start(true);
        cluster = stack.cluster().orElseThrow();
        rest = cluster.cluster().rest();
        startJobs(2, Map.of());
        summary.append(String.format("stack with a 3-JVM Flink cluster and 4 jobs running in %.1f s; %s",
                (System.nanoTime() - t0) / 1e9, rest.describe(List.of())));
    }

    @AfterAll
    static void stop() {
        System.out.println("=== faults on a real cluster ===\n" + summary);
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    @Order(1)
    void killingATaskManagerMidStreamLosesAndDoublesNothing() throws Exception {
        Phase ph = firstHalfForecast("tm");
        String forecastJob = running.get(ForecastJob.class);
        String victim = rest.taskManagersOf(forecastJob).iterator().next();
        CompletableFuture<Void> rest2 = CompletableFuture.runAsync(() -> sendRest(ph));
        long t0 = System.nanoTime();
        cluster.cluster().killTaskManager(victim);
        Await.until(Duration.ofMinutes(4), () -> "every job running again without " + victim + diagnosis(),
                () -> everyJobRunningWithout(victim));
        double recovery = (System.nanoTime() - t0) / 1e9;
        rest2.get(3, TimeUnit.MINUTES);
        double caughtUp = assertExactlyOnce(ph, t0);
        // A surviving TaskManager that exits on its own is replaced, as a cluster manager would (LocalFlinkCluster):
        // say so, since then the jobs recovered on the replacement's slots rather than on the survivor's.
        List<String> replaced = cluster.cluster().replacements();
        record("TaskManager kill -9 (" + victim + ")" + (replaced.isEmpty() ? "" : "; " + String.join("; ", replaced)),
                ph, recovery, caughtUp);
    }

    @Test
    @Order(2)
    void restartingTheKafkaBrokerMidStreamLosesAndDoublesNothing() throws Exception {
        Phase ph = firstHalfForecast("br");
        CompletableFuture<Void> rest2 = CompletableFuture.runAsync(() -> sendRest(ph));
        stack.kafka().stopBroker();
        long down = System.nanoTime();
        // The outage itself, not a wait for a condition: the broker stays away this long.
        Thread.sleep(TimeUnit.SECONDS.toMillis(BROKER_OUTAGE_S));
        stack.kafka().restartBroker();
        long t0 = System.nanoTime();
        Await.until(Duration.ofMinutes(4), () -> "every job running after the broker restart" + diagnosis(),
                () -> everyJobRunningWithout(null));
        double recovery = (System.nanoTime() - t0) / 1e9;
        rest2.get(4, TimeUnit.MINUTES);
        double caughtUp = assertExactlyOnce(ph, t0);
        record(String.format("Kafka broker down %.0f s, restarted", (t0 - down) / 1e9), ph, recovery, caughtUp);
    }

    @Test
    @Order(3)
    void clickHouseAwayMidStreamBackpressuresTheJobsAndEveryRowArrivesOnce() throws Exception {
        Phase ph = firstHalfForecast("ch");
        Map<String, Integer> failuresBefore = failures();
        stack.clickHouse().stopServer();
        long down = System.nanoTime();
        sendRest(ph);
        // The outage itself, not a wait for a condition: ClickHouse stays away this long while the data comes in.
        long left = TimeUnit.SECONDS.toNanos(CLICKHOUSE_OUTAGE_S) - (System.nanoTime() - down);
        if (left > 0) {
            Thread.sleep(TimeUnit.NANOSECONDS.toMillis(left));
        }
        Map<String, Integer> failuresDuring = failures();
        stack.clickHouse().restartServer();
        long t0 = System.nanoTime();
        double caughtUp = assertExactlyOnce(ph, t0);
        assertThat(failuresDuring).as("job failures while ClickHouse was away (the sinks retry instead)")
                .isEqualTo(failuresBefore);
        assertThat(failures()).as("job failures after it came back").isEqualTo(failuresBefore);
        record(String.format("ClickHouse stopped %.0f s mid-stream, started again; no job failed over",
                (t0 - down) / 1e9), ph, caughtUp, caughtUp);
    }

    @Test
    @Order(4)
    void rescalingThroughSavepointsKeepsEveryStateAndTheSameForecasts() throws Exception {
        Phase ph = Phase.create("rs");
        send(ph, 0.0, 1.0 / 3);
        awaitProgress(ph);
        long t0 = System.nanoTime();
        rescale(1);
        double down1 = (System.nanoTime() - t0) / 1e9;
        send(ph, 1.0 / 3, 2.0 / 3);
        awaitProgress(ph);
        long t1 = System.nanoTime();
        rescale(2);
        double down2 = (System.nanoTime() - t1) / 1e9;
        sendRest(ph, 2.0 / 3);
        double caughtUp = assertExactlyOnce(ph, t1);
        // The same curves ran through the first fault with no rescale: the forecasts must not differ.
        int compared = 0;
        for (RunReplayer r : ph.runs) {
            String twin = "tm" + r.runId().substring(2);
            List<List<String>> diff = stack.http().query("SELECT a.step, a.final_pred, b.final_pred FROM"
                    + " (SELECT step, final_pred FROM forecasts FINAL WHERE run_id = '" + r.runId() + "') a"
                    + " ALL INNER JOIN (SELECT step, final_pred FROM forecasts FINAL WHERE run_id = '" + twin
                    + "') b USING step WHERE abs(a.final_pred - b.final_pred) > 1e-9 * abs(b.final_pred)");
            assertThat(diff).as("forecasts of %s that differ from %s (relative tolerance 1e-9)", r.runId(), twin)
                    .isEmpty();
            compared += Integer.parseInt(stack.http().queryValue("SELECT count() FROM forecasts FINAL WHERE run_id = '"
                    + r.runId() + "' AND step IN (SELECT step FROM forecasts FINAL WHERE run_id = '" + twin + "')")
                    .trim());
        }
        assertThat(compared).as("forecasts compared with the unrescaled twin").isEqualTo(ph.forecastSteps.size());
        record(String.format("stop with savepoint, 2→1 (down %.1f s), 1→2 (down %.1f s); %d forecasts equal the "
                + "unrescaled ones", down1, down2, compared), ph, down1 + down2, caughtUp);
    }

    /** Whether every task of every running job runs, none on TaskManager {@code victim} (null: any). */
    private static boolean everyJobRunningWithout(String victim) {
        for (String job : running.values()) {
            if (!rest.allTasksRunning(job) || (victim != null && rest.taskManagersOf(job).contains(victim))) {
                return false;
            }
        }
        return true;
    }

    /** What the cluster and the jobs look like, and the tail of every Flink JVM's log: for a timeout's message. */
    private static String diagnosis() {
        return "\n" + rest.describe(List.copyOf(running.values())) + "logs:\n" + cluster.cluster().logs();
    }

    @Test
    @Order(5)
    void aTaskManagerThatDiesOnItsOwnIsReplacedAndTheJobsRunOnTheReplacement() throws Exception {
        Phase ph = firstHalfForecast("cr");
        int replacedBefore = cluster.cluster().replacements().size();
        Map<String, ProcessHandle> before = cluster.cluster().taskManagerProcesses();
        String victim = rest.taskManagersOf(running.get(ForecastJob.class)).iterator().next();
        CompletableFuture<Void> rest2 = CompletableFuture.runAsync(() -> sendRest(ph));
        long t0 = System.nanoTime();
        // A crash, not killTaskManager: the cluster did not stop this JVM, so it must start another in its place.
        before.get(victim).destroyForcibly();
        Await.until(Duration.ofMinutes(4), () -> "a replacement for " + victim + " and every job running on "
                + before.size() + " TaskManagers" + diagnosis(), () -> {
                    return cluster.cluster().replacements().size() > replacedBefore
                            && cluster.cluster().taskManagersRegistered() == before.size()
                            && everyJobRunningWithout(victim);
                });
        double recovery = (System.nanoTime() - t0) / 1e9;
        assertThat(cluster.cluster().taskManagerProcesses()).as("TaskManagers after the replacement")
                .hasSize(before.size()).doesNotContainKey(victim);
        rest2.get(3, TimeUnit.MINUTES);
        double caughtUp = assertExactlyOnce(ph, t0);
        record("TaskManager " + victim + " crashed (kill -9 from outside the cluster): "
                + cluster.cluster().replacements().get(replacedBefore), ph, recovery, caughtUp);
    }

    /** Failures in each running job's exception history (a fail-over adds one). */
    private static Map<String, Integer> failures() {
        Map<String, Integer> out = new TreeMap<>();
        for (var e : running.entrySet()) {
            out.put(e.getKey().getSimpleName(),
                    rest.get("jobs/" + e.getValue() + "/exceptions").path("exceptionHistory").path("entries").size());
        }
        return out;
    }

    // ---- jobs ----------------------------------------------------------------------------------------------

    private static void startJobs(int parallelism, Map<Class<?>, String> savepoints) throws Exception {
        for (Class<?> job : JOBS) {
            Map<String, String> overrides = new TreeMap<>(job == ForecastJob.class ? FORECAST : Map.of());
            overrides.put("parallelism", Integer.toString(parallelism));
            overrides.put("checkpoint.interval-ms", "1000");
            JobClient c = cluster.submit(job, stack.jobSettings(overrides), savepoints.get(job));
            running.put(job, c.getJobID().toString());
        }
        Await.until(Duration.ofMinutes(3), () -> "every job's tasks running" + diagnosis(),
                () -> everyJobRunningWithout(null));
    }

    /** Stops every job with a savepoint and starts it again from there at {@code parallelism}. */
    private static void rescale(int parallelism) throws Exception {
        Map<Class<?>, String> savepoints = new LinkedHashMap<>();
        for (Map.Entry<Class<?>, String> e : running.entrySet()) {
            savepoints.put(e.getKey(), rest.stopWithSavepoint(e.getValue(),
                    cluster.cluster().savepointDir().toUri().toString(), Duration.ofMinutes(2)));
        }
        running.clear();
        startJobs(parallelism, savepoints);
    }

    // ---- data ----------------------------------------------------------------------------------------------

    /** One fault's data: a real run (its own family, so no other run is its reference), a MoE run, two bad records. */
    static final class Phase {
        final String prefix;
        final List<RunReplayer> runs = new ArrayList<>();
        final List<List<SpecificRecord>> records = new ArrayList<>();
        final DemoCommand.Expected expected = new DemoCommand.Expected();
        final Set<String> forecastSteps = new TreeSet<>();
        final List<RecordMetadata> badRecords = new ArrayList<>();
        long produced;
        int deadLetters;

        private Phase(String prefix) {
            this.prefix = prefix;
        }

        static Phase create(String prefix) {
            Phase ph = new Phase(prefix);
            for (String name : List.of("cosine_24000")) {
                SampleRuns.Sample s = SampleRuns.get("mpl-25m/" + name);
                String id = prefix + "-" + name;
                RunReplayer r = RunReplayer.create(s.load(), id).withFamilyId(id).withEvalMetrics(false)
                        .withBatchTokens(SampleRuns.BATCH_TOKENS).withTotalParams(s.totalParams())
                        .withStopTarget(StopTarget.newBuilder().setKind(StopTargetKind.LOSS).setTargetLoss(3.3).build());
                ph.runs.add(r);
                List<SpecificRecord> out = new ArrayList<>();
                r.replay(out::add);
                ph.records.add(out);
                ph.forecastSteps.addAll(expectedForecastSteps(r));
            }
            List<SpecificRecord> moe = new ArrayList<>();
            MoeRunSimulator.builder().runId(prefix + "-moe").familyId(prefix + "-moe").steps(200).layers(4).seed(7)
                    .build().run(moe::add);
            ph.records.add(moe);
            ph.records.forEach(list -> list.forEach(rec -> {
                ph.expected.add(rec);
                ph.produced++;
            }));
            return ph;
        }

        String runsSql() {
            return "run_id LIKE '" + prefix + "-%'";
        }
    }

    /** Forecast identities the policy implies: every REFIT_POINTS-th measured loss, and the final step. */
    static Set<String> expectedForecastSteps(RunReplayer r) {
        Set<String> out = new TreeSet<>();
        int points = 0;
        var c = r.curve();
        for (long s = c.firstStep(); s <= c.lastStep(); s++) {
            if (!Double.isNaN(c.lossAt(s)) && ++points % REFIT_POINTS == 0) {
                out.add(r.runId() + "@" + s);
            }
        }
        out.add(r.runId() + "@" + c.lastStep());
        return out;
    }

    /** Sends each list's records from fraction {@code from} to {@code to}, the lists interleaved as trainers would. */
    static void send(Phase ph, double from, double to) {
        try (KafkaProducer<byte[], byte[]> p = producer()) {
            int max = ph.records.stream().mapToInt(List::size).max().orElse(0);
            for (int i = 0; i < max; i++) {
                for (List<SpecificRecord> run : ph.records) {
                    int a = (int) (from * run.size());
                    int b = (int) (to * run.size());
                    if (a + i < b) {
                        SpecificRecord r = run.get(a + i);
                        RecordKind k = RecordKind.of(r);
                        p.send(new ProducerRecord<>(k.topic(), k.keyOf(r).getBytes(StandardCharsets.UTF_8),
                                CODEC.encode(r)));
                    }
                }
            }
            p.flush();
        }
    }

    /** The second half of a phase and its two records that must become dead letters. */
    static void sendRest(Phase ph) {
        sendRest(ph, 0.5);
    }

    /** The phase's records from fraction {@code from} on, then its two records that must become dead letters. */
    static void sendRest(Phase ph, double from) {
        send(ph, from, 1.0);
        StepMetrics nan = StepMetrics.newBuilder().setRunId(ph.prefix + "-bad").setStep(1).setWallTimeMs(1L)
                .setLr(1e-4).setLoss(Double.NaN).build();
        byte[] key = (ph.prefix + "-bad").getBytes(StandardCharsets.UTF_8);
        try (KafkaProducer<byte[], byte[]> p = producer()) {
            ph.badRecords.add(p.send(new ProducerRecord<>(RecordKind.STEP_METRICS.topic(), key, CODEC.encode(nan)))
                    .get(2, TimeUnit.MINUTES));
            ph.badRecords.add(p.send(new ProducerRecord<>(RecordKind.STEP_METRICS.topic(), key,
                    "not avro".getBytes(StandardCharsets.UTF_8))).get(2, TimeUnit.MINUTES));
        } catch (Exception e) {
            throw new IllegalStateException("bad records not sent", e);
        }
    }

    static KafkaProducer<byte[], byte[]> producer() {
        // Idempotent, unlimited retries within the delivery timeout: what a trainer's producer does across a
        // broker restart.
        return new KafkaProducer<>(Map.of("bootstrap.servers", stack.kafka().bootstrapServers(),
                "key.serializer", ByteArraySerializer.class, "value.serializer", ByteArraySerializer.class,
                "enable.idempotence", "true", "acks", "all", "delivery.timeout.ms", "300000",
                "max.block.ms", "300000", "linger.ms", "5"));
    }

    /** A new phase whose first half is sent, in ClickHouse, forecast and checkpointed: where each fault starts. */
    static Phase firstHalfForecast(String prefix) throws Exception {
        Phase ph = Phase.create(prefix);
        send(ph, 0.0, 0.5);
        awaitProgress(ph);
        return ph;
    }

    /** Waits until the phase's first records are in ClickHouse and forecast, and every job has checkpointed since. */
    static void awaitProgress(Phase ph) throws Exception {
        Await.until(Duration.ofMinutes(3), () -> "the first forecasts of " + ph.prefix + diagnosis(), () ->
                count("SELECT count() FROM forecasts FINAL WHERE " + ph.runsSql()) >= 2
                        && count("SELECT count() FROM step_metrics FINAL WHERE " + ph.runsSql()) > 0);
        Map<String, Long> before = new LinkedHashMap<>();
        for (String job : running.values()) {
            before.put(job, rest.completedCheckpoints(job));
        }
        Await.until(Duration.ofMinutes(2), () -> "a checkpoint of every job" + diagnosis(), () -> {
            for (var e : before.entrySet()) {
                if (rest.completedCheckpoints(e.getKey()) <= e.getValue()) {
                    return false;
                }
            }
            return true;
        });
    }

    // ---- checks --------------------------------------------------------------------------------------------

    /**
     * Waits until everything of the phase is in ClickHouse, then checks it came exactly once; returns the seconds
     * from {@code t0} until it was all there.
     */
    static double assertExactlyOnce(Phase ph, long t0) throws Exception {
        Map<String, Long> want = new TreeMap<>();
        for (String table : DemoCommand.TABLES.keySet()) {
            want.put(table, ph.expected.rows.entrySet().stream().filter(e -> e.getKey().startsWith(ph.prefix + "-"))
                    .mapToLong(e -> e.getValue().getOrDefault(table, 0L)).sum());
        }
        Await.until(Duration.ofMinutes(5), () -> "every row of " + ph.prefix + ": want " + want + ", found "
                + found(ph, want.keySet()) + ", forecasts " + forecastIds(ph).size() + "/" + ph.forecastSteps.size()
                + diagnosis(),
                () -> found(ph, want.keySet()).equals(want) && forecastIds(ph).containsAll(ph.forecastSteps)
                        && count("SELECT count() FROM dead_letters FINAL WHERE " + badSql(ph)) >= 2);
        double seconds = (System.nanoTime() - t0) / 1e9;
        // Exactly: no table holds more than was produced (a doubled record would survive FINAL only if its key
        // differed; it must not), and the forecasts are exactly the policy's.
        assertThat(found(ph, want.keySet())).as("rows per table under FINAL").isEqualTo(want);
        assertThat(forecastIds(ph)).as("forecast identities (run@step)")
                .containsAll(ph.forecastSteps);
        Set<String> ours = new TreeSet<>(forecastIds(ph));
        ours.removeIf(id -> id.startsWith(ph.prefix + "-moe@"));
        assertThat(ours).as("forecasts of the real runs, none extra").isEqualTo(ph.forecastSteps);
        assertThat(stack.http().query("SELECT run_id, step FROM forecasts WHERE " + ph.runsSql() + " GROUP BY run_id,"
                + " step HAVING uniqExact(final_pred) > 1 OR uniqExact(status) > 1")).as("conflicting copies of a"
                + " forecast").isEmpty();
        for (RunReplayer r : ph.runs) {
            List<List<String>> seqs = stack.http().query("SELECT seq FROM advice FINAL WHERE run_id = '" + r.runId()
                    + "' ORDER BY seq");
            for (int i = 0; i < seqs.size(); i++) {
                assertThat(Integer.parseInt(seqs.get(i).get(0))).as(r.runId() + " advice seq").isEqualTo(i + 1);
            }
        }
        assertThat(stack.http().query("SELECT run_id, step FROM gradient_noise FINAL WHERE " + ph.runsSql()
                + " GROUP BY run_id, step HAVING count() > 1")).as("gradient noise rows twice under FINAL").isEmpty();
        assertThat(count("SELECT count() FROM dead_letters FINAL WHERE " + badSql(ph))).as("dead letters in the table")
                .isEqualTo(2);
        // Every job reading step metrics refuses the garbage record (each says so once, refused_by its name); only the
        // ingest job validates the NaN loss.
        // The other jobs' letters are committed with their next checkpoint, which may come after the rows: wait for
        // all five (a lost letter would time out here), then check none came twice.
        Map<String, Long> letters = Await.until(Duration.ofMinutes(2), "the phase's " + DEAD_LETTERS
                + " dead letters on the topic", () -> deadLettersOnTopic(ph), l -> l.size() >= DEAD_LETTERS);
        assertThat(letters).as("dead letters on the topic per job and record: " + letters).hasSize(DEAD_LETTERS);
        assertThat(letters.values()).as("dead letters on the topic per job and record, read committed: " + letters)
                .allMatch(n -> n == 1);
        assertThat(letters.keySet().stream().filter(k -> k.startsWith("runlaw-ingest@")).count())
                .as("the ingest job's dead letters: " + letters).isEqualTo(2);
        ph.deadLetters = letters.size();
        return seconds;
    }

    private static Map<String, Long> found(Phase ph, Set<String> tables) {
        Map<String, Long> out = new TreeMap<>();
        for (String table : tables) {
            String col = DemoCommand.TABLES.get(table);
            out.put(table, count("SELECT count() FROM " + table + " FINAL WHERE " + col + " LIKE '" + ph.prefix + "-%'"));
        }
        return out;
    }

    private static Set<String> forecastIds(Phase ph) {
        Set<String> out = new TreeSet<>();
        for (List<String> row : stack.http().query("SELECT run_id, step FROM forecasts FINAL WHERE " + ph.runsSql())) {
            out.add(row.get(0) + "@" + row.get(1));
        }
        return out;
    }

    private static String badSql(Phase ph) {
        List<String> keys = new ArrayList<>();
        for (RecordMetadata m : ph.badRecords) {
            keys.add("(" + m.partition() + ", " + m.offset() + ")");
        }
        return "topic = '" + RecordKind.STEP_METRICS.topic() + "' AND (partition, offset) IN (" + String.join(", ", keys)
                + ")";
    }

    /** The phase's dead letters on the topic, counted per "refused_by@partition:offset". */
    private static Map<String, Long> deadLettersOnTopic(Phase ph) {
        byte[] key = (ph.prefix + "-bad").getBytes(StandardCharsets.UTF_8);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers",
                stack.kafka().bootstrapServers(), "key.deserializer", ByteArrayDeserializer.class,
                "value.deserializer", ByteArrayDeserializer.class, "isolation.level", "read_committed",
                "enable.auto.commit", "false"))) {
            List<TopicPartition> parts = c.partitionsFor(Topics.DEAD_LETTERS).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            Map<String, Long> n = new TreeMap<>();
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    if (java.util.Arrays.equals(r.key(), key)) {
                        DeadLetter d = DeadLetter.fromByteBuffer(ByteBuffer.wrap(r.value()));
                        n.merge(d.getRefusedBy() + "@" + d.getPartition() + ":" + d.getOffset(), 1L, Long::sum);
                    }
                }
            }
            return n;
        } catch (java.io.IOException e) {
            throw new IllegalStateException("unreadable dead letter", e);
        }
    }

    private static long count(String sql) {
        return Long.parseLong(stack.http().queryValue(sql).trim());
    }

    private static void record(String fault, Phase ph, double recoverySeconds, double caughtUpSeconds) {
        long rows = found(ph, DemoCommand.TABLES.keySet()).values().stream().mapToLong(Long::longValue).sum();
        String line = String.format("%s: produced %d records (+2 bad), found %d rows under FINAL (as expected), "
                        + "%d forecasts (as the policy implies), %d dead letters on the topic (each once); recovery "
                        + "%.1f s, all rows in %.1f s", fault, ph.produced, rows, ph.forecastSteps.size(),
                ph.deadLetters, recoverySeconds, caughtUpSeconds);
        System.out.println(line);
        summary.append(line).append('\n');
    }
}
