package dev.runlaw.jobs.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.math.routing.RoutingCounts;
import dev.runlaw.math.routing.TokenRoute;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Fragments cut and reassemble sequences; a repeated (token, layer) keeps its newest copy only when asked. */
class TraceFragmentsTest {

    private static SequenceFragment fragment(long version, int[] positions, int[] layers, int[][] ids) {
        List<SequenceFragment> out = new ArrayList<>();
        List<TokenRoute> routes = new ArrayList<>();
        for (int i = 0; i < positions.length; i++) {
            routes.add(new TokenRoute("run", 1, "s", positions[i], layers[i], ids[i]));
        }
        TraceFragments.of(routes, out::add);
        SequenceFragment f = out.get(0);
        return new SequenceFragment(f.source(), f.step(), f.sequenceId(), version, f.positions(), f.layers(),
                f.idEnds(), f.expertIds());
    }

    @Test
    void cutsATraceIntoOneFragmentPerRunOfOneSequence() {
        List<TokenRoute> routes = List.of(new TokenRoute("run", 1, "a", 0, 0, new int[] {1, 2}),
                new TokenRoute("run", 1, "a", 1, 0, new int[] {3}),
                new TokenRoute("run", 1, "b", 0, 0, new int[] {4, 5, 6}),
                new TokenRoute("run", 2, "b", 0, 0, new int[] {}),
                new TokenRoute("run", 1, "a", 2, 0, new int[] {7}));
        List<SequenceFragment> out = new ArrayList<>();
        TraceFragments.of(routes, out::add);
        assertThat(out).extracting(SequenceFragment::key).containsExactly("run\u00001\u0000a", "run\u00001\u0000b",
                "run\u00002\u0000b", "run\u00001\u0000a");
        assertThat(out.get(0).routes()).isEqualTo(2);
        assertThat(out.get(0).idsOf(0)).containsExactly(1, 2);
        assertThat(out.get(0).idsOf(1)).containsExactly(3);
        assertThat(out.get(1).idsOf(0)).containsExactly(4, 5, 6);
        assertThat(out.get(2).idsOf(0)).isEmpty();
    }

    @Test
    void keepsTheNewestCopyOfARepeatedRouteOnlyWhenDeduplicating() {
        SequenceFragment newer = fragment(20, new int[] {0, 1}, new int[] {0, 0}, new int[][] {{1}, {2}});
        SequenceFragment older = fragment(10, new int[] {1, 2}, new int[] {0, 0}, new int[][] {{9}, {3}});
        SequenceFragment sameAsNewer = fragment(20, new int[] {0}, new int[] {0}, new int[][] {{5}});

        List<TokenRoute> deduped = TraceFragments.routes(List.of(newer, older, sameAsNewer), true);
        assertThat(deduped).hasSize(3);
        assertThat(deduped).filteredOn(r -> r.tokenPosition() == 1).singleElement()
                .satisfies(r -> assertThat(r.expertIds()).containsExactly(2)); // version 20 beats 10
        assertThat(deduped).filteredOn(r -> r.tokenPosition() == 0).singleElement()
                .satisfies(r -> assertThat(r.expertIds()).containsExactly(5)); // equal versions: the later copy
        assertThat(TraceFragments.routes(List.of(newer, older, sameAsNewer), false)).hasSize(5);
        assertThat(TraceFragments.routes(List.of(newer, older), true)).extracting(TokenRoute::tokenPosition)
                .containsExactlyInAnyOrder(0, 1, 2);
    }
    @Test
    void countsFragmentsFromTheirColumnsExactlyAsTheirRoutes() {
        SequenceFragment a = fragment(20, new int[] {0, 1, 1}, new int[] {0, 0, 1}, new int[][] {{1, 1}, {2, 4}, {}});
        SequenceFragment b = fragment(10, new int[] {2, 0}, new int[] {0, 1}, new int[][] {{4, 3}, {3}});
        SequenceFragment replay = fragment(5, new int[] {1}, new int[] {0}, new int[][] {{7}});
        for (boolean dedupe : new boolean[] {true, false}) {
            for (List<SequenceFragment> fs : List.of(List.of(a), List.of(a, b), List.of(b, replay, a))) {
                RoutingCounts viaRoutes = new RoutingCounts(2);
                viaRoutes.addSequence(TraceFragments.routes(fs, dedupe));
                RoutingCounts viaColumns = new RoutingCounts(2);
                TraceFragments.addTo(viaColumns, fs, dedupe);
                assertThat(viaColumns.toBytes()).as("%s, dedupe %s", fs, dedupe).isEqualTo(viaRoutes.toBytes());
            }
        }
        RoutingCounts once = new RoutingCounts(2);
        TraceFragments.addTo(once, List.of(b, replay, a), true);
        assertThat(once.records(0)).isEqualTo(3); // positions 0, 1, 2 at layer 0, the replayed copy counted once
        assertThat(once.load(0, 8)[7]).isZero(); // version 5 loses to version 20
    }
}
