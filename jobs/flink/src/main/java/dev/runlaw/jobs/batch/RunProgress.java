package dev.runlaw.jobs.batch;

/**
 * What a run tells its family's fit (from {@link RunNoiseFunction}, keyed by run, to {@link FamilyBatchFunction},
 * keyed by family): its batch and its loss curve so far, as {@link dev.runlaw.math.cbs.CrossingCurve} bytes (the
 * curve answers "first step at or below a target" for any target the family chooses later). A plain record of
 * Flink-serializable fields (no Kryo).
 *
 * @param familyId   the run's family (never empty: runs without a family send nothing)
 * @param runId      the run
 * @param batch      the run's batch in sequences
 * @param seqLen     its sequence length in tokens, 0 when unknown
 * @param step       the last step the curve holds
 * @param wallTimeMs that step's wall time (the family's rows are timed by their data)
 * @param finished   whether the run has finished (its final loss is then known)
 * @param curve      the run's {@code CrossingCurve.toBytes()}
 */
public record RunProgress(String familyId, String runId, long batch, int seqLen, long step, long wallTimeMs,
                          boolean finished, byte[] curve) {
}
