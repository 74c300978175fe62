package dev.runlaw.math.routing;

import static dev.runlaw.math.routing.Traces.route;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Exactness of the additive counts: split and merged equals one pass; bytes round trip. */
class RoutingCountsTest {
    @Test
    void countsSplitOverSequencesAndMergedEqualOnePass() {
        List<TokenRoute> routes = Traces.random(5, 30, 50, 12, 3);
        RoutingCounts whole = Traces.count(4, routes);

        List<List<TokenRoute>> sequences = new ArrayList<>(Traces.bySequence(routes).values());
        Collections.shuffle(sequences, new Random(9));
        RoutingCounts[] parts = {new RoutingCounts(4), new RoutingCounts(4), new RoutingCounts(4)};
        for (int i = 0; i < sequences.size(); i++) {
            List<TokenRoute> seq = new ArrayList<>(sequences.get(i));
            Collections.shuffle(seq, new Random(i)); // any order within a sequence
            parts[i % 3].addSequence(seq);
        }
        RoutingCounts merged = new RoutingCounts(4);
        merged.merge(parts[2]);
        merged.merge(parts[0]);
        merged.merge(parts[1]);

        assertThat(merged.toBytes()).isEqualTo(whole.toBytes());
        assertThat(merged.tokens()).isEqualTo(whole.tokens()).isEqualTo(30 * 50);
        RoutingSettings s = RoutingSettings.defaults(4);
        assertThat(RoutingAnalysis.analyze(merged, s).toJson()).isEqualTo(RoutingAnalysis.analyze(whole, s).toJson());
    }

    @Test
    void columnarSequencesCountExactlyAsListsOfRoutes() {
        List<TokenRoute> routes = new ArrayList<>(Traces.random(7, 20, 40, 12, 3));
        routes.add(route("s0", 3, 1, 5, 5, 2)); // a repeated id in one route, a repeated (token, layer)
        routes.add(route("s0", 41, 2)); // an empty route
        RoutingCounts lists = new RoutingCounts(3);
        RoutingCounts columns = new RoutingCounts(3);
        int s = 0;
        for (List<TokenRoute> seq0 : Traces.bySequence(routes).values()) {
            List<TokenRoute> seq = new ArrayList<>(seq0);
            Collections.shuffle(seq, new Random(s++));
            lists.addSequence(seq);
            int n = seq.size();
            int[] positions = new int[n];
            int[] layers = new int[n];
            int[] idEnds = new int[n];
            int[] ids = new int[n * 3];
            int at = 0;
            for (int i = 0; i < n; i++) {
                positions[i] = seq.get(i).tokenPosition();
                layers[i] = seq.get(i).layer();
                for (int id : seq.get(i).expertIds()) {
                    ids[at++] = id;
                }
                idEnds[i] = at;
            }
            columns.addSequence(positions, layers, idEnds, ids); // ids longer than used: only idEnds count
        }

        assertThat(columns.toBytes()).isEqualTo(lists.toBytes());
        assertThat(columns.tokens()).isEqualTo(20 * 40 + 2);
    }

    @Test
    void columnarSequencesRefuseInconsistentColumns() {
        RoutingCounts c = new RoutingCounts(2);
        assertThatThrownBy(() -> c.addSequence(new int[] {0, 1}, new int[] {0}, new int[] {1, 2}, new int[] {3, 4}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("different lengths");
        assertThatThrownBy(() -> c.addSequence(new int[] {0}, new int[] {0}, new int[] {3}, new int[] {1, 2}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("id end 3");
        assertThatThrownBy(() -> c.addSequence(new int[] {0}, new int[] {0}, new int[] {1}, new int[] {-4}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-4");
        assertThat(c.tokens()).isZero();
    }

    @Test
    void bytesRoundTripToEqualCountsAndReport() {
        RoutingCounts c = Traces.count(2, Traces.random(3, 10, 20, 8, 2));
        byte[] b = c.toBytes();
        RoutingCounts back = RoutingCounts.fromBytes(b);
        assertThat(back.toBytes()).isEqualTo(b);
        assertThat(back.layers()).containsExactly(0, 1, 3);
        assertThat(back.tokens()).isEqualTo(c.tokens());
        assertThat(back.devices()).isEqualTo(2);
        RoutingSettings s = RoutingSettings.defaults(2);
        assertThat(RoutingAnalysis.analyze(back, s).toJson()).isEqualTo(RoutingAnalysis.analyze(c, s).toJson());
        assertThat(RoutingCounts.fromBytes(new RoutingCounts(3).toBytes()).layers()).isEmpty();
    }

    @Test
    void corruptOrForeignBytesAreRefusedClearly() {
        byte[] b = Traces.count(2, Traces.random(3, 2, 5, 8, 2)).toBytes();
        assertThatThrownBy(() -> RoutingCounts.fromBytes(Arrays.copyOf(b, b.length - 3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unreadable");
        byte[] v = b.clone();
        v[0] = 99;
        assertThatThrownBy(() -> RoutingCounts.fromBytes(v)).hasMessageContaining("version 99");
        byte[] longer = Arrays.copyOf(b, b.length + 1);
        assertThatThrownBy(() -> RoutingCounts.fromBytes(longer)).hasMessageContaining("trailing");
    }

    @Test
    void addSequenceTakesOneSequenceAndMergeOneDeviceCount() {
        RoutingCounts c = new RoutingCounts(2);
        assertThatThrownBy(() -> c.addSequence(List.of(route("a", 0, 0, 1), route("b", 1, 0, 1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one sequence");
        assertThatThrownBy(() -> c.merge(new RoutingCounts(3))).hasMessageContaining("3 devices");
        assertThatThrownBy(() -> route("a", -1, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> route("a", 0, 0, -4)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aTokenSeenAtSeveralLayersCountsOnceAndDuplicateRecordsCountTwice() {
        RoutingCounts c = new RoutingCounts(1);
        c.addSequence(List.of(route("s", 0, 0, 1), route("s", 0, 1, 2), route("s", 1, 0, 1), route("s", 1, 0, 3)));
        assertThat(c.tokens()).isEqualTo(2);
        assertThat(c.records(0)).isEqualTo(3);
        assertThat(c.load(0, 4)).containsExactly(0, 2, 0, 1);
        // Position 0 pairs with both records at position 1: two pairs, one hit ({1} ∩ {1}).
        assertThat(c.localityPairs(0)).isEqualTo(2);
        assertThat(c.localityHits(0)).isEqualTo(1);
    }

    @Test
    void largeSequencesAndHighLayerIdsTakeTheGeneralSortAndCountTheSame() {
        // More records than the packed sort key holds, and a layer id beyond it: the comparator path.
        List<TokenRoute> routes = new ArrayList<>();
        for (int p = 0; p < 600_000; p++) {
            routes.add(route("s", p, p % 2 == 0 ? 0 : 5000, p % 7, (p + 1) % 7));
        }
        RoutingCounts c = new RoutingCounts(2);
        c.addSequence(routes);
        assertThat(c.tokens()).isEqualTo(600_000);
        assertThat(c.layers()).containsExactly(0, 5000);
        assertThat(c.localityPairs(0)).isZero(); // even positions only: never p and p + 1
        long[] load = c.load(0, 7);
        assertThat(Arrays.stream(load).sum()).isEqualTo(2 * 300_000);
    }
}
