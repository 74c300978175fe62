package dev.runlaw.schema;

import java.util.List;
import java.util.Map;

/** Valid records of every kind, for tests; each test mutates a copy to make it invalid. */
final class Samples {
    static final long T0 = 1_700_000_000_000L;

    private Samples() {
    }

    static RunStarted runStarted() {
        return RunStarted.newBuilder()
                .setRunId("run-1").setFamilyId("fam").setStartedAtMs(T0)
                .setModel(ModelFacts.newBuilder().setTotalParams(1_000_000L).setActiveParams(250_000L).setLayers(4)
                        .setExperts(8).setTopK(2).setHiddenSize(64).build())
                .setPlannedTotalSteps(1000)
                .setSchedule(LrScheduleSpec.newBuilder().setKind(DecayKind.WSD_LINEAR).setWarmupSteps(10)
                        .setPeakLr(3e-4).setMinLr(3e-5).setDecayStartStep(800).setTotalSteps(1000).build())
                .setBatchSizeSequences(256).setBatchSizeTokens(256 * 1024).setSeqLen(1024)
                .setStopTarget(StopTarget.newBuilder().setKind(StopTargetKind.LOSS).setTargetLoss(3.1).build())
                .setTags(Map.of("dataset", "c4"))
                .setWeightDecay(0.1)
                .build();
    }

    static RunFinished runFinished() {
        return RunFinished.newBuilder().setRunId("run-1").setFinishedAtMs(T0 + 1000).setFinalStep(1000)
                .setStatus(RunStatus.COMPLETED).build();
    }

    static StepMetrics step() {
        return StepMetrics.newBuilder().setRunId("run-1").setStep(5).setWallTimeMs(T0 + 5).setTokensSeen(5 * 1024)
                .setLr(1e-4).setLoss(3.2).setGradNorm(0.8).setGradSqNormSmall(2.0).setBatchSmall(32L)
                .setGradSqNormBig(0.9).setBatchBig(256L).setThroughputTokensPerS(1e5)
                .setGroupLrs(Map.of("embed", 1e-4)).build();
    }

    static EvalMetrics eval() {
        return EvalMetrics.newBuilder().setRunId("run-1").setStep(100).setWallTimeMs(T0 + 100)
                .setEvalSet("validation").setLoss(3.1).setAccuracy(0.4).build();
    }

    static ExpertLoad expertLoad() {
        return ExpertLoad.newBuilder().setRunId("run-1").setStep(5).setWallTimeMs(T0 + 5).setLayer(1)
                .setTokensPerExpert(List.of(10L, 20L, 0L, 5L, 7L, 9L, 11L, 3L)).setDroppedTokens(2)
                .setAuxLoss(0.01).setZLoss(0.001).build();
    }

    static RoutingTraceBatch routing() {
        return RoutingTraceBatch.newBuilder().setSource("run-1").setSourceKind(SourceKind.TRAINING).setStep(5)
                .setWallTimeMs(T0 + 5)
                .setTokens(List.of(
                        TokenRoute.newBuilder().setSequenceId("s0").setTokenPosition(0).setLayer(0)
                                .setExpertIds(List.of(1, 3)).setGateWeights(List.of(0.6f, 0.4f)).build(),
                        TokenRoute.newBuilder().setSequenceId("s0").setTokenPosition(1).setLayer(0)
                                .setExpertIds(List.of(1, 2)).setGateWeights(List.of()).build()))
                .build();
    }

    static DataMovement dataMovement() {
        return DataMovement.newBuilder().setSource("run-1").setStep(5).setWallTimeMs(T0 + 5).setLayer(0)
                .setSrcDevice(0).setDstDevice(1).setBytes(4096).build();
    }

    static List<org.apache.avro.specific.SpecificRecord> all() {
        return List.of(runStarted(), runFinished(), step(), eval(), expertLoad(), routing(), dataMovement());
    }
}
