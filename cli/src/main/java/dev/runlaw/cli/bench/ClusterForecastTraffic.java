package dev.runlaw.cli.bench;

import dev.runlaw.schema.DecayKind;
import dev.runlaw.schema.LrScheduleSpec;
import dev.runlaw.schema.ModelFacts;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.RunStarted;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.codec.TelemetryCodec;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The forecast job's load in {@code bench cluster}: a fixed set of runs ({@code <prefix>-00000}, ...), each declared
 * once by a {@link RunStarted} (cosine plan of {@value #PLANNED} steps, warm-up {@value #WARMUP}), then fed in
 * passes: a pass sends the next {@code stepsPerPass} steps of every run, round-robin over the runs as concurrent
 * trainers would, each step with its LR and a loss at every step (a power law in the LR area with 0.3 % seeded
 * noise). The runs only go forward, so the job's state per run grows as a live run's would; the set of runs stays
 * the same ("N runs at saturation").
 */
final class ClusterForecastTraffic {
    static final long WARMUP = 50;
    static final long PLANNED = 200_000;
    static final double PEAK = 3e-4;

    private final String prefix;
    private final int runs;
    private final int stepsPerPass;
    private final TelemetryCodec codec = new TelemetryCodec();
    private final SplittableRandom rnd = new SplittableRandom(42);
    /** Forward LR area of every run so far (all runs share the schedule and step). */
    private double s1;
    private long nextStep;

    ClusterForecastTraffic(String prefix, int runs, int stepsPerPass) {
        this.prefix = prefix;
        this.runs = runs;
        this.stepsPerPass = stepsPerPass;
    }

    /** The run ids' common prefix: {@code LIKE '<prefix>-%'} matches every run. */
    String prefix() {
        return prefix;
    }

    int runs() {
        return runs;
    }

    /** Sends every run's RunStarted to {@code topicPrefix + runlaw.run-started} (not flushed). */
    void declare(Producer<byte[], byte[]> p, String topicPrefix) {
        for (int r = 0; r < runs; r++) {
            RunStarted rs = RunStarted.newBuilder().setRunId(id(r)).setFamilyId(prefix + "-" + (r % 10))
                    .setStartedAtMs(BenchTraffic.T0).setModel(ModelFacts.newBuilder().build())
                    .setPlannedTotalSteps(PLANNED - 1)
                    .setSchedule(LrScheduleSpec.newBuilder().setKind(DecayKind.COSINE).setWarmupSteps(WARMUP)
                            .setPeakLr(PEAK).setMinLr(PEAK / 10).setDecayStartStep(WARMUP).setTotalSteps(PLANNED)
                            .build()).build();
            p.send(new ProducerRecord<>(topicPrefix + RecordKind.RUN_STARTED.topic(), key(r), codec.encode(rs)));
        }
    }

    /**
     * Sends {@code passes} passes to {@code topicPrefix + runlaw.step-metrics} (not flushed).
     *
     * @return steps sent
     */
    long send(Producer<byte[], byte[]> p, String topicPrefix, long passes) {
        String topic = topicPrefix + RecordKind.STEP_METRICS.topic();
        long end = nextStep + passes * stepsPerPass;
        if (end >= PLANNED) {
            throw new IllegalStateException("the runs reached their planned " + PLANNED + " steps");
        }
        for (; nextStep < end; nextStep++) {
            double lr = lr(nextStep);
            s1 += nextStep < WARMUP ? PEAK : lr;
            for (int r = 0; r < runs; r++) {
                double loss = 2.0 + 2.4 * Math.pow(s1, -0.4) * (1 + 0.003 * rnd.nextGaussian());
                StepMetrics m = StepMetrics.newBuilder().setRunId(id(r)).setStep(nextStep)
                        .setWallTimeMs(BenchTraffic.T0 + nextStep * 1000L).setLr(lr).setLoss(loss).build();
                p.send(new ProducerRecord<>(topic, key(r), codec.encode(m)));
            }
        }
        return passes * stepsPerPass * (long) runs;
    }

    /** The last step sent to every run, -1 before the first pass. */
    long lastStep() {
        return nextStep - 1;
    }

    /** Linear warm-up to {@link #PEAK}, then cosine to a tenth of it at {@link #PLANNED}. */
    static double lr(long s) {
        if (s < WARMUP) {
            return PEAK * s / (WARMUP - 1);
        }
        return PEAK / 10 + 0.5 * (PEAK - PEAK / 10) * (1 + Math.cos(Math.PI * (s - WARMUP) / (PLANNED - WARMUP)));
    }

    private String id(int r) {
        return String.format(Locale.ROOT, "%s-%05d", prefix, r);
    }

    private byte[] key(int r) {
        return id(r).getBytes(StandardCharsets.UTF_8);
    }
}
