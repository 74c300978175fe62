package dev.runlaw.jobs.batch;

import dev.runlaw.math.cbs.NoiseScaleEstimate;

/**
 * One {@code gradient_noise} row before encoding: a run's noise-scale estimate at a step and the advice it implies.
 *
 * @param runId          the run
 * @param familyId       its family, empty when none
 * @param wallTimeMs     the step's wall time
 * @param batch          the run's current batch, sequences
 * @param seqLen         tokens per sequence, 0 when unknown
 * @param estimate       the estimator's output at the step
 * @param advice         the advice at that estimate
 * @param adamTimescale  B/(eta lambda D) of the run (Power Lines), NaN without a weight decay
 */
public record NoisePoint(String runId, String familyId, long wallTimeMs, long batch, int seqLen,
                         NoiseScaleEstimate estimate, BatchAdvisor.Advice advice, double adamTimescale) {
}
