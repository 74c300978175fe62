package dev.runlaw.jobs.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.runlaw.math.cbs.NoiseScaleSettings;
import dev.runlaw.math.cbs.NoiseScaleStatus;
import dev.runlaw.math.cbs.SampleStatus;
import dev.runlaw.producers.SimulatedBatchSweep;
import dev.runlaw.schema.BatchDecision;
import dev.runlaw.schema.RunFinished;
import dev.runlaw.schema.RunStarted;
import dev.runlaw.schema.StepMetrics;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

class RunNoiseTest {
    private static final BatchConfig.Policy POLICY = BatchConfig.Policy.defaults();
    private static final NoiseScaleSettings SETTINGS = NoiseScaleSettings.defaults();

    /** Feeds {@code records}; with {@code restoreEvery} > 0 the state goes through its bytes that often. */
    private static List<RunNoise.Outcome> feed(List<SpecificRecord> records, int restoreEvery) {
        RunNoise r = RunNoise.create(POLICY, SETTINGS);
        List<RunNoise.Outcome> out = new ArrayList<>();
        int n = 0;
        for (SpecificRecord rec : records) {
            if (restoreEvery > 0 && ++n % restoreEvery == 0) {
                r = RunNoise.restore(POLICY, SETTINGS, r.stateBytes(), r.curveBytes());
            }
            if (rec instanceof RunStarted s) {
                r.onStarted(s);
            } else if (rec instanceof StepMetrics s) {
                out.add(r.onStep(s));
            } else if (rec instanceof RunFinished) {
                out.add(r.onFinished(((RunFinished) rec).getFinalStep()));
            }
        }
        return out;
    }

    @Test
    void tracksTheTrueNoiseScaleWithARowEveryFiftyStepsAndTheLastStep() {
        SimulatedBatchSweep sweep = SimulatedBatchSweep.defaults("fam", 3);
        List<RunNoise.Outcome> out = feed(sweep.run(128), 0);
        List<NoisePoint> points = out.stream().map(RunNoise.Outcome::point).filter(p -> p != null).toList();
        long last = sweep.stepsOf(128);
        // Steps 1, 51, 101, ... and the last step at run-finished.
        assertThat(points).hasSize((int) ((last - 1) / 50 + 1) + ((last - 1) % 50 == 0 ? 0 : 1));
        assertThat(points.get(points.size() - 1).estimate().step()).isEqualTo(last);
        assertThat(out.subList(0, out.size() - 1)).extracting(RunNoise.Outcome::sample)
                .containsOnly(SampleStatus.ACCEPTED);
        assertThat(out.get(out.size() - 1).sample()).as("run-finished carries no sample").isNull();
        int checked = 0;
        for (NoisePoint p : points) {
            if (p.estimate().step() < 500 || p.estimate().status() != NoiseScaleStatus.OK) {
                continue;
            }
            double truth = SimulatedBatchSweep.bNoise(SimulatedBatchSweep.loss(p.estimate().step(), 128));
            assertThat(p.estimate().bSimple()).as("B_simple at step %d", p.estimate().step())
                    .isCloseTo(truth, within(0.15 * truth));
            assertThat(p.batch()).isEqualTo(128);
            assertThat(p.familyId()).isEqualTo("fam");
            assertThat(p.adamTimescale()).as("1 / (eta lambda S)").isCloseTo(1 / (3e-4 * 0.1 * last), within(1e-6));
            checked++;
        }
        assertThat(checked).isGreaterThan(30);
    }

    @Test
    void advisesALargerBatchWhenTheBatchIsFarBelowTheNoiseScaleOnlyOnChange() {
        SimulatedBatchSweep tiny = new SimulatedBatchSweep("fam", 5, new long[] {16}, 512, 16 * 600, 0.002);
        List<RunNoise.Outcome> out = feed(tiny.run(16), 0);
        List<RunNoise.AdviceChange> advice = out.stream().map(RunNoise.Outcome::advice).filter(a -> a != null)
                .toList();
        assertThat(advice).isNotEmpty();
        assertThat(advice.get(0).seq()).isEqualTo(1);
        RunNoise.AdviceChange a = advice.get(advice.size() - 1);
        assertThat(a.point().advice().decision()).isEqualTo(BatchDecision.INCREASE);
        double b = a.point().estimate().bSimple();
        assertThat(a.point().advice().suggestedBatch()).isEqualTo(BatchAdvisor.nearestPowerOfTwo(b));
        assertThat(a.point().advice().stepsFactor()).isCloseTo(1 + b / 16, within(1e-9));
        assertThat(a.point().advice().suggestedTokens()).isCloseTo(1 + a.point().advice().suggestedBatch() / b,
                within(1e-9));
        // Advice is news only: far fewer changes than rows.
        long rows = out.stream().filter(o -> o.point() != null).count();
        assertThat(advice.size()).isLessThan((int) rows / 2);
    }

    @Test
    void stateSurvivesItsBytesWithoutChangingAnyOutput() {
        SimulatedBatchSweep sweep = SimulatedBatchSweep.defaults("fam", 4);
        List<SpecificRecord> run = sweep.run(512);
        List<RunNoise.Outcome> straight = feed(run, 0);
        List<RunNoise.Outcome> restored = feed(run, 7);
        assertThat(restored).hasSameSizeAs(straight);
        for (int i = 0; i < straight.size(); i++) {
            NoisePoint a = straight.get(i).point();
            NoisePoint b = restored.get(i).point();
            assertThat(b == null).isEqualTo(a == null);
            if (a != null) {
                assertThat(b.estimate()).isEqualTo(a.estimate());
            }
            assertThat(restored.get(i).progress() == null).isEqualTo(straight.get(i).progress() == null);
        }
        RunProgress lastProgress = restored.get(restored.size() - 1).progress();
        assertThat(lastProgress.finished()).isTrue();
        assertThat(lastProgress.runId()).isEqualTo(sweep.runId(512));
        assertThat(lastProgress.batch()).isEqualTo(512);
    }

    @Test
    void refusesStateOfAnUnknownFormat() {
        assertThatThrownBy(() -> RunNoise.restore(POLICY, SETTINGS, new byte[] {7}, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("format 7");
    }
}
