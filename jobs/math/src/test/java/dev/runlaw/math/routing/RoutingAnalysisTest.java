package dev.runlaw.math.routing;

import static dev.runlaw.math.routing.Traces.count;
import static dev.runlaw.math.routing.Traces.route;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The issue's definitions on traces with planted structure, expected values worked out by hand. */
class RoutingAnalysisTest {
    private static final double EPS = 1e-12;

    @Test
    void hotExpertGivesItsMaxOverMeanAndSquaredShareChance() {
        // Ten one-token sequences at layer 0, top-1: expert 2 takes 7 of 10 tokens.
        List<TokenRoute> routes = new ArrayList<>();
        int[] pick = {2, 2, 0, 2, 1, 2, 2, 3, 2, 2};
        for (int t = 0; t < pick.length; t++) {
            routes.add(route("s" + t, 0, 0, pick[t]));
        }
        RoutingReport r = RoutingAnalysis.analyze(count(2, routes), RoutingSettings.defaults(2));
        RoutingReport.Layer l = r.layers().get(0);
        assertThat(r.tokens()).isEqualTo(10);
        assertThat(l.experts()).isEqualTo(4);
        assertThat(l.load()).containsExactly(1, 1, 7, 1);
        assertThat(l.maxOverMean()).isCloseTo(7 / (10 / 4.0), within(EPS)); // 2.8
        assertThat(l.temporalLocalityChance()).isCloseTo((1 + 1 + 49 + 1) / 100.0, within(EPS));
        assertThat(l.temporalLocality()).as("no consecutive positions").isNull();
        assertThat(l.topPair()).as("top-1: no pairs").isNull();
        assertThat(l.nextLayerHit()).as("last layer").isNull();
    }

    @Test
    void expertsFlagWidensTheMean() {
        List<TokenRoute> routes = List.of(route("a", 0, 0, 3), route("b", 0, 0, 3), route("c", 0, 0, 1));
        RoutingReport r = RoutingAnalysis.analyze(count(2, routes), RoutingSettings.defaults(2).withExperts(6));
        assertThat(r.layers().get(0).load()).containsExactly(0, 1, 0, 2, 0, 0);
        assertThat(r.layers().get(0).maxOverMean()).isCloseTo(2 / (3 / 6.0), within(EPS));
        assertThat(r.placements().get(RoutingReport.CONTIGUOUS).map()[0]).containsExactly(0, 0, 0, 1, 1, 1);
    }

    @Test
    void plantedLocalityOnASixCycleOfPairs() {
        // Top-2 routes at positions 0..5 are the edges of the cycle 0-1-2-3-4-5-0, in the order
        // {0,1} {2,1} {3,4} {4,5} {5,0} {2,3}: consecutive pairs (0,1) (2,3) (3,4) share an expert, (1,2) (4,5) do not.
        int[][] sets = {{0, 1}, {2, 1}, {3, 4}, {4, 5}, {5, 0}, {2, 3}};
        List<TokenRoute> routes = new ArrayList<>();
        for (int p = 0; p < sets.length; p++) {
            routes.add(route("s", p, 4, sets[p]));
        }
        RoutingReport.Layer l = RoutingAnalysis.analyze(count(2, routes), RoutingSettings.defaults(2)).layers().get(0);
        assertThat(l.layer()).isEqualTo(4);
        assertThat(l.localityPairs()).isEqualTo(5);
        assertThat(l.localityHits()).isEqualTo(3);
        assertThat(l.temporalLocality()).isCloseTo(0.6, within(EPS));
        // Each edge intersects itself and its two neighbours on the cycle: 6 · 3 = 18 of 36 ordered pairs;
        // inclusion–exclusion: Σ load² − Σ pair² = 6 · 2² − 6 · 1² = 18.
        assertThat(l.temporalLocalityChance()).isCloseTo(0.5, within(EPS));
        assertThat(l.topPair()).as("all pairs once: the smallest wins").isEqualTo(new RoutingReport.TopPair(0, 1, 1));
        assertThat(l.load()).containsExactly(2, 2, 2, 2, 2, 2);
    }

    @Test
    void localityPairsOnlyConsecutivePositionsOfOneSequenceAndStep() {
        List<TokenRoute> routes = new ArrayList<>(List.of(
                route("s", 0, 0, 1), route("s", 1, 0, 1), route("s", 3, 0, 1), // 0-1 pair; 3 has no 2 before it
                route("t", 4, 0, 1), // another sequence: no pair with s/3
                new TokenRoute("src", 8, "s", 2, 0, new int[] {1}))); // another step
        RoutingReport.Layer l = RoutingAnalysis.analyze(count(1, routes), RoutingSettings.defaults(1)).layers().get(0);
        assertThat(l.localityPairs()).isEqualTo(1);
        assertThat(l.temporalLocality()).isEqualTo(1.0);
    }

    @Test
    void topPairCountsRoutesAndBreaksTiesToTheSmallestPair() {
        List<TokenRoute> routes = List.of(route("s", 0, 0, 5, 3), route("s", 1, 0, 3, 5), route("s", 2, 0, 1, 2),
                route("s", 3, 0, 2, 1), route("s", 4, 0, 4, 4));
        RoutingReport.Layer l = RoutingAnalysis.analyze(count(2, routes), RoutingSettings.defaults(2)).layers().get(0);
        assertThat(l.topPair()).isEqualTo(new RoutingReport.TopPair(1, 2, 2));
        assertThat(l.load()).as("[4, 4] counts expert 4 once").containsExactly(0, 2, 2, 2, 1, 2);
    }

    @Test
    void threeIdRoutesUseTheHigherInclusionExclusionTerms() {
        // {0,1,2} twice, {2,3,4}, {5,6,7}: intersecting ordered pairs 4 (A·A) + 4 (A·B, B·A) + 1 (B·B) + 1 (C·C).
        List<TokenRoute> routes = List.of(route("s", 0, 0, 0, 1, 2), route("s", 1, 0, 2, 1, 0),
                route("s", 2, 0, 4, 3, 2), route("s", 3, 0, 7, 6, 5));
        RoutingReport.Layer l = RoutingAnalysis.analyze(count(2, routes), RoutingSettings.defaults(2)).layers().get(0);
        assertThat(l.temporalLocalityChance()).isCloseTo(10 / 16.0, within(EPS));
        assertThat(l.temporalLocality()).isCloseTo(2 / 3.0, within(EPS));
    }

    @Test
    void chanceTermEqualsTheBruteForcePairCountOnRandomTopKTraces() {
        for (int k : new int[] {1, 2, 3, 4, 6}) {
            List<TokenRoute> routes = Traces.random(11 + k, 12, 40, 16, k);
            RoutingReport r = RoutingAnalysis.analyze(count(4, routes), RoutingSettings.defaults(4).withExperts(16));
            for (RoutingReport.Layer l : r.layers()) {
                List<Set<Integer>> sets = new ArrayList<>();
                for (TokenRoute t : routes) {
                    if (t.layer() == l.layer()) {
                        Set<Integer> s = new HashSet<>();
                        for (int e : t.expertIds()) {
                            s.add(e);
                        }
                        sets.add(s);
                    }
                }
                long hits = 0;
                for (Set<Integer> a : sets) {
                    for (Set<Integer> b : sets) {
                        if (a.stream().anyMatch(b::contains)) {
                            hits++;
                        }
                    }
                }
                double expected = (double) hits / ((double) sets.size() * sets.size());
                assertThat(l.temporalLocalityChance()).as("k=%d layer %d", k, l.layer())
                        .isCloseTo(expected, within(1e-12));
            }
        }
    }

    @Test
    void chanceTermStaysExactWithIdsTooWideToPackAndSparsePairs() {
        // Ids up to 8191 (13 bits): subsets of five larger ids no longer pack into 63 bits, and pairs go sparse.
        java.util.Random rnd = new java.util.Random(4);
        List<TokenRoute> routes = new ArrayList<>();
        for (int p = 0; p < 300; p++) {
            int[] ids = new int[6];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = rnd.nextInt(3) == 0 ? 8191 - rnd.nextInt(8) : rnd.nextInt(12) * 700;
            }
            routes.add(route("s", p, 0, ids));
        }
        RoutingReport.Layer l = RoutingAnalysis.analyze(count(4, routes), RoutingSettings.defaults(4)).layers().get(0);
        long hits = 0;
        for (TokenRoute a : routes) {
            for (TokenRoute b : routes) {
                boolean meet = false;
                for (int x : a.expertIds()) {
                    for (int y : b.expertIds()) {
                        meet |= x == y;
                    }
                }
                hits += meet ? 1 : 0;
            }
        }
        assertThat(l.experts()).isEqualTo(8192);
        assertThat(l.temporalLocalityChance()).isCloseTo(hits / (300.0 * 300.0), within(1e-12));
    }

    @Test
    void plantedAffineChainIsFullyPredictableAndTheOptimizedMapKeepsEveryHopOnOneDevice() {
        // 8 tokens of one sequence; token p picks a = p mod 4 at layer 0, a + 1 at layer 1, a + 2 at layer 2 (mod 4).
        List<TokenRoute> routes = new ArrayList<>();
        for (int p = 0; p < 8; p++) {
            for (int l = 0; l < 3; l++) {
                routes.add(route("s", p, l, (p + l) % 4));
            }
        }
        RoutingSettings s = new RoutingSettings(2, 0, 10, 2, 0);
        RoutingReport r = RoutingAnalysis.analyze(count(2, routes), s);
        assertThat(r.tokens()).isEqualTo(8);
        assertThat(r.layers()).extracting(RoutingReport.Layer::nextLayerHit).containsExactly(1.0, 1.0, null);
        assertThat(r.layers()).extracting(RoutingReport.Layer::hops).containsExactly(8L, 8L, 0L);
        assertThat(r.layers().get(0).temporalLocality()).as("p and p+1 never share").isEqualTo(0.0);
        assertThat(r.layers().get(0).temporalLocalityChance()).isCloseTo(0.25, within(EPS));

        RoutingReport.Placement contiguous = r.placements().get(RoutingReport.CONTIGUOUS);
        // Contiguous [0,0,1,1]: hops 0→1 and 2→3 stay, 1→2 and 3→0 cross, on both links.
        assertThat(contiguous.transitionCrossDevice()).isCloseTo(0.5, within(EPS));
        assertThat(contiguous.deviceLoadMaxOverMean()).isCloseTo(1.0, within(EPS));
        // Home = position mod 2; 4 of the 8 routes of every layer land on the other device: 12 · 2 · 10 · 2 bytes.
        assertThat(contiguous.bytes()).isEqualTo(480);

        RoutingReport.Placement balanced = r.placements().get(RoutingReport.BALANCED);
        // EPLB on equal loads alternates: [0,1,0,1] on every layer, so every a → a + 1 hop changes device.
        assertThat(balanced.map()).isEqualTo(new int[][] {{0, 1, 0, 1}, {0, 1, 0, 1}, {0, 1, 0, 1}});
        assertThat(balanced.transitionCrossDevice()).isCloseTo(1.0, within(EPS));

        RoutingReport.Placement optimized = r.placements().get(RoutingReport.OPTIMIZED);
        assertThat(optimized.transitionCrossDevice()).isEqualTo(0.0);
        assertThat(optimized.crossHops()).isZero();
        assertThat(optimized.hops()).isEqualTo(16);
        assertThat(optimized.deviceLoadMaxOverMean()).isCloseTo(1.0, within(EPS));
        int[][] m = optimized.map();
        for (int a = 0; a < 4; a++) {
            assertThat(m[1][(a + 1) % 4]).isEqualTo(m[0][a]);
            assertThat(m[2][(a + 2) % 4]).isEqualTo(m[0][a]);
        }
    }

    @Test
    void firstMeansFirstListedAndLayersWithAGapHaveNoNextLayer() {
        // The same sets listed in two orders give different first ids; layer 1 → 3 is no transition.
        List<TokenRoute> routes = List.of(route("s", 0, 0, 5, 2), route("s", 0, 1, 2, 5), route("s", 0, 3, 1),
                route("s", 1, 0, 2, 5), route("s", 1, 1, 2, 5), route("s", 1, 3, 1));
        RoutingCounts c = count(2, routes);
        List<String> t = new ArrayList<>();
        c.forEachTransition(0, (a, b, n) -> t.add(a + ">" + b + ":" + n));
        assertThat(t).containsExactly("2>2:1", "5>2:1");
        RoutingReport r = RoutingAnalysis.analyze(c, RoutingSettings.defaults(2));
        assertThat(r.layers()).extracting(RoutingReport.Layer::layer).containsExactly(0, 1, 3);
        assertThat(r.layers()).extracting(RoutingReport.Layer::nextLayerHit).containsExactly(1.0, null, null);
        c.forEachTransition(1, (a, b, n) -> t.add("unexpected"));
        assertThat(t).hasSize(2);
    }

    @Test
    void jsonHasExactlyTheIssuesKeys() {
        List<TokenRoute> routes = List.of(route("s", 0, 0, 1, 0), route("s", 1, 0, 1), route("s", 0, 1, 0),
                route("s", 1, 1, 1));
        String json = RoutingAnalysis.analyze(count(2, routes), RoutingSettings.defaults(2)).toJson();
        assertThat(json).startsWith("{\"tokens\":2,\"layers\":[")
                .contains("{\"layer\":0,\"experts\":2,\"load\":[1,2],\"max_over_mean\":1.3333333333333333,"
                        + "\"temporal_locality\":1.0,\"temporal_locality_chance\":1.0,\"top_pair\":[0,1,1],"
                        + "\"next_layer_hit\":0.5}")
                .contains("\"top_pair\":null,\"next_layer_hit\":null}")
                .contains("\"placements\":{\n\"contiguous\":{\"map\":[[0,1],[0,1]],\"device_load_max_over_mean\":")
                .contains("\"balanced\":{\"map\":").contains("\"optimized\":{\"map\":")
                .contains("\"transition_cross_device\":").contains("\"bytes\":");
    }

    @Test
    void refusesIdsBeyondExpertsAndMoreDevicesThanExperts() {
        RoutingCounts c = count(2, List.of(route("s", 0, 0, 5)));
        assertThatThrownBy(() -> RoutingAnalysis.analyze(c, RoutingSettings.defaults(2).withExperts(4)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expert id 5");
        RoutingCounts c8 = count(8, List.of(route("s", 0, 0, 5)));
        assertThatThrownBy(() -> RoutingAnalysis.analyze(c8, RoutingSettings.defaults(8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("8 devices but only 6 experts");
        assertThatThrownBy(() -> RoutingAnalysis.analyze(c, RoutingSettings.defaults(3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("homed on 2 devices");
        assertThatThrownBy(() -> new RoutingSettings(0, 0, 1, 1, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
