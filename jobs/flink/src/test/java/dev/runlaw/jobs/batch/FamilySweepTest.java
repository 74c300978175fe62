package dev.runlaw.jobs.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.runlaw.math.cbs.CrossingCurve;
import dev.runlaw.producers.SimulatedBatchSweep;
import dev.runlaw.schema.StepMetrics;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

class FamilySweepTest {
    private static final SimulatedBatchSweep SWEEP = SimulatedBatchSweep.defaults("fam", 7);

    private static BatchConfig.Policy policy(Map<String, double[]> targets) {
        BatchConfig.Policy d = BatchConfig.Policy.defaults();
        return new BatchConfig.Policy(d.emitEverySteps(), d.adviceRatio(), d.familyUpdateSteps(), targets,
                d.targetLevels(), 4, 5, 1e-3, d.baseBatch(), d.overhead(), d.nextRunTokenFactor(),
                d.idleTimeoutMs(), d.finishGraceMs());
    }

    /** The finished run at {@code batch}: its whole curve. */
    private static RunProgress finished(long batch) {
        CrossingCurve c = new CrossingCurve(5, 1e-3);
        long last = 0;
        for (SpecificRecord r : SWEEP.run(batch)) {
            if (r instanceof StepMetrics s) {
                c.add(s.getStep(), s.getLoss());
                last = s.getStep();
            }
        }
        return new RunProgress("fam", SWEEP.runId(batch), batch, SWEEP.seqLen(), last, last * 1000, true,
                c.toBytes());
    }

    @Test
    void recoversTheStepsVersusBatchLawAtAConfiguredTarget() {
        double target = 2.8;
        FamilySweep f = new FamilySweep(policy(Map.of("fam", new double[] {target})), "fam");
        FamilySweep.Outcome o = null;
        for (long b : new long[] {128, 256, 512, 1024}) {
            o = f.update(finished(b));
        }
        assertThat(o.laws()).hasSize(1);
        FamilySweep.Law law = o.laws().get(0);
        assertThat(law.configured()).isTrue();
        assertThat(law.fit().points()).isEqualTo(4);
        // Truth of the simulator; the smoothing window (5) delays each crossing by about two steps.
        assertThat(law.fit().bNoise()).isCloseTo(SimulatedBatchSweep.bNoise(target),
                within(0.10 * SimulatedBatchSweep.bNoise(target)));
        assertThat(law.fit().sMin()).isCloseTo(SimulatedBatchSweep.sMin(target),
                within(0.10 * SimulatedBatchSweep.sMin(target)));
        assertThat(law.tokensToTarget()).isCloseTo(law.fit().steps(256) * 256 * 512, within(1.0));
        assertThat(law.cbs()).isCloseTo(1.2 * 256 + 0.2 * law.fit().bNoise(), within(1e-6));
        assertThat(o.scaling()).as("one target: no scaling").isNull();
    }

    @Test
    void defaultTargetsComeFromTheFinishedRunsAndGiveTheScalingAndNextRunAdvice() {
        FamilySweep f = new FamilySweep(policy(Map.of()), "fam");
        FamilySweep.Outcome o = null;
        for (long b : new long[] {128, 256}) {
            o = f.update(finished(b));
            assertThat(o.laws()).as("fewer than three finished runs: no default target").isEmpty();
        }
        int advised = 0;
        for (long b : new long[] {512, 1024, 2048}) {
            o = f.update(finished(b));
            advised = Math.max(advised, o.adviceSeq());
        }
        // Bounded to 4 runs: the least recently updated (batch 128) went.
        assertThat(f.size()).isEqualTo(4);
        assertThat(f.targets()).hasSize(3);
        assertThat(o.laws()).hasSize(3).allSatisfy(l -> assertThat(l.fit().points()).isGreaterThanOrEqualTo(3));
        for (FamilySweep.Law l : o.laws()) {
            double truth = SimulatedBatchSweep.bNoise(l.targetLoss());
            assertThat(l.fit().bNoise()).as("B_noise at %s", l.targetLoss()).isCloseTo(truth, within(0.2 * truth));
        }
        assertThat(o.scaling()).isNotNull();
        assertThat(o.scaling().bNoise().beta()).as("B_noise grows with D").isPositive();
        assertThat(o.scaling().nextCbs()).isGreaterThan(o.laws().stream().mapToDouble(FamilySweep.Law::cbs).max()
                .orElseThrow());
        assertThat(advised).as("advice for the next run, numbered from 1").isGreaterThanOrEqualTo(1);
        assertThat(o.fitSeq()).isEqualTo(5);
        // The same update again: same fit, no new advice; and the state survives its bytes.
        FamilySweep copy = FamilySweep.fromBytes(policy(Map.of()), f.toBytes());
        FamilySweep.Outcome again = copy.update(finished(2048));
        assertThat(again.adviceSeq()).isZero();
        assertThat(again.fitSeq()).isEqualTo(6);
        assertThat(again.scaling().suggestedBatch()).isEqualTo(o.scaling().suggestedBatch());
    }

    @Test
    void refusesStateOfAnUnknownFormat() {
        assertThatThrownBy(() -> FamilySweep.fromBytes(policy(Map.of()), new byte[] {9}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("format 9");
    }
}
