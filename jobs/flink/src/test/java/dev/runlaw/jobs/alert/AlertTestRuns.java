package dev.runlaw.jobs.alert;

import dev.runlaw.jobs.kafka.KafkaRecord;
import dev.runlaw.schema.DataMovement;
import dev.runlaw.schema.ExpertLoad;
import dev.runlaw.schema.ForecastPoint;
import dev.runlaw.schema.ForecastStatus;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.RunFinished;
import dev.runlaw.schema.RunForecast;
import dev.runlaw.schema.RunStatus;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.Topics;
import dev.runlaw.schema.codec.TelemetryCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A seeded MoE run for the alert job's tests: a power-law loss {@code 2 + 8 (s+1)^-0.3} with 1 % log-normal noise
 * and a x2.5 spike at {@link #SPIKE_STEP}; one MoE layer of 16 experts routed uniformly (multinomial draws of 2048
 * tokens) except from {@link #COLLAPSE_FROM} to {@link #COLLAPSE_TO} (inclusive), when one expert takes 90 %; one
 * forecast at step {@link #FORECAST_STEP} whose curve is the noise-free law (what a good fit would give); layer 0's
 * all-to-all data movement over {@link #DEVICES} devices (one record per ordered pair and step, 1 MB ± 20 %), with
 * the pair 1 → 2 carrying 8× from {@link #HOT_FROM} to {@link #HOT_TO} (inclusive; its own seeded stream).
 */
final class AlertTestRuns {
    static final String RUN = "moe-a";
    static final long START_MS = 1_735_689_600_000L;
    static final long STEP_MS = 1_000;
    static final int LAST_STEP = 399;
    static final int SPIKE_STEP = 250;
    static final int COLLAPSE_FROM = 300;
    static final int COLLAPSE_TO = 339;
    static final int FORECAST_STEP = 100;
    static final int EXPERTS = 16;
    static final int DEVICES = 4;
    static final int HOT_FROM = 150;
    static final int HOT_TO = 189;

    private static final TelemetryCodec CODEC = new TelemetryCodec();
    private static long offset;

    private AlertTestRuns() {
    }

    static double law(long s) {
        return 2 + 8 * Math.pow(s + 1, -0.3);
    }

    /** The run's records in arrival order: steps and expert loads interleaved, the forecast after its step. */
    static List<KafkaRecord> run(String prefix) {
        Random rnd = new Random(7);
        Random links = new Random(11);
        List<KafkaRecord> out = new ArrayList<>();
        for (int s = 0; s <= LAST_STEP; s++) {
            double loss = law(s) * Math.exp(0.01 * rnd.nextGaussian()) * (s == SPIKE_STEP ? 2.5 : 1);
            out.add(record(prefix, StepMetrics.newBuilder().setRunId(RUN).setStep(s)
                    .setWallTimeMs(START_MS + s * STEP_MS).setLr(3e-4).setLoss(loss).build()));
            boolean collapsed = s >= COLLAPSE_FROM && s <= COLLAPSE_TO;
            out.add(record(prefix, ExpertLoad.newBuilder().setRunId(RUN).setStep(s).setWallTimeMs(START_MS + s * STEP_MS)
                    .setLayer(0).setTokensPerExpert(route(rnd, collapsed)).build()));
            out.addAll(movement(prefix, links, s, s >= HOT_FROM && s <= HOT_TO ? 8 : 1));
            if (s == FORECAST_STEP) {
                out.add(forecast(prefix));
            }
        }
        return out;
    }

    /** Layer 0's data movement of step {@code s}, the pair 1 → 2 multiplied by {@code hot}. */
    static List<KafkaRecord> movement(String prefix, Random rnd, int s, double hot) {
        List<KafkaRecord> out = new ArrayList<>();
        for (int i = 0; i < DEVICES; i++) {
            for (int j = 0; j < DEVICES; j++) {
                if (i != j) {
                    long bytes = (long) (1_000_000 * (0.8 + 0.4 * rnd.nextDouble()) * (i == 1 && j == 2 ? hot : 1));
                    out.add(record(prefix, DataMovement.newBuilder().setSource(RUN).setStep(s)
                            .setWallTimeMs(START_MS + s * STEP_MS).setLayer(0).setSrcDevice(i).setDstDevice(j)
                            .setBytes(bytes).build()));
                }
            }
        }
        return out;
    }

    static KafkaRecord finished(String prefix) {
        return record(prefix, RunFinished.newBuilder().setRunId(RUN).setFinishedAtMs(START_MS + 500 * STEP_MS)
                .setFinalStep(LAST_STEP).setStatus(RunStatus.COMPLETED).build());
    }

    static KafkaRecord record(String prefix, org.apache.avro.specific.SpecificRecord r) {
        RecordKind k = RecordKind.of(r);
        return new KafkaRecord(prefix + k.topic(), 0, offset++, 0, k.keyOf(r).getBytes(StandardCharsets.UTF_8),
                CODEC.encode(r));
    }

    private static KafkaRecord forecast(String prefix) {
        List<ForecastPoint> curve = new ArrayList<>();
        for (long s = FORECAST_STEP + 1; s <= 3000; s += 25) {
            curve.add(new ForecastPoint(s, law(s), law(s) * 0.95, law(s) * 1.05));
        }
        RunForecast f = RunForecast.newBuilder().setRunId(RUN).setStep(FORECAST_STEP).setObservedPoints(101)
                .setStepWallTimeMs(START_MS + FORECAST_STEP * STEP_MS).setEmittedAtMs(START_MS)
                .setStatus(ForecastStatus.OK).setPlannedFinalStep(3000).setCurve(curve).build();
        try {
            ByteBuffer b = f.toByteBuffer();
            byte[] v = new byte[b.remaining()];
            b.get(v);
            return new KafkaRecord(prefix + Topics.FORECASTS, 0, offset++, 0, RUN.getBytes(StandardCharsets.UTF_8), v);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Long> route(Random rnd, boolean collapsed) {
        long[] counts = new long[EXPERTS];
        for (int t = 0; t < 2048; t++) {
            int e = collapsed && rnd.nextDouble() < 0.9 ? 0 : rnd.nextInt(EXPERTS);
            counts[collapsed && e == 0 ? 0 : e]++;
        }
        List<Long> out = new ArrayList<>(EXPERTS);
        for (long c : counts) {
            out.add(c);
        }
        return out;
    }
}
