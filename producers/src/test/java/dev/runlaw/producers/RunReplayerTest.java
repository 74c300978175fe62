package dev.runlaw.producers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runlaw.math.data.RunCurve;
import dev.runlaw.schema.EvalMetrics;
import dev.runlaw.schema.RunFinished;
import dev.runlaw.schema.RunStarted;
import dev.runlaw.schema.RunStatus;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.validate.Limits;
import dev.runlaw.schema.validate.RecordValidator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

class RunReplayerTest {
    /** Steps 0..99, LR 1e-3 − 1e-5·s, loss measured every 10th step from step 10. */
    private static RunCurve curve() {
        double[] lr = new double[100];
        double[] loss = new double[100];
        Arrays.fill(loss, Double.NaN);
        for (int s = 0; s < 100; s++) {
            lr[s] = 1e-3 - 1e-5 * s;
            if (s > 0 && s % 10 == 0) {
                loss[s] = 5.0 - s / 100.0;
            }
        }
        return new RunCurve("toy", 0, lr, loss);
    }

    @Test
    void replaysWholeRunWithStepsEvalsAndFinish() {
        List<SpecificRecord> out = new ArrayList<>();
        RunReplayer.Result r = RunReplayer.create(curve(), "run-1").withFamilyId("toys").withBatchTokens(1000)
                .withStepSeconds(2.0).replay(out::add);

        assertThat(r).isEqualTo(new RunReplayer.Result(1 + 100 + 9 + 1, 100, 9, 99, true, false));
        assertThat(out).hasSize(111);
        RecordValidator validator = new RecordValidator(Limits.defaults());
        out.forEach(rec -> assertThat(validator.validate(rec)).as("%s", rec).isEmpty());

        RunStarted started = (RunStarted) out.get(0);
        assertThat(started.getRunId()).isEqualTo("run-1");
        assertThat(started.getFamilyId()).isEqualTo("toys");
        assertThat(started.getPlannedTotalSteps()).isEqualTo(99);
        assertThat(started.getLrPerStep()).hasSize(100).startsWith(1e-3);
        assertThat(started.getTags()).containsEntry("source", "toy").containsEntry("loss_kind", "validation");
        assertThat(started.getStartedAtMs()).isEqualTo(RunReplayer.DEFAULT_START_MS);

        List<StepMetrics> steps = out.stream().filter(x -> x instanceof StepMetrics).map(x -> (StepMetrics) x).toList();
        assertThat(steps).extracting(StepMetrics::getStep).startsWith(0L, 1L, 2L).endsWith(99L);
        StepMetrics s10 = steps.get(10);
        assertThat(s10.getLoss()).isEqualTo(4.9);
        assertThat(steps.get(11).getLoss()).isNull();
        assertThat(s10.getTokensSeen()).isEqualTo(10_000);
        assertThat(s10.getWallTimeMs()).isEqualTo(RunReplayer.DEFAULT_START_MS + 20_000);
        assertThat(s10.getLr()).isEqualTo(1e-3 - 1e-4);

        // The eval record follows its step and carries the same loss.
        int i = out.indexOf(s10);
        EvalMetrics eval = (EvalMetrics) out.get(i + 1);
        assertThat(eval.getEvalSet()).isEqualTo("validation");
        assertThat(eval.getStep()).isEqualTo(10);
        assertThat(eval.getLoss()).isEqualTo(4.9);

        RunFinished fin = (RunFinished) out.get(out.size() - 1);
        assertThat(fin.getFinalStep()).isEqualTo(99);
        assertThat(fin.getStatus()).isEqualTo(RunStatus.COMPLETED);
    }

    @Test
    void fractionCutReplaysFirstStepsAndSendsNoRunFinished() {
        List<SpecificRecord> out = new ArrayList<>();
        RunReplayer rep = RunReplayer.create(curve(), "run-2").withMaxFraction(0.35).withEvalMetrics(false);
        RunReplayer.Result r = rep.replay(out::add);
        assertThat(rep.finishes()).isFalse();
        assertThat(r.steps()).isEqualTo(35);
        assertThat(r.lastStep()).isEqualTo(34);
        assertThat(r.finished()).isFalse();
        assertThat(out).hasSize(1 + 35).noneMatch(x -> x instanceof RunFinished || x instanceof EvalMetrics);
        // The announced plan is still the whole run.
        assertThat(((RunStarted) out.get(0)).getPlannedTotalSteps()).isEqualTo(99);
    }

    @Test
    void leavesOutPerStepLrOverTheLimit() {
        RunStarted within = RunReplayer.create(curve(), "r").withLimits(limitsWithMaxLr(100)).runStarted();
        RunStarted over = RunReplayer.create(curve(), "r").withLimits(limitsWithMaxLr(99)).runStarted();
        assertThat(within.getLrPerStep()).hasSize(100);
        assertThat(over.getLrPerStep()).isNull();
    }

    @Test
    void curveFromStepOneRepeatsItsFirstLrAtStepZero() {
        RunCurve c = new RunCurve("one", 1, new double[] {2e-4, 3e-4}, new double[] {Double.NaN, 4.0});
        RunStarted s = RunReplayer.create(c, "r").runStarted();
        assertThat(s.getLrPerStep()).containsExactly(2e-4, 2e-4, 3e-4);
        assertThat(s.getPlannedTotalSteps()).isEqualTo(2);
    }

    @Test
    void replaysAreDeterministicAndTagsCanBeAdded() {
        List<SpecificRecord> a = new ArrayList<>();
        List<SpecificRecord> b = new ArrayList<>();
        RunReplayer rep = RunReplayer.create(curve(), "r").withTags(Map.of("owner", "me"));
        rep.replay(a::add);
        rep.replay(b::add);
        assertThat(a).isEqualTo(b);
        assertThat(((RunStarted) a.get(0)).getTags()).containsEntry("owner", "me").containsEntry("curve", "toy");
    }

    @Test
    void pacesAtTheGivenStepRate() {
        long t0 = System.nanoTime();
        RunReplayer.create(curve(), "r").withStepsPerSecond(2000).replay(x -> { });
        double seconds = (System.nanoTime() - t0) / 1e9;
        // 100 steps at 2000/s: the last is due after 99/2000 s.
        assertThat(seconds).isGreaterThanOrEqualTo(0.049);
    }

    @Test
    void refusesBadOptions() {
        RunReplayer rep = RunReplayer.create(curve(), "r");
        assertThatThrownBy(() -> rep.withMaxFraction(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> rep.withMaxFraction(1.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> rep.withStepsPerSecond(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RunReplayer.create(curve(), " ")).isInstanceOf(IllegalArgumentException.class);
    }

    private static Limits limitsWithMaxLr(int maxLr) {
        Limits d = Limits.defaults();
        return new Limits(d.maxIdLength(), d.maxExperts(), d.maxTopK(), d.maxLayers(), d.maxTokensPerBatch(),
                d.maxDevices(), maxLr, d.maxMapEntries());
    }
}
