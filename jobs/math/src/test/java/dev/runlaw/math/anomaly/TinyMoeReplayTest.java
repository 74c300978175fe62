package dev.runlaw.math.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.math.moe.ExpertLoadStats;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The MoE detectors with their defaults on the real tiny-moe runs (test resources {@code tiny-moe/}, provenance in
 * its NOTICE.md); the facts asserted come from that data set's README.
 */
class TinyMoeReplayTest {
    private static final AnomalySettings DEFAULTS = AnomalySettings.defaults();

    static List<String> lines(String name) {
        try {
            Path p = Path.of(TinyMoeReplayTest.class.getClassLoader().getResource("tiny-moe/" + name).toURI());
            return Files.readAllLines(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static MoeReplay.Result replay(String name) {
        return MoeReplay.replay(name, lines(name), DEFAULTS);
    }

    private static List<Alert> of(MoeReplay.Result r, AlertKind kind, int layer) {
        return r.alerts().stream().filter(a -> a.kind() == kind && a.layer() == layer).toList();
    }

    @Test
    void healthyRunRaisesNothingAboveInfoThroughItsWarmupTransient() {
        MoeReplay.Result r = replay("expert_load.csv");
        assertThat(r.rows()).isEqualTo(3000);
        assertThat(r.steps()).isEqualTo(1000);
        assertThat(r.layers()).isEqualTo(3);
        assertThat(r.events()).allMatch(a -> a.severity() == Severity.INFO);
    }

    @Test
    void fixedMaxOverMeanRuleFiresOnTheHealthyWarmup() {
        // The baseline the detectors must beat: "max/mean > 3" on one step, and "an expert got zero tokens".
        long firstOverThree = -1;
        long zeroSteps = 0;
        for (String line : lines("expert_load.csv").subList(1, 3001)) {
            String[] f = line.split(",");
            long[] t = java.util.Arrays.stream(f[2].split(" ")).mapToLong(Long::parseLong).toArray();
            ExpertLoadStats s = ExpertLoadStats.of(t);
            if (s.maxOverMean() > 3 && firstOverThree < 0) {
                firstOverThree = Long.parseLong(f[0]);
            }
            zeroSteps += s.zeroExperts() > 0 ? 1 : 0;
        }
        assertThat(firstOverThree).isBetween(15L, 22L);
        assertThat(zeroSteps).isEqualTo(18); // 15 steps of layer 2 and 3 of layer 1
    }

    @Test
    void collapseIsCriticalWithinAFewStepsAndLayerTwoStaysCollapsed() {
        MoeReplay.Result r = replay("expert_load_collapse.csv");
        List<Alert> collapse = of(r, AlertKind.ROUTER_COLLAPSE, 2);
        assertThat(collapse).hasSize(1);
        Alert c = collapse.get(0);
        assertThat(c.severity()).isEqualTo(Severity.CRITICAL);
        // Evidence: one expert in every token's top 2 from step 7 (README); detected within 5 steps of it.
        assertThat(c.detectedStep()).isBetween(7L, 12L);
        assertThat(c.firstStep()).isLessThanOrEqualTo(8L);
        // Layer 2 stays collapsed to the end of the file (step 999): the replay resolves it there.
        assertThat(c.state()).isEqualTo(AlertState.RESOLVED);
        assertThat(c.lastStep()).as("resolved at the run's last step").isEqualTo(999);
    }

    @Test
    void everyDeadExpertIsAlertedAtItsTwentiethZeroStep() {
        MoeReplay.Result r = replay("expert_load_collapse.csv");
        // README: (expert: first zero step -> 20th zero step).
        long[][] layer2 = {{1, 8, 27}, {2, 10, 29}, {4, 10, 29}, {0, 12, 31}, {5, 58, 77},
                // Second deaths the README does not list (it gives each expert's first): zero over 61-104, 75-103.
                {4, 61, 80}, {2, 75, 94}};
        long[][] layer1 = {{6, 9, 28}, {5, 10, 29}};
        assertDead(of(r, AlertKind.DEAD_EXPERT, 2), layer2);
        assertDead(of(r, AlertKind.DEAD_EXPERT, 1), layer1);
        assertThat(of(r, AlertKind.DEAD_EXPERT, 0)).isEmpty();
        assertThat(of(r, AlertKind.DEAD_EXPERT, 2)).hasSize(6); // experts 2 and 4 die together at 10: one alert
        assertThat(of(r, AlertKind.DEAD_EXPERT, 1)).hasSize(2);
    }

    private static void assertDead(List<Alert> alerts, long[][] expected) {
        for (long[] x : expected) {
            assertThat(alerts).as("expert %d", x[0]).anySatisfy(a -> {
                assertThat(a.firstStep()).isEqualTo(x[1]);
                assertThat(a.detectedStep()).isEqualTo(x[2]);
                assertThat(a.message()).containsPattern("experts? ([0-9]+, )*" + x[0] + "\\b");
                assertThat(a.severity()).isEqualTo(Severity.WARNING);
            });
        }
    }

    @Test
    void driftWithoutCollapseGetsImbalanceWarningOnly() {
        MoeReplay.Result r = replay("expert_load_noaux_from300.csv");
        assertThat(r.alerts()).isNotEmpty();
        assertThat(r.alerts()).allMatch(a -> a.kind() == AlertKind.IMBALANCE && a.severity() == Severity.WARNING);
        // Nothing before the balancing loss is switched off at step 300.
        assertThat(r.alerts()).allMatch(a -> a.firstStep() >= 300 && a.detectedStep() < 600);
    }
}
