package dev.runlaw.jobs.forecast;

import dev.runlaw.schema.ModelFacts;
import dev.runlaw.schema.RunFinished;
import dev.runlaw.schema.RunReference;
import dev.runlaw.schema.RunStatus;
import dev.runlaw.schema.RunStarted;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.StopTarget;
import dev.runlaw.schema.StopTargetKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.avro.specific.SpecificRecord;

/**
 * Test input: a run following the momentum law (Tissue et al. 2024, L = 2 + 4·S1^-0.3, constant LR 3e-4 after a
 * 100-step warmup, 3000 steps planned, a loss every 10 steps with 0.2 % seeded noise), and configurations.
 */
final class ForecastTestRuns {
    static final long T0 = 1_735_689_600_000L;
    static final int PLANNED_LAST = 2999;

    private ForecastTestRuns() {
    }

    /** A configuration with the momentum law and the given extra keys. */
    static ForecastConfig config(int refitPoints, long intervalMs, String... extra) {
        Map<String, String> m = new java.util.HashMap<>(Map.of("bootstrap.servers", "127.0.0.1:9092",
                "clickhouse.url", "http://127.0.0.1:8123", "forecast.law", "momentum",
                "forecast.refit-points", Integer.toString(refitPoints),
                "forecast.refit-interval-ms", Long.toString(intervalMs)));
        for (int i = 0; i + 1 < extra.length; i += 2) {
            m.put(extra[i], extra[i + 1]);
        }
        return ForecastConfig.fromMap(m);
    }

    /** RunStarted of {@code runId} (family "fam"), with an optional stop target loss. */
    static RunStarted started(String runId, Double targetLoss) {
        return RunStarted.newBuilder().setRunId(runId).setFamilyId("fam").setStartedAtMs(T0)
                .setModel(ModelFacts.newBuilder().build()).setPlannedTotalSteps(PLANNED_LAST)
                .setLrPerStep(Arrays.stream(lr()).boxed().toList())
                .setStopTarget(targetLoss == null ? null
                        : StopTarget.newBuilder().setKind(StopTargetKind.LOSS).setTargetLoss(targetLoss).build())
                .build();
    }

    /** Steps 0..last of {@code runId}, a loss every 10th. */
    static List<StepMetrics> steps(String runId, int last) {
        double[] lr = lr();
        List<StepMetrics> out = new ArrayList<>();
        SplittableRandom rnd = new SplittableRandom(11);
        double s1 = 0;
        for (int s = 0; s <= last; s++) {
            s1 += s < 100 ? 3e-4 : lr[s];
            Double loss = s % 10 == 0 ? 2.0 + 4.0 * Math.pow(s1, -0.3) * (1 + 0.002 * rnd.nextGaussian()) : null;
            out.add(StepMetrics.newBuilder().setRunId(runId).setStep(s).setWallTimeMs(T0 + s).setLr(lr[s])
                    .setLoss(loss).build());
        }
        return out;
    }

    /** RunStarted then steps 0..last. */
    static List<SpecificRecord> run(String runId, int last) {
        List<SpecificRecord> out = new ArrayList<>();
        out.add(started(runId, null));
        out.addAll(steps(runId, last));
        return out;
    }

    static RunFinished finished(String runId, long finalStep) {
        return RunFinished.newBuilder().setRunId(runId).setFinishedAtMs(T0 + finalStep).setFinalStep(finalStep)
                .setStatus(RunStatus.COMPLETED).build();
    }

    /** A small reference of {@code family} finished at {@code finishedAtMs}. */
    static RunReference reference(String runId, String family, long finishedAtMs, double finalLoss) {
        return RunReference.newBuilder().setRunId(runId).setFamilyId(family).setFinishedAtMs(finishedAtMs)
                .setFinalStep(999).setFinalLoss(finalLoss).setLrKnotSteps(List.of(0L, 999L))
                .setLrKnotValues(List.of(3e-4, 3e-4)).setLossSteps(List.of(100L, 500L, 999L))
                .setLosses(List.of(3.0, 2.8, finalLoss)).build();
    }

    private static double[] lr() {
        double[] lr = new double[PLANNED_LAST + 1];
        for (int s = 0; s < lr.length; s++) {
            lr[s] = s < 100 ? 3e-4 * s / 99 : 3e-4;
        }
        return lr;
    }
}
