package dev.runlaw.producers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.runlaw.math.law.MomentumLaw;
import dev.runlaw.math.schedule.LrSchedule;
import dev.runlaw.schema.DataMovement;
import dev.runlaw.schema.ExpertLoad;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.RoutingTraceBatch;
import dev.runlaw.schema.RunStarted;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.TokenRoute;
import dev.runlaw.schema.validate.Limits;
import dev.runlaw.schema.validate.RecordValidator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MoeRunSimulatorTest {
    /** One default-sized run shared by the read-only checks: generating it once keeps the suite fast. */
    private static MoeRunSimulator sim;
    private static List<SpecificRecord> records;
    private static MoeRunSimulator.Result result;

    @BeforeAll
    static void simulate() {
        sim = MoeRunSimulator.builder().seed(7).build();
        records = new ArrayList<>();
        result = sim.run(records::add);
    }

    @Test
    void sameSeedGivesIdenticalRecordsAndOtherSeedDoesNot() {
        MoeRunSimulator.Builder small = MoeRunSimulator.builder().steps(120).layers(3).traceEvery(40).evalEvery(30);
        List<SpecificRecord> a = new ArrayList<>();
        List<SpecificRecord> b = new ArrayList<>();
        List<SpecificRecord> c = new ArrayList<>();
        small.seed(1).build().run(a::add);
        small.seed(1).build().run(b::add);
        small.seed(2).build().run(c::add);
        assertThat(a).hasSameSizeAs(b).isEqualTo(b);
        assertThat(c).hasSameSizeAs(a).isNotEqualTo(a);
    }

    @Test
    void demoIncidentsSpikeOneLossAndCollapseOneLayerLeavingTheRestAsItWas() {
        MoeRunSimulator.Builder small = MoeRunSimulator.builder().steps(200).layers(3).traceEvery(0).evalEvery(0)
                .seed(5);
        SimulatedIncidents inc = SimulatedIncidents.demo(200, 3);
        List<SpecificRecord> plain = new ArrayList<>();
        List<SpecificRecord> with = new ArrayList<>();
        small.build().run(plain::add);
        small.incidents(inc).build().run(with::add);
        assertThat(with).hasSameSizeAs(plain);
        int differing = 0;
        for (int i = 0; i < plain.size(); i++) {
            SpecificRecord a = plain.get(i);
            SpecificRecord b = with.get(i);
            if (a.equals(b)) {
                continue;
            }
            differing++;
            if (b instanceof StepMetrics m) {
                assertThat(m.getStep()).isEqualTo(inc.spikeStep());
                assertThat(m.getLoss()).isCloseTo(2.0 * ((StepMetrics) a).getLoss(), within(1e-12));
            } else {
                ExpertLoad l = (ExpertLoad) b;
                assertThat(l.getLayer()).isEqualTo(inc.collapseLayer());
                assertThat(l.getStep()).isBetween((long) inc.collapseFrom(), (long) inc.collapseTo());
                long total = l.getTokensPerExpert().stream().mapToLong(Long::longValue).sum();
                long top = l.getTokensPerExpert().stream().sorted(java.util.Comparator.reverseOrder()).limit(4)
                        .mapToLong(Long::longValue).sum();
                // What the ROUTER_COLLAPSE rule looks at: the top quarter of the experts takes most tokens ...
                assertThat((double) top / total).isGreaterThan(0.8);
                // ... and capacity limits drop most of what the collapsed router sent them.
                assertThat(l.getDroppedTokens()).isGreaterThan(total);
            }
        }
        assertThat(differing).isEqualTo(1 + inc.collapseTo() - inc.collapseFrom() + 1);
    }

    @Test
    void emitsEveryKindInExpectedNumbersAndEveryRecordIsValid() {
        RecordValidator validator = new RecordValidator(Limits.defaults());
        for (SpecificRecord r : records) {
            assertThat(validator.validate(r)).as("%s", r).isEmpty();
        }
        int t = 2000;
        int layers = 8;
        int traces = t / 50;
        assertThat(result.count(RecordKind.RUN_STARTED)).isEqualTo(1);
        assertThat(result.count(RecordKind.STEP_METRICS)).isEqualTo(t);
        assertThat(result.count(RecordKind.EVAL_METRICS)).isEqualTo(t / 100);
        assertThat(result.count(RecordKind.EXPERT_LOAD)).isEqualTo((long) t * layers);
        assertThat(result.count(RecordKind.ROUTING_TRACE)).isEqualTo(traces);
        assertThat(result.count(RecordKind.DATA_MOVEMENT)).isEqualTo((long) traces * layers * 4 * 3);
        assertThat(result.count(RecordKind.RUN_FINISHED)).isEqualTo(1);
        assertThat(result.total()).isEqualTo(records.size());
        assertThat(records.get(0)).isInstanceOf(RunStarted.class);
        assertThat(RecordKind.of(records.get(records.size() - 1))).isEqualTo(RecordKind.RUN_FINISHED);
    }

    @Test
    void lossFollowsTheLawFallsAndDropsFurtherInTheDecay() {
        List<StepMetrics> steps = steps();
        double atDecayStart = sim.expectedLoss(1600);
        assertThat(sim.expectedLoss(1)).isBetween(9.0, 12.0);
        assertThat(sim.expectedLoss(2000)).isLessThan(atDecayStart - 0.05);
        for (StepMetrics m : steps) {
            double law = sim.expectedLoss((int) m.getStep());
            assertThat(m.getLoss()).isCloseTo(law, within(law * 0.03));
            assertThat(m.getLr()).isEqualTo(sim.lr((int) m.getStep()));
        }
        // Wall time strictly advances, tokens add up.
        for (int i = 1; i < steps.size(); i++) {
            assertThat(steps.get(i).getWallTimeMs()).isGreaterThan(steps.get(i - 1).getWallTimeMs());
        }
        assertThat(steps.get(steps.size() - 1).getTokensSeen()).isEqualTo(2000L * 512 * 1024);
    }

    /**
     * McCandlish et al. (2018, App. A) two-batch estimator on the simulator's own squared norms, numerator and
     * denominator averaged over 250-step windows: must recover the true noise scale within 10 % and rise.
     */
    @Test
    void recoversTrueNoiseScaleFromItsOwnTwoBatchGradientNorms() {
        List<StepMetrics> steps = steps();
        double previous = 0;
        for (int from = 250; from < 2000; from += 250) {
            double g2 = 0;
            double tr = 0;
            double truth = 0;
            for (StepMetrics m : steps.subList(from, from + 250)) {
                double bs = m.getBatchSmall();
                double bb = m.getBatchBig();
                g2 += (bb * m.getGradSqNormBig() - bs * m.getGradSqNormSmall()) / (bb - bs);
                tr += (m.getGradSqNormSmall() - m.getGradSqNormBig()) / (1 / bs - 1 / bb);
                truth += sim.trueNoiseScale(sim.expectedLoss((int) m.getStep()));
            }
            double estimate = tr / g2;
            truth /= 250;
            assertThat(estimate).as("window from step %d", from).isCloseTo(truth, within(0.10 * truth));
            assertThat(estimate).isGreaterThan(previous);
            previous = estimate;
        }
    }

    @Test
    void dataMovementEqualsBytesRecomputedFromTheRoutingTraces() {
        int[] placement = sim.placement();
        long unit = 1024L * 2;
        Map<String, Long> fromTraces = new HashMap<>();
        Map<String, Long> reported = new HashMap<>();
        for (SpecificRecord r : records) {
            if (r instanceof RoutingTraceBatch b) {
                for (TokenRoute t : b.getTokens()) {
                    int home = Integer.parseInt(t.getSequenceId().substring(t.getSequenceId().indexOf('q') + 1)) % 4;
                    for (int e : t.getExpertIds()) {
                        if (placement[e] != home) {
                            fromTraces.merge(b.getStep() + "/" + t.getLayer(), 2 * unit, Long::sum);
                        }
                    }
                }
            } else if (r instanceof DataMovement d) {
                assertThat(d.getSrcDevice()).isNotEqualTo(d.getDstDevice());
                reported.merge(d.getStep() + "/" + d.getLayer(), d.getBytes(), Long::sum);
            }
        }
        assertThat(reported).isEqualTo(fromTraces).hasSize(40 * 8);
    }

    @Test
    void routesDistinctTopKWithDescendingGateWeightsAndTemporalLocality() {
        long tokens = 0;
        long kept = 0;
        Map<String, Integer> previous = new HashMap<>();
        for (SpecificRecord r : records) {
            if (r instanceof RoutingTraceBatch b) {
                for (TokenRoute t : b.getTokens()) {
                    assertThat(t.getExpertIds()).hasSize(2).doesNotHaveDuplicates();
                    List<Float> w = t.getGateWeights();
                    assertThat(w.get(0)).isGreaterThanOrEqualTo(w.get(1));
                    assertThat(w.get(0) + w.get(1)).isLessThanOrEqualTo(1.0f).isGreaterThan(0.5f);
                    String k = t.getSequenceId() + "/" + t.getLayer();
                    Integer prev = previous.put(k, t.getExpertIds().get(0));
                    if (prev != null) {
                        tokens++;
                        kept += prev.equals(t.getExpertIds().get(0)) ? 1 : 0;
                    }
                }
            }
        }
        // locality 0.6 plus chance repeats: clearly above the ~1/8 of independent draws.
        assertThat((double) kept / tokens).isBetween(0.55, 0.8);
    }

    @Test
    void expertLoadAddsUpAndShowsSkewDropsAndADeadExpert() {
        long assignments = 512L * 1024 * 2;
        boolean someDead = false;
        boolean someDrops = false;
        double firstImbalance = 0;
        double lastImbalance = 0;
        for (SpecificRecord r : records) {
            if (r instanceof ExpertLoad l) {
                long sum = l.getTokensPerExpert().stream().mapToLong(Long::longValue).sum();
                assertThat(sum + l.getDroppedTokens()).isCloseTo(assignments, within(16L));
                someDead |= l.getTokensPerExpert().contains(0L);
                someDrops |= l.getDroppedTokens() > 0;
                assertThat(l.getAuxLoss()).isGreaterThanOrEqualTo(0.0099);
                long max = l.getTokensPerExpert().stream().mapToLong(Long::longValue).max().orElseThrow();
                double imbalance = max / (sum / 16.0);
                if (l.getStep() <= 10) {
                    firstImbalance = Math.max(firstImbalance, imbalance);
                }
                if (l.getStep() > 1990) {
                    lastImbalance = Math.max(lastImbalance, imbalance);
                }
            }
        }
        assertThat(someDead).isTrue();
        assertThat(someDrops).isTrue();
        assertThat(firstImbalance).isGreaterThan(1.3);
        assertThat(lastImbalance).isLessThan(firstImbalance);
    }

    @Test
    void maxFractionStopsEarlyWithoutRunFinished() {
        List<SpecificRecord> out = new ArrayList<>();
        MoeRunSimulator s = MoeRunSimulator.builder().steps(200).layers(2).maxFraction(0.25).build();
        MoeRunSimulator.Result r = s.run(out::add);
        assertThat(r.lastStep()).isEqualTo(50);
        assertThat(r.finished()).isFalse();
        assertThat(r.count(RecordKind.STEP_METRICS)).isEqualTo(50);
        assertThat(r.count(RecordKind.RUN_FINISHED)).isZero();
    }

    @Test
    void splitsLargeTracesAtTheTokenLimit() {
        Limits limits = new Limits(256, 4096, 64, 4096, 100, 65_536, 100_000, 128);
        List<SpecificRecord> out = new ArrayList<>();
        MoeRunSimulator.builder().steps(10).layers(2).traceEvery(10).traceSequences(2).tracePositions(60)
                .limits(limits).build().run(out::add);
        List<Integer> sizes = out.stream().filter(r -> r instanceof RoutingTraceBatch)
                .map(r -> ((RoutingTraceBatch) r).getTokens().size()).toList();
        assertThat(sizes).containsExactly(100, 100, 40);
    }

    @Test
    void refusesSettingsOutsideTheLimits() {
        assertThatThrownBy(() -> MoeRunSimulator.builder().experts(5000).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("experts");
        assertThatThrownBy(() -> MoeRunSimulator.builder().topK(17).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("topK");
        assertThatThrownBy(() -> MoeRunSimulator.builder().batchSmall(512).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batchSmall");
    }

    /**
     * The simulator's loss law is written out independently of the math module (it is the truth the forecasts are
     * checked against); both must still compute the same law after the warmup (the steps a fit uses; within the
     * warmup the math module evaluates S1 with the rising LR): the math module's {@code MomentumLaw} with the same
     * parameters and lambda, on the simulator's per-step LR, agrees within 1e-12 relative at every post-warmup step
     * (both sum the same terms; only the order of floating-point operations may differ).
     */
    @Test
    void expectedLossEqualsTheMathModulesMomentumLawAfterWarmup() {
        MoeRunSimulator.LossLaw law = sim.lossLaw();
        double[] lr = new double[sim.steps() + 1];
        for (int s = 0; s <= sim.steps(); s++) {
            lr[s] = sim.lr(s);
        }
        LrSchedule schedule = LrSchedule.of(0, lr);
        long first = schedule.peakStep() + 1;
        assertThat(first).isBetween(90L, 110L);
        long[] steps = new long[(int) (sim.steps() - first + 1)];
        for (int i = 0; i < steps.length; i++) {
            steps[i] = first + i;
        }
        double[] math = MomentumLaw.withLambda(law.lambda())
                .predict(new double[] {law.l0(), law.a(), law.alpha(), law.c()}, schedule, steps);
        for (int i = 0; i < steps.length; i++) {
            double expected = sim.expectedLoss((int) steps[i]);
            assertThat(math[i]).as("step %d", steps[i]).isCloseTo(expected, within(1e-12 * expected));
        }
    }

    private static List<StepMetrics> steps() {
        return records.stream().filter(r -> r instanceof StepMetrics).map(r -> (StepMetrics) r).toList();
    }
}
