package dev.runlaw.jobs.ingest;

import dev.runlaw.schema.DataMovement;
import dev.runlaw.schema.DecayKind;
import dev.runlaw.schema.EvalMetrics;
import dev.runlaw.schema.ExpertLoad;
import dev.runlaw.schema.LrScheduleSpec;
import dev.runlaw.schema.ModelFacts;
import dev.runlaw.schema.RoutingTraceBatch;
import dev.runlaw.schema.RunFinished;
import dev.runlaw.schema.RunStarted;
import dev.runlaw.schema.RunStatus;
import dev.runlaw.schema.SourceKind;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.TokenRoute;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Valid records of every kind, for the unit tests and the IT. */
public final class TestRecords {
    /** 2026-01-15T00:00:00Z. */
    public static final long T0 = 1_768_435_200_000L;

    private TestRecords() {
    }

    public static StepMetrics step(String run, long step) {
        return StepMetrics.newBuilder()
                .setRunId(run).setStep(step).setWallTimeMs(T0 + step * 1000).setTokensSeen(step * 4096)
                .setLr(3e-4).setLoss(2.5 + 1.0 / (step + 1)).setGradNorm(step % 2 == 0 ? 0.9 : null)
                .build();
    }

    public static EvalMetrics eval(String run, long step, String set) {
        return EvalMetrics.newBuilder().setRunId(run).setStep(step).setWallTimeMs(T0 + step * 1000)
                .setEvalSet(set).setLoss(2.7).setAccuracy(null).build();
    }

    public static ExpertLoad expertLoad(String run, long step, int layer, int experts) {
        List<Long> tokens = new ArrayList<>(experts);
        for (int e = 0; e < experts; e++) {
            tokens.add((long) ((e * 37 + step * 11 + layer) % 100));
        }
        return ExpertLoad.newBuilder().setRunId(run).setStep(step).setWallTimeMs(T0 + step * 1000).setLayer(layer)
                .setTokensPerExpert(tokens).setDroppedTokens(3).setAuxLoss(0.01).setZLoss(null).build();
    }

    public static RoutingTraceBatch routing(String source, long step, int tokens) {
        List<TokenRoute> routes = new ArrayList<>(tokens);
        for (int i = 0; i < tokens; i++) {
            routes.add(TokenRoute.newBuilder().setSequenceId("seq-" + (i / 4)).setTokenPosition(i % 4)
                    .setLayer(i % 2).setExpertIds(List.of(i % 8, (i + 3) % 8))
                    .setGateWeights(List.of(0.75f, 0.25f)).build());
        }
        return RoutingTraceBatch.newBuilder().setSource(source).setSourceKind(SourceKind.TRAINING).setStep(step)
                .setWallTimeMs(T0 + step * 1000).setTokens(routes).build();
    }

    public static DataMovement movement(String source, long step, int src, int dst) {
        return DataMovement.newBuilder().setSource(source).setStep(step).setWallTimeMs(T0 + step * 1000).setLayer(1)
                .setSrcDevice(src).setDstDevice(dst).setBytes(1L << 20).build();
    }

    public static RunStarted runStarted(String run) {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("dataset", "c4");
        tags.put("owner", "ana \"the\" trainer");
        return RunStarted.newBuilder()
                .setRunId(run).setFamilyId("fam-1").setStartedAtMs(T0)
                .setModel(ModelFacts.newBuilder().setTotalParams(1_000_000_000L).setActiveParams(250_000_000L)
                        .setLayers(24).setExperts(8).setTopK(2).setHiddenSize(2048).build())
                .setPlannedTotalSteps(10_000)
                .setSchedule(LrScheduleSpec.newBuilder().setKind(DecayKind.WSD_LINEAR).setWarmupSteps(100)
                        .setPeakLr(3e-4).setMinLr(3e-5).setDecayStartStep(8000).setTotalSteps(10_000).build())
                .setLrPerStep(null).setBatchSizeSequences(512).setBatchSizeTokens(512L * 2048).setSeqLen(2048)
                .setTags(tags).build();
    }

    public static RunFinished runFinished(String run) {
        return RunFinished.newBuilder().setRunId(run).setFinishedAtMs(T0 + 3_600_000).setFinalStep(9_999)
                .setStatus(RunStatus.COMPLETED).setMessage(null).build();
    }
}
