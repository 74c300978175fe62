package dev.runlaw.math.routing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns {@link RoutingCounts} into the issue-12 report: per layer load, max/mean, temporal locality against its
 * exact chance ("Patterns behind Chaos"), the top co-selected pair, the next-layer predictability of the first
 * expert (ExFlow, Lina); and three placements compared: contiguous, EPLB's balanced packing (DeepSeek) and the
 * affinity-aware map.
 *
 * <p>Definitions (E = the settings' experts, or the largest id + 1; N devices; i = index of a layer in the
 * ascending list of layer ids; "layer l + 1" = the layer whose id is l + 1):
 * <ul>
 *   <li>{@code max_over_mean} = max_e load[e] / (Σ load / E);</li>
 *   <li>{@code next_layer_hit} = Σ_a max_b T_l(a, b) / Σ T_l, with T_l(a, b) the tokens whose first listed id is a
 *       at l and b at l + 1 (tokens with a non-empty route at both);</li>
 *   <li>{@code device_load_max_over_mean} = mean over layers with load of max_d D_d / (Σ_d D_d / N), D_d the summed
 *       load of the experts on device d;</li>
 *   <li>{@code transition_cross_device} = Σ_l Σ_{a,b} T_l(a, b) [map_i(a) ≠ map_{i+1}(b)] / Σ_l Σ T_l;</li>
 *   <li>{@code bytes} = Σ over records and distinct ids e of the record with map_i(e) ≠ home(token) of
 *       2 · H · B (dispatch to the expert and combine back, tokens returning home after each layer), with
 *       home(token) = token_position mod N: tokens spread evenly over the devices by position, independent of any
 *       placement, as under data-parallel attention with expert parallelism over the same N devices.</li>
 * </ul>
 */
public final class RoutingAnalysis {
    private RoutingAnalysis() {
    }

    /**
     * The report of {@code counts} under {@code settings}.
     *
     * @throws IllegalArgumentException when an expert id is not below the settings' experts, there are no expert
     *                                  ids at all, the counts were homed on another device count, or N &gt; E
     */
    public static RoutingReport analyze(RoutingCounts counts, RoutingSettings settings) {
        int seen = counts.experts();
        int experts = settings.experts() > 0 ? settings.experts() : seen;
        if (seen > experts) {
            throw new IllegalArgumentException("expert id " + (seen - 1) + " is not below --experts " + experts);
        }
        if (experts < 1) {
            throw new IllegalArgumentException("the trace has no expert ids");
        }
        int devices = settings.devices();
        if (devices > experts) {
            throw new IllegalArgumentException(devices + " devices but only " + experts + " experts");
        }
        if (counts.devices() != devices) {
            throw new IllegalArgumentException("counts homed on " + counts.devices() + " devices, analysis for "
                    + devices);
        }
        int[] ids = counts.layers();
        int n = ids.length;
        long[][] load = new long[n][];
        PairCounter[] transitions = new PairCounter[Math.max(0, n - 1)];
        List<RoutingReport.Layer> layers = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            load[i] = counts.load(ids[i], experts);
            boolean linked = i + 1 < n && ids[i + 1] == ids[i] + 1;
            if (linked) {
                transitions[i] = counts.peek(ids[i]).transitions;
            }
            layers.add(layer(counts.peek(ids[i]), ids[i], experts, load[i], linked));
        }
        Map<String, RoutingReport.Placement> placements = new LinkedHashMap<>();
        int[][] contiguous = new int[n][];
        int[][] balanced = new int[n][];
        for (int i = 0; i < n; i++) {
            contiguous[i] = Placements.contiguous(experts, devices);
            balanced[i] = Placements.balanced(load[i], devices);
        }
        int[][] optimized = n == 0 ? new int[0][] : new AffinityPlacement(load, transitions, devices).solve();
        placements.put(RoutingReport.CONTIGUOUS, placement(counts, ids, load, contiguous, settings));
        placements.put(RoutingReport.BALANCED, placement(counts, ids, load, balanced, settings));
        placements.put(RoutingReport.OPTIMIZED, placement(counts, ids, load, optimized, settings));
        return new RoutingReport(counts.tokens(), layers, placements);
    }

    private static RoutingReport.Layer layer(LayerCounts lc, int id, int experts, long[] load, boolean linked) {
        long sum = 0;
        long max = 0;
        for (long x : load) {
            sum += x;
            max = Math.max(max, x);
        }
        Double maxOverMean = sum == 0 ? null : (double) max * experts / (double) sum;
        Double locality = lc.localityPairs == 0 ? null : (double) lc.localityHits / (double) lc.localityPairs;
        RoutingReport.TopPair[] top = {null};
        lc.pairs.forEach((a, b, c) -> {
            if (top[0] == null || c > top[0].count()) {
                top[0] = new RoutingReport.TopPair(a, b, c);
            }
        });
        long hops = 0;
        Double hit = null;
        if (linked) {
            // ascending (a, b): the counts of one a are consecutive
            long[] acc = {0, 0, -1, 0}; // hops, Σ_a max_b, current a, current max
            lc.transitions.forEach((a, b, c) -> {
                if (a != acc[2]) {
                    acc[1] += acc[3];
                    acc[2] = a;
                    acc[3] = 0;
                }
                acc[0] += c;
                acc[3] = Math.max(acc[3], c);
            });
            hops = acc[0];
            long best = acc[1] + acc[3];
            hit = hops == 0 ? null : (double) best / (double) hops;
        }
        return new RoutingReport.Layer(id, experts, load, maxOverMean, locality, ChanceTerm.of(lc), top[0], hit,
                lc.records, lc.localityPairs, lc.localityHits, hops);
    }

    private static RoutingReport.Placement placement(RoutingCounts counts, int[] ids, long[][] load, int[][] map,
                                                     RoutingSettings s) {
        int devices = s.devices();
        double balanceSum = 0;
        int balanced = 0;
        long hops = 0;
        long cross = 0;
        long remote = 0;
        for (int i = 0; i < ids.length; i++) {
            double b = Placements.maxOverMean(load[i], map[i], devices);
            if (!Double.isNaN(b)) {
                balanceSum += b;
                balanced++;
            }
            LayerCounts lc = counts.peek(ids[i]);
            int[] m = map[i];
            for (int e = 0; e < Math.min(m.length, lc.load.length); e++) {
                for (int h = 0; h < devices; h++) {
                    if (m[e] != h) {
                        remote += lc.homeLoad[e * devices + h];
                    }
                }
            }
            if (i + 1 < ids.length && ids[i + 1] == ids[i] + 1) {
                int[] next = map[i + 1];
                long[] hc = {0, 0};
                lc.transitions.forEach((a, to, c) -> {
                    hc[0] += c;
                    if (m[a] != next[to]) {
                        hc[1] += c;
                    }
                });
                hops += hc[0];
                cross += hc[1];
            }
        }
        return new RoutingReport.Placement(map, balanced == 0 ? null : balanceSum / balanced,
                hops == 0 ? null : (double) cross / (double) hops, Math.multiplyExact(remote,
                s.bytesPerRemoteExpert()), hops, cross);
    }
}
