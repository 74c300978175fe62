package dev.runlaw.producers;

import dev.runlaw.schema.DecayKind;
import dev.runlaw.schema.EvalMetrics;
import dev.runlaw.schema.LrScheduleSpec;
import dev.runlaw.schema.ModelFacts;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.RunFinished;
import dev.runlaw.schema.RunStarted;
import dev.runlaw.schema.RunStatus;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.validate.Limits;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.apache.avro.specific.SpecificRecord;

/**
 * A seeded, deterministic simulation of a mixture-of-experts pre-training run that emits every telemetry record
 * kind, for the demo, tests and benchmarks. Same seed and settings, same records, on any JVM.
 *
 * <h2>What it simulates (defaults in {@link Builder})</h2>
 * <ul>
 *   <li><b>Schedule</b>: warmup-stable-decay with linear warmup from 0 to {@code peakLr} over {@code warmupSteps},
 *       constant, then linear decay to {@code minLr} over the last {@code decayFraction} of the steps
 *       ({@link DecayKind#WSD_LINEAR}); steps 1..T, announced as a spec and, when short enough, as
 *       {@code lr_per_step}.</li>
 *   <li><b>Loss</b>: the LR-annealing law of Tissue et al. 2024 (arXiv 2408.11029),
 *       L(s) = L0 + A·S1(s)^(−α) − C·S2(s), S1 = Σ η_i, m_i = λ·m_{i−1} + (η_{i−1} − η_i), S2 = Σ m_i, with S1 and S2
 *       computed as if the LR were the peak during warmup (as the paper does), written out in
 *       {@code SimulatedSignals} rather than taken from the math module's {@code MomentumLaw}: the simulator is the
 *       ground truth the forecasts are checked against, and an independent implementation keeps a bug in the
 *       math module's areas from moving the truth with it (a test checks both agree). Parameters: {@link LossLaw}. The
 *       training loss in {@link StepMetrics} is L(s)·(1 + ε), ε ~ N(0, lossNoise²); every {@code evalEvery} steps an
 *       {@link EvalMetrics} "validation" carries L(s)·(1 + ε/4).</li>
 *   <li><b>Gradient noise scale</b> (McCandlish et al. 2018, App. A): the true noise scale rises as the loss falls,
 *       B_simple(L) = B* / L^(1/α_B) tokens (the form of Kaplan et al. 2020, eq. 5.1, B* = 2·10^8, α_B = 0.21),
 *       converted to sequences; |G|² = g·(L − L0); tr(Σ) = B_simple·|G|². Each step reports
 *       |G_B|² = (|G|² + tr(Σ)/B)·(1 + ε_B), ε_B ~ N(0, 0.03²), at B = {@code batchSmall} (one replica) and
 *       B = {@code batchBig} (global batch), and grad_norm = sqrt(|G_big|²). So the two-batch estimator recovers
 *       {@link #trueNoiseScale(double)} up to noise.</li>
 *   <li><b>Throughput</b>: ~{@code tokensPerSecond} with 2 % noise and a slow step (half speed) 1 % of the time;
 *       wall time advances by tokens per step / throughput.</li>
 *   <li><b>Expert load</b> per layer per step: router probabilities softmax(θ) with θ initially Zipf-skewed
 *       (−0.3·ln rank + noise), drifting as a random walk and pulled towards balance (the aux loss at work: the
 *       initial skew decays to e^−3 by the end, the drift keeps a spread of 0.13 in the logits); one expert goes dead (receives no tokens) for a stretch mid-run, others now and then. Counts of the
 *       batch's tokens × top-k assignments carry 3 % content noise; experts over capacity
 *       ({@code capacityFactor}·mean) drop the excess (dropped_tokens). aux_loss = 0.01·E·Σ f_e·p_e (Switch
 *       Transformer), z_loss = 10⁻³·logsumexp(θ)².</li>
 *   <li><b>Routing traces</b> every {@code traceEvery} steps: {@code traceSequences} sequences ×
 *       {@code tracePositions} positions × all layers, top-k distinct experts drawn from the layer's current
 *       probabilities; with probability {@code locality} a token keeps the previous token's first expert (temporal
 *       locality). Gate weights are descending, summing to 0.6–1.0. Sequence ids {@code s<step>-q<i>}; sequence i
 *       lives on device i mod devices.</li>
 *   <li><b>Data movement</b> at each trace step, per layer and ordered device pair (src ≠ dst, zeros included):
 *       from the trace just generated and {@link #placement()}, every token sends hidden_size × bytes_per_element
 *       to each selected expert on another device (dispatch, home → expert device) and gets as much back
 *       (combine, expert device → home); per layer the total is Σ over tokens and off-device experts of
 *       hidden × bytes × 2 (design.md). The bytes cover the traced tokens only, so a query over the routing-trace
 *       table with the same placement reproduces them exactly.</li>
 * </ul>
 *
 * <p>Records of one step are emitted together, in step order: StepMetrics, EvalMetrics (if due), ExpertLoad per
 * layer, RoutingTraceBatch (if due, split at {@link Limits#maxTokensPerBatch()}), DataMovement (if due). The run
 * begins with {@link RunStarted} and ends with {@link RunFinished} unless cut by {@code maxFraction}.
 *
 * <p>One model per signal, each drawing from its own seeded stream: {@code SimulatedSignals} (LR schedule, loss law,
 * true noise scale; deterministic), {@code SimulatedGradients}, {@code SimulatedThroughput},
 * {@code SimulatedExpertLoad} and {@code SimulatedRouting} (traces and data movement). This class holds the settings
 * ({@link Builder}), the run's records in order and their pacing; it is past 500 lines because of the builder (one
 * setter per setting and their validation, about half of the file), kept nested for its callers.
 *
 * <p>Immutable and reusable: each {@link #run} starts again from the seed.
 */
public final class MoeRunSimulator {
    /**
     * Parameters of the LR-annealing loss law L(s) = L0 + A·S1^(−α) − C·S2 with momentum λ (Tissue et al. 2024).
     * S1, S2 are in LR × steps.
     */
    public record LossLaw(double l0, double a, double alpha, double c, double lambda) {
        /** L0 2.0, A 0.35, α 0.4, C 3.0, λ 0.999: from ~11 (≈ ln 50k vocab) at step 1 to ~2.3 at 2000 steps. */
        public static LossLaw defaults() {
            return new LossLaw(2.0, 0.35, 0.4, 3.0, 0.999);
        }
    }

    private final Builder b;
    private final double[] lr;       // index = step 0..T
    private final double[] lawLoss;  // index = step 0..T (index 0 unused)
    private final int[] placement;

    private MoeRunSimulator(Builder b) {
        this.b = b;
        lr = SimulatedSignals.lrPerStep(b.steps, b.warmupSteps, decayStart(), b.peakLr, b.minLr);
        lawLoss = SimulatedSignals.lawLoss(lr, b.warmupSteps, b.peakLr, b.law);
        placement = new int[b.experts];
        for (int e = 0; e < b.experts; e++) {
            placement[e] = (int) ((long) e * b.devices / b.experts);
        }
    }

    /** A builder with the defaults listed on it. */
    public static Builder builder() {
        return new Builder();
    }

    public String runId() {
        return b.runId;
    }

    /** Total optimizer steps T (steps are 1..T). */
    public int steps() {
        return b.steps;
    }

    /** Last step {@link #run} emits: T, or the {@code maxFraction} cut. */
    public int lastStep() {
        return (int) Math.max(1, Math.floor(b.maxFraction * b.steps + 1e-9));
    }

    /** The scheduled LR at a step, 0..T. */
    public double lr(int step) {
        return lr[step];
    }

    /** The noiseless loss law L(s) at step 1..T. */
    public double expectedLoss(int step) {
        if (step < 1 || step > b.steps) {
            throw new IndexOutOfBoundsException("step " + step + " outside 1.." + b.steps);
        }
        return lawLoss[step];
    }

    /** The true gradient noise scale B_simple, in sequences, at loss {@code loss}. */
    public double trueNoiseScale(double loss) {
        return SimulatedSignals.trueNoiseScale(loss, b.seqLen);
    }

    /** Expert → device placement used for data movement: contiguous blocks, expert e on device ⌊e·D/E⌋. */
    public int[] placement() {
        return placement.clone();
    }

    /** The law's parameters. */
    public LossLaw lossLaw() {
        return b.law;
    }

    /** Emits the whole run (or its {@code maxFraction}) to {@code sink}; see the class comment for the order. */
    public Result run(Consumer<? super SpecificRecord> sink) {
        return run(sink, ProgressBar.disabled());
    }

    /** As {@link #run(Consumer)}, reporting progress; stops early (flagged) if interrupted while pacing. */
    public Result run(Consumer<? super SpecificRecord> sink, ProgressBar progress) {
        return new Run(sink, progress).execute();
    }

    /** The {@link RunStarted} record a run begins with. */
    public RunStarted runStarted() {
        // Rough sizes for the model facts: SwiGLU experts with ffn = 4h (3·h·4h each), attention 4·h² per layer.
        long totalExpertParams = 3L * b.hiddenSize * 4L * b.hiddenSize * b.experts * b.layers;
        long denseParams = 4L * b.hiddenSize * b.hiddenSize * b.layers;
        long activeParams = denseParams + totalExpertParams / b.experts * b.topK;
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("source", "runlaw MoeRunSimulator");
        tags.put("seed", Long.toString(b.seed));
        tags.put("devices", Integer.toString(b.devices));
        tags.put("bytes_per_element", Integer.toString(b.bytesPerElement));
        tags.put("capacity_factor", Double.toString(b.capacityFactor));
        List<Double> perStep = null;
        if (lr.length <= b.limits.maxLrPerStep()) {
            perStep = new ArrayList<>(lr.length);
            for (double v : lr) {
                perStep.add(v);
            }
        }
        return RunStarted.newBuilder()
                .setRunId(b.runId)
                .setFamilyId(b.familyId)
                .setStartedAtMs(b.startMs)
                .setModel(ModelFacts.newBuilder()
                        .setTotalParams(denseParams + totalExpertParams)
                        .setActiveParams(activeParams)
                        .setLayers(b.layers)
                        .setExperts(b.experts)
                        .setTopK(b.topK)
                        .setHiddenSize(b.hiddenSize)
                        .build())
                .setPlannedTotalSteps(b.steps)
                .setSchedule(LrScheduleSpec.newBuilder()
                        .setKind(DecayKind.WSD_LINEAR)
                        .setWarmupSteps(b.warmupSteps)
                        .setWarmupInitLr(0.0)
                        .setPeakLr(b.peakLr)
                        .setMinLr(b.minLr)
                        .setDecayStartStep(decayStart())
                        .setTotalSteps(b.steps)
                        .build())
                .setLrPerStep(perStep)
                .setBatchSizeSequences(b.batchBig)
                .setBatchSizeTokens((long) b.batchBig * b.seqLen)
                .setSeqLen(b.seqLen)
                .setTags(tags)
                .build();
    }

    private int decayStart() {
        return b.steps - (int) Math.round(b.decayFraction * b.steps);
    }

    /** One execution: all mutable simulation state lives here (in the signal models), so the simulator stays immutable. */
    private final class Run {
        private final Consumer<? super SpecificRecord> sink;
        private final ProgressBar progress;
        private final SplittableRandom lossRng;
        private final SimulatedGradients gradients;
        private final SimulatedThroughput throughput;
        private final SimulatedExpertLoad load;
        private final SimulatedRouting routing;
        private final EnumMap<RecordKind, Long> counts = new EnumMap<>(RecordKind.class);
        private long records;
        private long wallMs;

        Run(Consumer<? super SpecificRecord> sink, ProgressBar progress) {
            this.sink = sink;
            this.progress = progress;
            // Independent streams, so that e.g. tracing more often leaves the losses unchanged.
            SplittableRandom root = new SplittableRandom(b.seed);
            lossRng = root.split();
            gradients = new SimulatedGradients(root.split(), b.law.l0(), b.seqLen, b.batchSmall, b.batchBig);
            throughput = new SimulatedThroughput(root.split(), b.tokensPerSecond);
            load = new SimulatedExpertLoad(root.split(), b.layers, b.experts, b.steps, b.capacityFactor, b.rebalance,
                    b.drift, b.deathRate, b.incidents);
            routing = new SimulatedRouting(root.split(), b.runId, b.layers, b.devices, b.topK, b.hiddenSize,
                    b.bytesPerElement, b.traceSequences, b.tracePositions, b.locality, b.limits.maxTokensPerBatch(),
                    placement);
            wallMs = b.startMs;
        }

        Result execute() {
            int last = lastStep();
            progress.start(last);
            emit(runStarted());
            long t0 = System.nanoTime();
            for (int s = 1; s <= last; s++) {
                if (b.stepsPerSecond > 0 && !pace(t0, s)) {
                    progress.finish(s - 1, records);
                    return new Result(Collections.unmodifiableMap(new EnumMap<>(counts)), s - 1, false, true);
                }
                step(s);
                progress.update(s, records);
            }
            boolean finished = last == b.steps;
            if (finished) {
                emit(RunFinished.newBuilder()
                        .setRunId(b.runId)
                        .setFinishedAtMs(wallMs)
                        .setFinalStep(b.steps)
                        .setStatus(RunStatus.COMPLETED)
                        .setMessage("simulated run, seed " + b.seed)
                        .build());
            }
            progress.finish(last, records);
            return new Result(Collections.unmodifiableMap(new EnumMap<>(counts)), last, finished, false);
        }

        private boolean pace(long t0, int s) {
            long due = t0 + (long) ((s - 1) * 1e9 / b.stepsPerSecond);
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
                if (Thread.currentThread().isInterrupted()) {
                    return false;
                }
            }
            return true;
        }

        private void emit(SpecificRecord r) {
            sink.accept(r);
            counts.merge(RecordKind.of(r), 1L, Long::sum);
            records++;
        }

        private void step(int s) {
            long tokensPerStep = (long) b.batchBig * b.seqLen;
            double speed = throughput.next();
            wallMs += Math.round(tokensPerStep / speed * 1000.0);

            double law = lawLoss[s];
            double loss = b.incidents.loss(s, law * (1 + b.lossNoise * lossRng.nextGaussian()));
            double[] g = gradients.squaredNorms(law);
            double small = g[0];
            double big = g[1];
            emit(StepMetrics.newBuilder()
                    .setRunId(b.runId)
                    .setStep(s)
                    .setWallTimeMs(wallMs)
                    .setTokensSeen(s * tokensPerStep)
                    .setLr(lr[s])
                    .setLoss(loss)
                    .setGradNorm(Math.sqrt(big))
                    .setGradSqNormSmall(small)
                    .setBatchSmall((long) b.batchSmall)
                    .setGradSqNormBig(big)
                    .setBatchBig((long) b.batchBig)
                    .setThroughputTokensPerS(speed)
                    .build());
            if (b.evalEvery > 0 && s % b.evalEvery == 0) {
                emit(EvalMetrics.newBuilder()
                        .setRunId(b.runId)
                        .setStep(s)
                        .setWallTimeMs(wallMs)
                        .setEvalSet("validation")
                        .setLoss(law * (1 + b.lossNoise / 4 * lossRng.nextGaussian()))
                        .build());
            }
            load.step(b.runId, s, wallMs, tokensPerStep, b.topK).forEach(this::emit);
            if (b.traceEvery > 0 && s % b.traceEvery == 0) {
                double[][] probs = new double[b.layers][];
                for (int l = 0; l < b.layers; l++) {
                    probs[l] = load.probs(l);
                }
                routing.step(s, wallMs, probs).forEach(this::emit);
            }
        }
    }

    /**
     * What a run emitted.
     *
     * @param counts      records per kind
     * @param lastStep    last step emitted
     * @param finished    whether RunFinished was emitted
     * @param interrupted whether pacing was interrupted
     */
    public record Result(Map<RecordKind, Long> counts, long lastStep, boolean finished, boolean interrupted) {
        public long count(RecordKind kind) {
            return counts.getOrDefault(kind, 0L);
        }

        public long total() {
            return counts.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /**
     * Settings of a simulated run. Defaults: run id {@code moe-sim-42}, family {@code moe-sim}, seed 42, 2000 steps,
     * 8 layers × 16 experts, top-2, hidden 1024, 4 devices, bf16 (2 bytes), seq len 1024, global batch 512
     * sequences, replica batch 8, 400k tokens/s, WSD 3e-4 → 3e-5 with warmup over 5 % of the steps and a 20 % decay, loss noise
     * 0.5 %, eval every 100 steps, a routing trace every 50 steps of 4 sequences × 64 positions, locality 0.6,
     * capacity factor 1.25.
     */
    public static final class Builder {
        private String runId = "moe-sim-42";
        private String familyId = "moe-sim";
        private long seed = 42;
        private int steps = 2000;
        private int layers = 8;
        private int experts = 16;
        private int topK = 2;
        private int hiddenSize = 1024;
        private int devices = 4;
        private int bytesPerElement = 2;
        private int seqLen = 1024;
        private int batchBig = 512;
        private int batchSmall = 8;
        private double tokensPerSecond = 400_000;
        private int warmupSteps = -1; // 5 % of the steps unless set
        private double peakLr = 3e-4;
        private double minLr = 3e-5;
        private double decayFraction = 0.2;
        private LossLaw law = LossLaw.defaults();
        private double lossNoise = 0.005;
        private int evalEvery = 100;
        private int traceEvery = 50;
        private int traceSequences = 4;
        private int tracePositions = 64;
        private double locality = 0.6;
        private double capacityFactor = 1.25;
        private double rebalance = -1; // derived from steps
        private double drift = -1;      // derived from rebalance
        private double deathRate = -1; // derived from steps unless set
        private long startMs = RunReplayer.DEFAULT_START_MS;
        private double maxFraction = 1.0;
        private double stepsPerSecond = 0;
        private Limits limits = Limits.defaults();
        private SimulatedIncidents incidents = SimulatedIncidents.none();

        private Builder() {
        }

        /** Anomalies to include (a loss spike, a router collapse); default none. */
        public Builder incidents(SimulatedIncidents v) {
            incidents = java.util.Objects.requireNonNull(v, "incidents");
            return this;
        }

        public Builder runId(String v) {
            runId = Objects.requireNonNull(v);
            return this;
        }

        public Builder familyId(String v) {
            familyId = Objects.requireNonNull(v);
            return this;
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        /** Total steps T. */
        public Builder steps(int v) {
            steps = v;
            return this;
        }

        public Builder layers(int v) {
            layers = v;
            return this;
        }

        public Builder experts(int v) {
            experts = v;
            return this;
        }

        public Builder topK(int v) {
            topK = v;
            return this;
        }

        public Builder hiddenSize(int v) {
            hiddenSize = v;
            return this;
        }

        public Builder devices(int v) {
            devices = v;
            return this;
        }

        public Builder bytesPerElement(int v) {
            bytesPerElement = v;
            return this;
        }

        public Builder seqLen(int v) {
            seqLen = v;
            return this;
        }

        /** Global batch (sequences) behind grad_sq_norm_big, and the batch size of the run. */
        public Builder batchBig(int v) {
            batchBig = v;
            return this;
        }

        /** One replica's batch (sequences) behind grad_sq_norm_small. */
        public Builder batchSmall(int v) {
            batchSmall = v;
            return this;
        }

        public Builder tokensPerSecond(double v) {
            tokensPerSecond = v;
            return this;
        }

        public Builder warmupSteps(int v) {
            warmupSteps = v;
            return this;
        }

        public Builder peakLr(double v) {
            peakLr = v;
            return this;
        }

        public Builder minLr(double v) {
            minLr = v;
            return this;
        }

        /** Fraction of the steps spent in the final linear decay, in [0, 1). */
        public Builder decayFraction(double v) {
            decayFraction = v;
            return this;
        }

        public Builder lossLaw(LossLaw v) {
            law = Objects.requireNonNull(v);
            return this;
        }

        /** Relative standard deviation of the training-loss noise. */
        public Builder lossNoise(double v) {
            lossNoise = v;
            return this;
        }

        /** An EvalMetrics every this many steps; 0 = none. */
        public Builder evalEvery(int v) {
            evalEvery = v;
            return this;
        }

        /** A routing trace (and data movement) every this many steps; 0 = none. */
        public Builder traceEvery(int v) {
            traceEvery = v;
            return this;
        }

        public Builder traceSequences(int v) {
            traceSequences = v;
            return this;
        }

        public Builder tracePositions(int v) {
            tracePositions = v;
            return this;
        }

        /** Probability that a token keeps the previous token's first expert, in [0, 1]. */
        public Builder locality(double v) {
            locality = v;
            return this;
        }

        public Builder capacityFactor(double v) {
            capacityFactor = v;
            return this;
        }

        /** Per-layer, per-step probability that some expert dies for 2–10 % of the run; default 1/(5·T). */
        public Builder deathRate(double v) {
            deathRate = v;
            return this;
        }

        /** Wall time of the start, epoch ms; default 2025-01-01T00:00:00Z (deterministic). */
        public Builder startMs(long v) {
            startMs = v;
            return this;
        }

        /** Emit only the first fraction of the steps, (0, 1]; below 1 no RunFinished. */
        public Builder maxFraction(double v) {
            maxFraction = v;
            return this;
        }

        /** Real-time pacing in steps per second; 0 = as fast as the sink takes records. */
        public Builder stepsPerSecond(double v) {
            stepsPerSecond = v;
            return this;
        }

        /** Limits the settings must respect (and at which trace batches are split); default the ingest defaults. */
        public Builder limits(Limits v) {
            limits = Objects.requireNonNull(v);
            return this;
        }

        /** @throws IllegalArgumentException naming the first setting out of range or over a limit */
        public MoeRunSimulator build() {
            check(!runId.isBlank() && runId.length() <= limits.maxIdLength(), "runId blank or too long");
            check(steps >= 1, "steps must be >= 1");
            check(layers >= 1 && layers <= limits.maxLayers(), "layers must be 1.." + limits.maxLayers());
            check(experts >= 1 && experts <= limits.maxExperts(), "experts must be 1.." + limits.maxExperts());
            check(topK >= 1 && topK <= experts && topK <= limits.maxTopK(),
                    "topK must be 1..min(experts, " + limits.maxTopK() + ")");
            check(devices >= 1 && devices <= limits.maxDevices(), "devices must be 1.." + limits.maxDevices());
            check(hiddenSize >= 1 && bytesPerElement >= 1 && seqLen >= 1, "sizes must be >= 1");
            check(batchSmall >= 1 && batchSmall < batchBig, "need 1 <= batchSmall < batchBig");
            check(tokensPerSecond > 0, "tokensPerSecond must be > 0");
            int warmup = warmupSteps < 0 ? (int) Math.round(0.05 * steps) : warmupSteps;
            check(warmup <= steps, "warmupSteps must be 0..steps");
            check(peakLr > 0 && minLr >= 0 && minLr <= peakLr, "need 0 <= minLr <= peakLr, peakLr > 0");
            check(decayFraction >= 0 && decayFraction < 1, "decayFraction must be in [0, 1)");
            check(steps - Math.round(decayFraction * steps) >= warmup, "decay must start after warmup");
            check(lossNoise >= 0 && lossNoise < 0.2, "lossNoise must be in [0, 0.2)");
            check(evalEvery >= 0 && traceEvery >= 0, "evalEvery and traceEvery must be >= 0");
            check(traceSequences >= 1 && tracePositions >= 1, "trace sizes must be >= 1");
            check(locality >= 0 && locality <= 1, "locality must be in [0, 1]");
            check(capacityFactor > 0, "capacityFactor must be > 0");
            check(maxFraction > 0 && maxFraction <= 1, "maxFraction must be in (0, 1]");
            check(stepsPerSecond >= 0, "stepsPerSecond must be >= 0");
            check(law.l0() > 0 && law.a() > 0 && law.alpha() > 0 && law.c() >= 0
                    && law.lambda() > 0 && law.lambda() < 1, "loss law parameters out of range");
            Builder copy = copy();
            copy.warmupSteps = warmup;
            if (copy.rebalance < 0) {
                // The initial skew decays to e^-3 of itself by the end of the run, whatever its length ...
                copy.rebalance = Math.min(0.5, 3.0 / steps);
            }
            if (copy.drift < 0) {
                // ... while the random walk keeps a stationary spread of 0.13 in the router logits.
                copy.drift = 0.13 * Math.sqrt(2 * copy.rebalance);
            }
            if (copy.deathRate < 0) {
                copy.deathRate = 1.0 / (5.0 * steps);
            }
            MoeRunSimulator sim = new MoeRunSimulator(copy);
            for (int s = 1; s <= steps; s++) {
                check(sim.lawLoss[s] > law.l0() * 0.5, "loss law goes below L0/2 at step " + s
                        + "; lower C or the decay");
            }
            return sim;
        }

        private static void check(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }

        private Builder copy() {
            Builder c = new Builder();
            c.runId = runId;
            c.familyId = familyId;
            c.seed = seed;
            c.steps = steps;
            c.layers = layers;
            c.experts = experts;
            c.topK = topK;
            c.hiddenSize = hiddenSize;
            c.devices = devices;
            c.bytesPerElement = bytesPerElement;
            c.seqLen = seqLen;
            c.batchBig = batchBig;
            c.batchSmall = batchSmall;
            c.tokensPerSecond = tokensPerSecond;
            c.warmupSteps = warmupSteps;
            c.peakLr = peakLr;
            c.minLr = minLr;
            c.decayFraction = decayFraction;
            c.law = law;
            c.lossNoise = lossNoise;
            c.evalEvery = evalEvery;
            c.traceEvery = traceEvery;
            c.traceSequences = traceSequences;
            c.tracePositions = tracePositions;
            c.locality = locality;
            c.capacityFactor = capacityFactor;
            c.drift = drift;
            c.rebalance = rebalance;
            c.deathRate = deathRate;
            c.startMs = startMs;
            c.maxFraction = maxFraction;
            c.stepsPerSecond = stepsPerSecond;
            c.limits = limits;
            c.incidents = incidents;
            return c;
        }
    }
}
