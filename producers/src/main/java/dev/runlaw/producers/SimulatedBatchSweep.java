package dev.runlaw.producers;

import dev.runlaw.schema.DecayKind;
import dev.runlaw.schema.LrScheduleSpec;
import dev.runlaw.schema.ModelFacts;
import dev.runlaw.schema.RunFinished;
import dev.runlaw.schema.RunStarted;
import dev.runlaw.schema.RunStatus;
import dev.runlaw.schema.StepMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.avro.specific.SpecificRecord;

/**
 * A family of runs of one model at different batch sizes with a known steps-versus-batch law, as a batch-size sweep
 * produces them (McCandlish et al. 2018; Zhang et al. 2024): to reach loss L at batch B a run needs
 * S_B(L) = S_min(L) (1 + B_noise(L) / B) steps, with S_min(L) = 2 (8 / (L - 2))^2 and
 * B_noise(L) = 200 (1 / (L - 2))^1.5 sequences, growing as the loss falls ({@link #sMin}, {@link #bNoise}). Every run trains the same number of
 * sequences, so small-batch runs end lower. Each step carries its loss (multiplicative noise {@code lossNoise}) and
 * the squared gradient norms of one of {@value #REPLICAS} data-parallel replicas (batch B / {@value #REPLICAS}) and of
 * the global batch, with true |G|² = {@value #GRAD_SQ_PER_LOSS} (L - L0) and true B_simple = B_noise(L):
 * |G_b|² = (|G|² + tr(Σ)/b)(1 + ε), ε ~ N(0, 0.05²) for the replica and N(0, 0.02²) for the global batch.
 * Seeded and deterministic.
 */
public final class SimulatedBatchSweep {
    /** Data-parallel replicas per step (batch_small = batch / REPLICAS). */
    public static final int REPLICAS = 8;
    static final double GRAD_SQ_PER_LOSS = 0.5;
    private static final double L0 = 2.0;
    private static final double A = 8.0;
    private static final double ALPHA = 0.5;
    private static final double S0 = 2.0;
    private static final double B0 = 200.0;
    private static final double GAMMA = 1.5;
    private static final long START_MS = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

    private final String familyId;
    private final long seed;
    private final long[] batches;
    private final int seqLen;
    private final long sequences;
    private final double lossNoise;

    /**
     * @param familyId  the family id of every run
     * @param seed      seed of the noise
     * @param batches   one run per batch size, sequences; each a multiple of {@value #REPLICAS}
     * @param seqLen    tokens per sequence
     * @param sequences sequences every run trains on
     * @param lossNoise relative noise of a logged loss
     */
    public SimulatedBatchSweep(String familyId, long seed, long[] batches, int seqLen, long sequences,
                               double lossNoise) {
        for (long b : batches) {
            if (b < 2 * REPLICAS || b % REPLICAS != 0) {
                throw new IllegalArgumentException("batch " + b + " must be a multiple of " + REPLICAS + ", >= "
                        + 2 * REPLICAS);
            }
        }
        this.familyId = familyId;
        this.seed = seed;
        this.batches = batches.clone();
        this.seqLen = seqLen;
        this.sequences = sequences;
        this.lossNoise = lossNoise;
    }

    /** Batches 128 ... 2048 of 512-token sequences, 360,448 sequences each (the 2048 run ends near loss 2.9). */
    public static SimulatedBatchSweep defaults(String familyId, long seed) {
        return new SimulatedBatchSweep(familyId, seed, new long[] {128, 256, 512, 1024, 2048}, 512, 176L * 2048,
                0.002);
    }

    /** The run ids, one per batch: {@code <family>-b<batch>}. */
    public List<String> runIds() {
        List<String> out = new ArrayList<>();
        for (long b : batches) {
            out.add(runId(b));
        }
        return out;
    }

    public String runId(long batch) {
        return familyId + "-b" + batch;
    }

    public long[] batches() {
        return batches.clone();
    }

    public int seqLen() {
        return seqLen;
    }

    /** Fewest steps to loss {@code loss} (infinitely large batch). */
    public static double sMin(double loss) {
        return S0 * Math.pow(A / (loss - L0), 1 / ALPHA);
    }

    /** True B_noise (= B_simple here) at loss {@code loss}, sequences. */
    public static double bNoise(double loss) {
        return B0 * Math.pow((3.0 - L0) / (loss - L0), GAMMA);
    }

    /** True steps to {@code loss} at {@code batch}. */
    public static double steps(double loss, double batch) {
        return sMin(loss) * (1 + bNoise(loss) / batch);
    }

    /** The noiseless loss after {@code step} steps at {@code batch} (S_B(L) = step solved for L). */
    public static double loss(double step, double batch) {
        double lo = L0 + 1e-9;
        double hi = 1e3;
        if (step <= steps(hi, batch)) {
            return hi;
        }
        for (int i = 0; i < 200; i++) {
            double mid = 0.5 * (lo + hi);
            if (steps(mid, batch) > step) {
                lo = mid; // mid is not reached yet: the loss at this step is higher
            } else {
                hi = mid;
            }
        }
        return 0.5 * (lo + hi);
    }

    /** Steps of the run at {@code batch}. */
    public long stepsOf(long batch) {
        return sequences / batch;
    }

    /** The records of the run at {@code batch}, in order: RunStarted, its steps, RunFinished. */
    public List<SpecificRecord> run(long batch) {
        String id = runId(batch);
        long last = stepsOf(batch);
        SplittableRandom rng = new SplittableRandom(seed * 1_000_003 + batch);
        List<SpecificRecord> out = new ArrayList<>();
        out.add(RunStarted.newBuilder()
                .setRunId(id).setFamilyId(familyId).setStartedAtMs(START_MS)
                .setModel(ModelFacts.newBuilder().setTotalParams(85_000_000L).setActiveParams(85_000_000L)
                        .setLayers(12).setHiddenSize(768).build())
                .setPlannedTotalSteps(last)
                .setSchedule(LrScheduleSpec.newBuilder().setKind(DecayKind.CONSTANT).setPeakLr(3e-4)
                        .setTotalSteps(last).build())
                .setBatchSizeSequences(batch).setBatchSizeTokens(batch * seqLen).setSeqLen(seqLen)
                .setWeightDecay(0.1)
                .build());
        long small = batch / REPLICAS;
        for (long s = 1; s <= last; s++) {
            double law = loss(s, batch);
            double g2 = GRAD_SQ_PER_LOSS * (law - L0);
            double tr = bNoise(law) * g2;
            double gSmall = (g2 + tr / small) * Math.max(0.05, 1 + 0.05 * rng.nextGaussian());
            double gBig = (g2 + tr / batch) * Math.max(0.05, 1 + 0.02 * rng.nextGaussian());
            out.add(StepMetrics.newBuilder()
                    .setRunId(id).setStep(s).setWallTimeMs(START_MS + s * 1000L).setTokensSeen(s * batch * seqLen)
                    .setLr(3e-4).setLoss(law * (1 + lossNoise * rng.nextGaussian()))
                    .setGradNorm(Math.sqrt(gBig))
                    .setGradSqNormSmall(gSmall).setBatchSmall(small)
                    .setGradSqNormBig(gBig).setBatchBig(batch)
                    .build());
        }
        out.add(RunFinished.newBuilder().setRunId(id).setFinishedAtMs(START_MS + (last + 1) * 1000L)
                .setFinalStep(last).setStatus(RunStatus.COMPLETED).build());
        return out;
    }
}
