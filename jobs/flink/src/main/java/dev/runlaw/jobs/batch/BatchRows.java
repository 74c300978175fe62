package dev.runlaw.jobs.batch;

import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.jobs.clickhouse.RowBinaryWriter;
import dev.runlaw.jobs.forecast.KafkaOut;
import dev.runlaw.math.cbs.NoiseScaleEstimate;
import dev.runlaw.math.cbs.PowerLawFit;
import dev.runlaw.math.cbs.StepsBatchFit;
import dev.runlaw.schema.BatchAdvice;
import dev.runlaw.schema.BatchAdviceScope;
import dev.runlaw.schema.BatchDecision;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The batch job's outputs: rows of {@code gradient_noise} ({@code sql/015}), {@code batch_size_laws}
 * ({@code sql/016}) and {@code batch_size_scaling} ({@code sql/017}), and {@link BatchAdvice} records for topic
 * {@code runlaw.batch-advice}. Pure apart from the Avro encoding; one per operator instance (it reuses one row
 * buffer).
 */
public final class BatchRows {
    public static final String GRADIENT_NOISE = "gradient_noise";
    public static final String LAWS = "batch_size_laws";
    public static final String SCALING = "batch_size_scaling";
    /** The insert columns per table, in the order of the {@code sql/} files. */
    public static final Map<String, List<String>> COLUMNS = columns();

    private final RowBinaryWriter w = new RowBinaryWriter();
    private final String adviceTopic;

    /** @param adviceTopic the batch-advice topic, prefix included */
    public BatchRows(String adviceTopic) {
        this.adviceTopic = adviceTopic;
    }

    /** The {@code gradient_noise} row of {@code p}. */
    public ClickHouseRow gradientNoise(NoisePoint p, long ingestedAtMs) {
        NoiseScaleEstimate e = p.estimate();
        BatchAdvisor.Advice a = p.advice();
        w.begin()
                .string(p.runId())                                         // run_id String
                .string(p.familyId())                                      // family_id String
                .int64(e.step())                                           // step Int64
                .dateTime(seconds(p.wallTimeMs()))                         // time DateTime
                .int64(p.wallTimeMs())                                     // step_wall_time_ms Int64
                .int64(p.batch())                                          // batch Int64
                .int32(p.seqLen())                                         // seq_len Int32
                .string(e.status().name())                                 // status String
                .nullableFloat64(finite(e.bSimple()))                      // b_simple
                .nullableFloat64(finite(e.lo90()))                         // lo90
                .nullableFloat64(finite(e.hi90()))                         // hi90 (NULL: unbounded)
                .nullableFloat64(p.seqLen() > 0 ? finite(e.bSimpleTokens(p.seqLen())) : null) // b_simple_tokens
                .nullableFloat64(finite(e.gradSq()))                       // grad_sq
                .nullableFloat64(finite(e.traceSigma()))                   // trace_sigma
                .float64(Double.isFinite(e.effectiveSamples()) ? e.effectiveSamples() : 0) // effective_samples
                .string(a.decision().name())                               // decision String
                .nullableInt64(a.suggestedBatch() > 0 ? a.suggestedBatch() : null) // suggested_batch
                .nullableFloat64(finite(a.stepsFactor()))                  // steps_factor
                .nullableFloat64(finite(a.tokensFactor()))                 // tokens_factor
                .nullableFloat64(finite(a.suggestedSteps()))               // suggested_steps_factor
                .nullableFloat64(finite(a.suggestedTokens()))              // suggested_tokens_factor
                .nullableFloat64(finite(p.adamTimescale()))                // adam_timescale
                .int64(ingestedAtMs);                                      // ingested_at_ms UInt64
        return new ClickHouseRow(GRADIENT_NOISE, w.toByteArray());
    }

    /** The {@code batch_size_laws} row of one law of {@code familyId} at update {@code o}. */
    public ClickHouseRow law(String familyId, FamilySweep.Outcome o, FamilySweep.Law l, BatchConfig.Policy policy,
                             long ingestedAtMs) {
        StepsBatchFit f = l.fit();
        w.begin()
                .string(familyId)                                          // family_id
                .float64(l.targetLoss())                                   // target_loss
                .int64(o.fitSeq())                                         // fit_seq
                .dateTime(seconds(o.wallTimeMs()))                         // time
                .int64(o.wallTimeMs())                                     // wall_time_ms
                .string(l.configured() ? "CONFIGURED" : "DEFAULT")         // target_source
                .float64(f.sMin())                                         // s_min
                .float64(f.bNoise())                                       // b_noise
                .float64(f.bNoiseLo90())                                   // b_noise_lo90
                .float64(f.bNoiseHi90())                                   // b_noise_hi90
                .float64(f.eMin())                                         // e_min
                .float64(l.cbs())                                          // cbs
                .float64(f.r2())                                           // r2
                .int32(f.points())                                         // points
                .stringArray(l.runIds())                                   // run_ids
                .float64Array(boxed(l.batches()))                          // batches
                .float64Array(boxed(l.steps()))                            // steps
                .float64(policy.baseBatch())                               // base_batch
                .float64(policy.overhead())                                // overhead
                .int32(o.seqLen())                                         // seq_len
                .nullableFloat64(finite(l.tokensToTarget()))               // tokens_to_target
                .int64(ingestedAtMs);                                      // ingested_at_ms
        return new ClickHouseRow(LAWS, w.toByteArray());
    }

    /** The {@code batch_size_scaling} row of {@code familyId} at update {@code o} (which has a scaling). */
    public ClickHouseRow scaling(String familyId, FamilySweep.Outcome o, long ingestedAtMs) {
        FamilySweep.Scaling s = o.scaling();
        PowerLawFit b = s.bNoise();
        PowerLawFit c = s.cbs();
        w.begin()
                .string(familyId)                                          // family_id
                .int64(o.fitSeq())                                         // fit_seq
                .dateTime(seconds(o.wallTimeMs()))                         // time
                .int64(o.wallTimeMs())                                     // wall_time_ms
                .int32(s.targets())                                        // targets
                .float64(b.k()).float64(b.beta()).float64(b.betaLo90()).float64(b.betaHi90()).float64(b.r2())
                .float64(c.k()).float64(c.beta()).float64(c.betaLo90()).float64(c.betaHi90()).float64(c.r2())
                .float64(s.nextTokens())                                   // next_tokens
                .float64(s.nextBNoise())                                   // next_b_noise
                .float64(s.nextBNoiseLo90())                               // next_b_noise_lo90
                .float64(s.nextBNoiseHi90())                               // next_b_noise_hi90
                .float64(s.nextCbs())                                      // next_cbs
                .int64(s.suggestedBatch())                                 // suggested_batch
                .int64(ingestedAtMs);                                      // ingested_at_ms
        return new ClickHouseRow(SCALING, w.toByteArray());
    }

    /** The advice record of a run's advice change. */
    public static BatchAdvice runAdvice(RunNoise.AdviceChange c, long now) {
        NoisePoint p = c.point();
        NoiseScaleEstimate e = p.estimate();
        BatchAdvisor.Advice a = p.advice();
        return BatchAdvice.newBuilder()
                .setScope(BatchAdviceScope.RUN)
                .setRunId(p.runId())
                .setFamilyId(p.familyId())
                .setStep(c.step())
                .setEmittedAtMs(now)
                .setDecision(a.decision())
                .setBatch(p.batch())
                .setSuggestedBatch(a.suggestedBatch() > 0 ? a.suggestedBatch() : null)
                .setBNoise(finite(e.bSimple()))
                .setBNoiseLo90(finite(e.lo90()))
                .setBNoiseHi90(finite(e.hi90()))
                .setStepsFactor(finite(a.stepsFactor()))
                .setTokensFactor(finite(a.tokensFactor()))
                .setSuggestedStepsFactor(finite(a.suggestedSteps()))
                .setSuggestedTokensFactor(finite(a.suggestedTokens()))
                .setReason(runReason(p))
                .setSeq(c.seq())
                .build();
    }

    /** The advice record for the next run of {@code familyId} (an update with a scaling and new advice). */
    public static BatchAdvice familyAdvice(String familyId, FamilySweep.Outcome o, long now) {
        FamilySweep.Scaling s = o.scaling();
        long current = o.largestBatch();
        long suggested = s.suggestedBatch();
        BatchDecision d = suggested > current ? BatchDecision.INCREASE
                : suggested < current ? BatchDecision.DECREASE : BatchDecision.KEEP;
        double bn = s.nextBNoise();
        return BatchAdvice.newBuilder()
                .setScope(BatchAdviceScope.FAMILY)
                .setRunId("")
                .setFamilyId(familyId)
                .setStep(o.fitSeq())
                .setEmittedAtMs(now)
                .setDecision(d)
                .setBatch(current)
                .setSuggestedBatch(suggested)
                .setBNoise(finite(bn))
                .setBNoiseLo90(finite(s.nextBNoiseLo90()))
                .setBNoiseHi90(finite(s.nextBNoiseHi90()))
                .setStepsFactor(current > 0 ? finite(1 + bn / current) : null)
                .setTokensFactor(current > 0 ? finite(1 + current / bn) : null)
                .setSuggestedStepsFactor(finite(1 + bn / suggested))
                .setSuggestedTokensFactor(finite(1 + suggested / bn))
                .setTokens(s.nextTokens())
                .setReason(String.format(java.util.Locale.ROOT,
                        "next run at D = %.3g tokens: predicted B_noise %.0f (90%% %.0f-%.0f), CBS %.0f sequences",
                        s.nextTokens(), bn, s.nextBNoiseLo90(), s.nextBNoiseHi90(), s.nextCbs()))
                .setSeq(o.adviceSeq())
                .build();
    }

    /** The topic record of {@code a}, keyed by its run id (scope RUN) or family id (scope FAMILY). */
    public KafkaOut record(BatchAdvice a) {
        String key = a.getScope() == BatchAdviceScope.FAMILY ? a.getFamilyId() : a.getRunId();
        try {
            ByteBuffer b = a.toByteBuffer();
            byte[] v = new byte[b.remaining()];
            b.get(v);
            return new KafkaOut(adviceTopic, key.getBytes(StandardCharsets.UTF_8), v);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String runReason(NoisePoint p) {
        NoiseScaleEstimate e = p.estimate();
        String band = String.format(java.util.Locale.ROOT, "B_simple %.0f (90%% %.0f-%s) sequences at batch %d",
                e.bSimple(), e.lo90(), Double.isFinite(e.hi90()) ? String.format(java.util.Locale.ROOT, "%.0f",
                        e.hi90()) : "unbounded", p.batch());
        return switch (p.advice().decision()) {
            case INCREASE -> "batch far below the noise scale, steps wasted: " + band;
            case DECREASE -> "batch far above the noise scale, tokens wasted: " + band;
            case KEEP -> "batch within the noise scale's band: " + band;
            default -> "no usable noise-scale estimate yet";
        };
    }

    private static long seconds(long ms) {
        return Math.max(0, Math.floorDiv(ms, 1000L));
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static List<Double> boxed(double[] v) {
        return Arrays.stream(v).boxed().toList();
    }

    private static Map<String, List<String>> columns() {
        Map<String, List<String>> c = new LinkedHashMap<>();
        c.put(GRADIENT_NOISE, List.of("run_id", "family_id", "step", "time", "step_wall_time_ms", "batch", "seq_len",
                "status", "b_simple", "lo90", "hi90", "b_simple_tokens", "grad_sq", "trace_sigma",
                "effective_samples", "decision", "suggested_batch", "steps_factor", "tokens_factor",
                "suggested_steps_factor", "suggested_tokens_factor", "adam_timescale", "ingested_at_ms"));
        c.put(LAWS, List.of("family_id", "target_loss", "fit_seq", "time", "wall_time_ms", "target_source", "s_min",
                "b_noise", "b_noise_lo90", "b_noise_hi90", "e_min", "cbs", "r2", "points", "run_ids", "batches",
                "steps", "base_batch", "overhead", "seq_len", "tokens_to_target", "ingested_at_ms"));
        c.put(SCALING, List.of("family_id", "fit_seq", "time", "wall_time_ms", "targets", "b_noise_k",
                "b_noise_beta", "b_noise_beta_lo90", "b_noise_beta_hi90", "b_noise_r2", "cbs_k", "cbs_beta",
                "cbs_beta_lo90", "cbs_beta_hi90", "cbs_r2", "next_tokens", "next_b_noise", "next_b_noise_lo90",
                "next_b_noise_hi90", "next_cbs", "suggested_batch", "ingested_at_ms"));
        return Collections.unmodifiableMap(c);
    }
}
