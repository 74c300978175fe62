package dev.runlaw.producers.importer;

import dev.runlaw.schema.SourceKind;
import dev.runlaw.schema.validate.Limits;
import java.util.List;
import java.util.Objects;

/**
 * How files are turned into records: everything a parser needs besides the file and the run id. Immutable.
 *
 * @param stepSeconds   synthetic seconds per step for formats without timestamps: record wall time = origin + step
 *                      × this (the origin is fixed per file and kept in its checkpoint, so a re-import produces the
 *                      same wall times and lands in the same ClickHouse partitions)
 * @param lossTags      TensorBoard scalar tags read as the training loss, first match wins
 * @param lrTags        TensorBoard scalar tags read as the learning rate
 * @param batchTokens   routing traces: most tokens per {@code RoutingTraceBatch}
 * @param sourceKind    routing traces: TRAINING or INFERENCE
 * @param limits        validation limits (same as the ingest job)
 * @param maxLineBytes  longest line (or TFRecord frame) read; longer ones are malformed
 */
public record ImportSettings(double stepSeconds, List<String> lossTags, List<String> lrTags, int batchTokens,
                             SourceKind sourceKind, Limits limits, int maxLineBytes) {
    /** Tags Megatron-LM, HF Trainer, Lightning and plain SummaryWriter scripts commonly use. */
    public static final List<String> DEFAULT_LOSS_TAGS = List.of("lm loss", "loss", "train/loss", "train_loss",
            "training_loss", "train/lm_loss");
    public static final List<String> DEFAULT_LR_TAGS = List.of("learning-rate", "lr", "learning_rate", "train/lr",
            "train/learning_rate", "lr-AdamW");

    public ImportSettings {
        if (!(stepSeconds > 0) || !Double.isFinite(stepSeconds)) {
            throw new IllegalArgumentException("stepSeconds must be > 0, got " + stepSeconds);
        }
        lossTags = List.copyOf(lossTags);
        lrTags = List.copyOf(lrTags);
        Objects.requireNonNull(sourceKind);
        Objects.requireNonNull(limits);
        if (batchTokens < 1 || batchTokens > limits.maxTokensPerBatch()) {
            throw new IllegalArgumentException("batch tokens must be in 1.." + limits.maxTokensPerBatch()
                    + " (limits.max-tokens-per-batch), got " + batchTokens);
        }
        if (maxLineBytes < 16) {
            throw new IllegalArgumentException("maxLineBytes must be >= 16, got " + maxLineBytes);
        }
    }

    /**
     * Defaults: 1 s per step, the default tags, 8192 tokens per routing batch (about 200 KB encoded with top-8,
     * well under Kafka's 1 MB message limit), TRAINING, default limits, 64 MiB lines.
     */
    public static ImportSettings defaults() {
        return new ImportSettings(1.0, DEFAULT_LOSS_TAGS, DEFAULT_LR_TAGS, 8192, SourceKind.TRAINING,
                Limits.defaults(), 64 << 20);
    }

    public ImportSettings withStepSeconds(double s) {
        return new ImportSettings(s, lossTags, lrTags, batchTokens, sourceKind, limits, maxLineBytes);
    }

    public ImportSettings withTags(List<String> loss, List<String> lr) {
        return new ImportSettings(stepSeconds, loss, lr, batchTokens, sourceKind, limits, maxLineBytes);
    }

    public ImportSettings withBatchTokens(int n) {
        return new ImportSettings(stepSeconds, lossTags, lrTags, n, sourceKind, limits, maxLineBytes);
    }

    public ImportSettings withSourceKind(SourceKind k) {
        return new ImportSettings(stepSeconds, lossTags, lrTags, batchTokens, k, limits, maxLineBytes);
    }

    public ImportSettings withLimits(Limits l) {
        return new ImportSettings(stepSeconds, lossTags, lrTags, Math.min(batchTokens, l.maxTokensPerBatch()), sourceKind,
                l, maxLineBytes);
    }

    public ImportSettings withMaxLineBytes(int n) {
        return new ImportSettings(stepSeconds, lossTags, lrTags, batchTokens, sourceKind, limits, n);
    }

    /** Synthetic wall time of {@code step} for a file whose step 0 is at {@code originMs}. */
    public long wallTimeMs(long originMs, long step) {
        return originMs + Math.round(step * stepSeconds * 1000.0);
    }
}
