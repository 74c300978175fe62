package dev.runlaw.math.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Contiguous, EPLB-balanced, replicated and affinity-aware maps. */
class PlacementsTest {
    @Test
    void contiguousPutsExpertEOnDeviceFloorOfENOverE() {
        assertThat(Placements.contiguous(8, 4)).containsExactly(0, 0, 1, 1, 2, 2, 3, 3);
        assertThat(Placements.contiguous(5, 2)).containsExactly(0, 0, 0, 1, 1);
        assertThat(Placements.capacities(5, 2)).containsExactly(3, 2);
        assertThatThrownBy(() -> Placements.contiguous(2, 3)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void balancedPacksHeaviestFirstIntoTheLightestDeviceWithRoom() {
        // Order 0(10) 2(8) 4(7) 3(3) 5(2) 1(1): d0 10, d1 8, d1 15, d0 13, d0 15 (full: 0, 3, 5), d1 16.
        int[] m = Placements.balanced(new long[] {10, 1, 8, 3, 7, 2}, 2);
        assertThat(m).containsExactly(0, 1, 1, 0, 1, 0);
        assertThat(Placements.deviceLoads(new long[] {10, 1, 8, 3, 7, 2}, m, 2)).containsExactly(15, 16);
        assertThat(Placements.maxOverMean(new long[] {10, 1, 8, 3, 7, 2}, m, 2)).isCloseTo(16 / 15.5, within(1e-12));
    }

    @Test
    void unevenExpertCountsKeepTheContiguousCapacitiesInEveryMap() {
        long[] load = {9, 1, 4, 4, 7, 2, 8, 3, 5, 6};
        assertThat(Placements.capacities(10, 4)).containsExactly(3, 2, 3, 2);
        assertThat(counts(Placements.balanced(load, 4), 4)).containsExactly(3, 2, 3, 2);
        long[][] loads = {load, load.clone()};
        long[][][] t = new long[1][10][10];
        for (int a = 0; a < 10; a++) {
            t[0][a][(a + 3) % 10] = load[a];
        }
        int[][] opt = Placements.optimized(loads, t, 4);
        assertThat(counts(opt[0], 4)).containsExactly(3, 2, 3, 2);
        assertThat(counts(opt[1], 4)).containsExactly(3, 2, 3, 2);
    }

    @Test
    void replicationGivesSpareSlotsToTheHighestLoadPerReplica() {
        // Spare 1 → expert 0 (12 → 6 per replica); spare 2 → tie 6 (e0) / 6 (e2) → e0 (12 → 4).
        ReplicatedPlacement r = Placements.replicated(new long[] {12, 2, 6, 4}, 2, 2);
        assertThat(r.replicas()).containsExactly(3, 1, 1, 1);
        assertThat(r.slotExpert()).containsExactly(0, 1, 2, 3, 0, 0);
        // Slot weights 4 2 6 4 4 4: slot 2 → d0, 0 → d1, 3 → d1 (8), 4 → d0 (10), 5 → d1 (12, full), 1 → d0.
        assertThat(r.slotDevice()).containsExactly(1, 0, 0, 1, 0, 1);
        ReplicatedPlacement none = Placements.replicated(new long[] {12, 2, 6, 4}, 2, 0);
        assertThat(none.slotDevice()).containsExactly(Placements.balanced(new long[] {12, 2, 6, 4}, 2));
    }

    @Test
    void optimizedStaysWithinEplbBalanceAndCutsCrossDeviceHopsOfAnAffineTrace() {
        // 64 experts, 8 devices, 6 layers, skewed loads; 70 % of the tokens at expert a go to π_l(a) next layer.
        int experts = 64;
        int devices = 8;
        int layers = 6;
        Random rnd = new Random(42);
        long[][] load = new long[layers][experts];
        long[][][] t = new long[layers - 1][experts][experts];
        int[][] choice = new int[layers][];
        for (int l = 0; l < layers; l++) {
            choice[l] = permutation(rnd, experts);
        }
        for (int token = 0; token < 40_000; token++) {
            double u = rnd.nextDouble();
            int e = (int) (experts * u * u);
            for (int l = 0; l < layers; l++) {
                load[l][e]++;
                if (l + 1 < layers) {
                    int next = rnd.nextDouble() < 0.7 ? choice[l + 1][e] : (int) (experts * Math.pow(rnd.nextDouble(), 2));
                    t[l][e][next]++;
                    e = next;
                }
            }
        }
        int[][] opt = Placements.optimized(load, t, devices);
        int[][] contiguous = new int[layers][];
        double eplb = 0;
        double balance = 0;
        for (int l = 0; l < layers; l++) {
            contiguous[l] = Placements.contiguous(experts, devices);
            eplb += Placements.maxOverMean(load[l], Placements.balanced(load[l], devices), devices) / layers;
            balance += Placements.maxOverMean(load[l], opt[l], devices) / layers;
            assertThat(Placements.capacities(experts, devices)).containsExactly(counts(opt[l], devices));
        }
        assertThat(balance).isLessThanOrEqualTo(eplb + 0.01);
        double contiguousCross = cross(contiguous, t);
        double optimizedCross = cross(opt, t);
        assertThat(contiguousCross).isGreaterThan(0.8);
        assertThat(optimizedCross).isLessThan(0.85 * contiguousCross).isLessThan(0.5);
    }

    private static int[] permutation(Random rnd, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int x = p[i];
            p[i] = p[j];
            p[j] = x;
        }
        return p;
    }

    private static int[] counts(int[] map, int devices) {
        int[] c = new int[devices];
        for (int d : map) {
            c[d]++;
        }
        return c;
    }

    private static double cross(int[][] map, long[][][] t) {
        long hops = 0;
        long cross = 0;
        for (int l = 0; l < t.length; l++) {
            for (int a = 0; a < t[l].length; a++) {
                for (int b = 0; b < t[l].length; b++) {
                    hops += t[l][a][b];
                    if (map[l][a] != map[l + 1][b]) {
                        cross += t[l][a][b];
                    }
                }
            }
        }
        return (double) cross / hops;
    }
}
