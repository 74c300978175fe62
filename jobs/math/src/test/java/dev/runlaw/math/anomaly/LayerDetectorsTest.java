package dev.runlaw.math.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Seeded synthetic routing through {@link LayerDetectors}: clean layers stay quiet, each rule fires and resolves. */
class LayerDetectorsTest {
    private static final AnomalySettings DEFAULTS = AnomalySettings.defaults();

    /** Multinomial routing of {@code slots} token slots over experts with probabilities {@code p}. */
    private static long[] route(Random rnd, double[] p, int slots) {
        double[] cdf = new double[p.length];
        double acc = 0;
        for (int e = 0; e < p.length; e++) {
            acc += p[e];
            cdf[e] = acc;
        }
        long[] t = new long[p.length];
        for (int i = 0; i < slots; i++) {
            int e = java.util.Arrays.binarySearch(cdf, rnd.nextDouble() * acc);
            e = e >= 0 ? e : -e - 1;
            t[Math.min(e, p.length - 1)]++;
        }
        return t;
    }

    private static double[] uniform(int experts) {
        double[] p = new double[experts];
        java.util.Arrays.fill(p, 1.0 / experts);
        return p;
    }

    @Test
    void balancedLayersOf8And256ExpertsRaiseNothing() {
        for (int experts : new int[]{8, 256}) {
            Random rnd = new Random(42 + experts);
            LayerDetectors d = new LayerDetectors(0, DEFAULTS);
            List<Alert> all = new ArrayList<>();
            int steps = experts == 8 ? 5000 : 1500; // 64 slots per expert, as many draws either way
            for (long s = 0; s < steps; s++) {
                all.addAll(d.onExpertLoad(s, route(rnd, uniform(experts), experts * 64), rnd.nextInt(3)));
            }
            assertThat(all).as("E = %d", experts).isEmpty();
            assertThat(d.observedSteps()).isEqualTo(steps);
        }
    }

    @Test
    void deadExpertOpensAtTheWindowAndResolvesWhenItGetsTokensAgain() {
        Random rnd = new Random(7);
        LayerDetectors d = new LayerDetectors(3, DEFAULTS);
        double[] without3 = {1 / 7.0, 1 / 7.0, 1 / 7.0, 0, 1 / 7.0, 1 / 7.0, 1 / 7.0, 1 / 7.0};
        List<Alert> events = new ArrayList<>();
        for (long s = 0; s < 300; s++) {
            boolean dead = s >= 100 && s < 150;
            events.addAll(d.onExpertLoad(s, route(rnd, dead ? without3 : uniform(8), 512), -1));
        }
        assertThat(events).hasSize(2);
        Alert open = events.get(0);
        assertThat(open.kind()).isEqualTo(AlertKind.DEAD_EXPERT);
        assertThat(open.layer()).isEqualTo(3);
        assertThat(open.firstStep()).isEqualTo(100);
        assertThat(open.detectedStep()).isEqualTo(100 + DEFAULTS.moe().deadExpertSteps() - 1);
        assertThat(open.message()).contains("expert 3");
        Alert resolved = events.get(1);
        assertThat(resolved.state()).isEqualTo(AlertState.RESOLVED);
        assertThat(resolved.firstStep()).isEqualTo(100);
        assertThat(resolved.lastStep()).isEqualTo(149);
    }

    @Test
    void expertDyingAgainWithinTheCooldownIsNotRealertedButIsAfterIt() {
        int w = 5;
        long cooldown = 30;
        AnomalySettings settings = withCooldown(DEFAULTS.withMoe(DEFAULTS.moe().withDeadExpertSteps(w)), cooldown);
        LayerDetectors d = new LayerDetectors(0, settings);
        List<Alert> events = new ArrayList<>();
        long s = 0;
        for (int round = 0; round < 3; round++) { // dies for w steps, revives for one, three times
            for (int i = 0; i < w; i++) {
                events.addAll(d.onExpertLoad(s++, new long[]{100, 100, 100, 0}, -1));
            }
            events.addAll(d.onExpertLoad(s++, new long[]{100, 100, 100, 100}, -1));
        }
        assertThat(events).extracting(Alert::state).containsExactly(AlertState.OPEN, AlertState.RESOLVED);
        long revived = s - 1;
        s = revived + cooldown; // the cool-down has passed by the time it is dead again
        for (int i = 0; i < w; i++) {
            events.addAll(d.onExpertLoad(s++, new long[]{100, 100, 100, 0}, -1));
        }
        assertThat(events).hasSize(3);
        assertThat(events.get(2).firstStep()).isEqualTo(revived + cooldown);
    }

    /** A copy of {@code s} with another cool-down (record components copied, so new thresholds need no edit here). */
    private static AnomalySettings withCooldown(AnomalySettings s, long cooldown) {
        try {
            var comps = AnomalySettings.class.getRecordComponents();
            Object[] args = new Object[comps.length];
            Class<?>[] types = new Class<?>[comps.length];
            for (int i = 0; i < comps.length; i++) {
                types[i] = comps[i].getType();
                args[i] = comps[i].getName().equals("cooldownSteps") ? cooldown : comps[i].getAccessor().invoke(s);
            }
            return AnomalySettings.class.getDeclaredConstructor(types).newInstance(args);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void collapseOntoOneExpertIsCriticalAfterTheSustainWindowAndResolvesWithHysteresis() {
        Random rnd = new Random(11);
        LayerDetectors d = new LayerDetectors(1, DEFAULTS);
        double[] collapsed = {0.9, 0.1 / 15, 0.1 / 15, 0.1 / 15, 0.1 / 15, 0.1 / 15, 0.1 / 15, 0.1 / 15, 0.1 / 15,
                0.1 / 15, 0.1 / 15, 0.1 / 15, 0.1 / 15, 0.1 / 15, 0.1 / 15, 0.1 / 15};
        List<Alert> events = new ArrayList<>();
        for (long s = 0; s < 400; s++) {
            boolean bad = s >= 100 && s < 130;
            events.addAll(d.onExpertLoad(s, route(rnd, bad ? collapsed : uniform(16), 2048), -1));
        }
        List<Alert> collapse = events.stream().filter(a -> a.kind() == AlertKind.ROUTER_COLLAPSE).toList();
        assertThat(collapse).hasSize(2);
        assertThat(collapse.get(0).severity()).isEqualTo(Severity.CRITICAL);
        assertThat(collapse.get(0).firstStep()).isEqualTo(100);
        assertThat(collapse.get(0).detectedStep()).isEqualTo(100 + DEFAULTS.moe().collapseSteps() - 1);
        assertThat(collapse.get(1).lastStep()).isEqualTo(129);
        assertThat(collapse.get(1).detectedStep()).isEqualTo(collapse.get(0).detectedStep());
        // The other 15 experts keep ~0.7 % of the tokens each: starved, not dead.
        assertThat(events).noneMatch(a -> a.kind() == AlertKind.DEAD_EXPERT);
    }

    @Test
    void shortSkewLikeAWarmupDoesNotCountAsCollapse() {
        LayerDetectors d = new LayerDetectors(0, DEFAULTS);
        List<Alert> events = new ArrayList<>();
        for (long s = 0; s < 200; s++) {
            boolean skew = s % 10 < DEFAULTS.moe().collapseSteps() - 1; // bursts one step shorter than the window
            events.addAll(d.onExpertLoad(s, skew ? new long[]{900, 900, 10, 10, 10, 10, 10, 10}
                    : new long[]{240, 230, 220, 250, 260, 240, 250, 230}, -1));
        }
        assertThat(events).noneMatch(a -> a.kind() == AlertKind.ROUTER_COLLAPSE);
    }

    @Test
    void dropRateJumpIsAWarningThatResolves() {
        Random rnd = new Random(5);
        LayerDetectors d = new LayerDetectors(0, DEFAULTS);
        List<Alert> events = new ArrayList<>();
        for (long s = 0; s < 400; s++) {
            long[] t = route(rnd, uniform(8), 4000);
            long dropped = s >= 200 && s < 260 ? 600 : 40 + rnd.nextInt(20); // ~13% against ~1%
            events.addAll(d.onExpertLoad(s, t, dropped));
        }
        assertThat(events).extracting(Alert::kind).containsOnly(AlertKind.DROP_RATE);
        assertThat(events).hasSize(2);
        assertThat(events.get(0).firstStep()).isEqualTo(200);
        assertThat(events.get(0).detectedStep()).isEqualTo(200 + DEFAULTS.moe().dropSteps() - 1);
        assertThat(events.get(0).expected()).isBetween(0.005, 0.02);
        assertThat(events.get(1).lastStep()).isEqualTo(259);
    }

    @Test
    void imbalanceDriftAfterWarmupIsAWarningButASettlingWarmupIsNot() {
        Random rnd = new Random(3);
        LayerDetectors d = new LayerDetectors(0, DEFAULTS);
        List<Alert> events = new ArrayList<>();
        for (long s = 0; s < 1200; s++) {
            // Warm-up skew decaying from max/mean ~3 to ~1.2, then a drift to ~1.9 from step 700.
            double hot = s < 200 ? 0.375 - 0.22 * s / 200.0 : (s < 700 ? 0.155 : 0.24);
            double[] p = new double[8];
            java.util.Arrays.fill(p, (1 - hot) / 7);
            p[2] = hot;
            events.addAll(d.onExpertLoad(s, route(rnd, p, 4096), -1));
        }
        assertThat(events).isNotEmpty();
        assertThat(events).allMatch(a -> a.kind() == AlertKind.IMBALANCE && a.severity() == Severity.WARNING);
        assertThat(events.get(0).firstStep()).isGreaterThanOrEqualTo(700);
        assertThat(events.get(0).detectedStep()).isLessThan(760);
    }

    @Test
    void restoredStateRaisesExactlyWhatTheOriginalRaises() {
        Random rnd = new Random(9);
        long[][] steps = new long[600][];
        for (int s = 0; s < steps.length; s++) {
            double[] p = s > 250 && s < 320 ? new double[]{0.6, 0.3, 0.1, 0, 0, 0, 0, 0} : uniform(8);
            steps[s] = route(rnd, p, 1024);
        }
        LayerDetectors a = new LayerDetectors(2, DEFAULTS);
        for (int s = 0; s < 290; s++) {
            a.onExpertLoad(s, steps[s], 10);
        }
        LayerDetectors b = LayerDetectors.fromBytes(a.toBytes(), DEFAULTS);
        List<Alert> fromA = new ArrayList<>();
        List<Alert> fromB = new ArrayList<>();
        for (int s = 290; s < steps.length; s++) {
            fromA.addAll(a.onExpertLoad(s, steps[s], 10));
            fromB.addAll(b.onExpertLoad(s, steps[s], 10));
        }
        assertThat(fromA).isNotEmpty();
        assertThat(fromB).isEqualTo(fromA);
        assertThat(b.toBytes()).isEqualTo(a.toBytes());
    }

    @Test
    void refusesAChangedExpertCountAndUnknownStateVersions() {
        LayerDetectors d = new LayerDetectors(0, DEFAULTS);
        d.onExpertLoad(0, new long[]{1, 2, 3, 4}, -1);
        assertThatThrownBy(() -> d.onExpertLoad(1, new long[]{1, 2, 3}, -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has 4 experts");
        byte[] state = d.toBytes();
        state[0] = 99;
        assertThatThrownBy(() -> LayerDetectors.fromBytes(state, DEFAULTS))
                .hasMessageContaining("version 99");
    }

    @Test
    void ignoresDuplicateStepsAndStepsWithoutTokens() {
        LayerDetectors d = new LayerDetectors(0, DEFAULTS);
        d.onExpertLoad(5, new long[]{1, 2}, -1);
        assertThat(d.onExpertLoad(5, new long[]{0, 9}, -1)).isEmpty();
        assertThat(d.onExpertLoad(4, new long[]{0, 9}, -1)).isEmpty();
        assertThat(d.onExpertLoad(6, new long[]{0, 0}, -1)).isEmpty();
        assertThat(d.observedSteps()).isEqualTo(1);
    }

    @Test
    void selectionPutsTheLargestCountsLastAsASortWould() {
        Random rnd = new Random(21);
        for (int trial = 0; trial < 500; trial++) {
            int n = 1 + rnd.nextInt(300);
            long[] a = new long[n];
            for (int i = 0; i < n; i++) {
                a[i] = rnd.nextInt(trial % 2 == 0 ? 5 : 100_000); // many ties, then few
            }
            long[] sorted = a.clone();
            java.util.Arrays.sort(sorted);
            int k = rnd.nextInt(n);
            LayerDetectors.select(a, k);
            assertThat(a[k]).isEqualTo(sorted[k]);
            for (int i = 0; i < n; i++) {
                assertThat(i < k ? a[i] <= a[k] : a[i] >= a[k]).isTrue();
            }
        }
    }

    @Test
    void collapseAndDeadExpertsStillOpenWhenTheRunEndsResolveAtTheLastStep() {
        Random rnd = new Random(9);
        LayerDetectors d = new LayerDetectors(2, DEFAULTS);
        double[] onto0 = {0.97, 0.01, 0.01, 0.01, 0, 0, 0, 0};
        List<Alert> events = new ArrayList<>();
        for (long s = 0; s < 200; s++) {
            events.addAll(d.onExpertLoad(s, route(rnd, s >= 120 ? onto0 : uniform(8), 512), -1));
        }
        assertThat(events).allMatch(Alert::isOpen).extracting(Alert::kind)
                .contains(AlertKind.ROUTER_COLLAPSE, AlertKind.DEAD_EXPERT);
        List<Alert> closed = d.closeAll();
        // One RESOLVED per open alert (the four dying experts share one DEAD_EXPERT), all at step 199.
        assertThat(closed).hasSameSizeAs(events).allSatisfy(r -> {
            assertThat(r.state()).isEqualTo(AlertState.RESOLVED);
            assertThat(r.lastStep()).isEqualTo(199);
            assertThat(r.layer()).isEqualTo(2);
        });
        assertThat(closed).extracting(Alert::kind, Alert::firstStep).containsExactlyInAnyOrderElementsOf(
                events.stream().map(a -> org.assertj.core.groups.Tuple.tuple(a.kind(), a.firstStep())).toList());
        assertThat(d.closeAll()).isEmpty();
        assertThat(new LayerDetectors(0, DEFAULTS).closeAll()).isEmpty();
    }
}
