package dev.runlaw.math.routing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Small trace builders for the routing tests. */
final class Traces {
    private Traces() {
    }

    static TokenRoute route(String seq, int pos, int layer, int... ids) {
        return new TokenRoute("src", 7, seq, pos, layer, ids);
    }

    /** Counts of {@code routes} grouped by sequence, one addSequence per sequence. */
    static RoutingCounts count(int devices, List<TokenRoute> routes) {
        RoutingCounts c = new RoutingCounts(devices);
        bySequence(routes).values().forEach(c::addSequence);
        return c;
    }

    static Map<String, List<TokenRoute>> bySequence(List<TokenRoute> routes) {
        Map<String, List<TokenRoute>> m = new LinkedHashMap<>();
        for (TokenRoute r : routes) {
            m.computeIfAbsent(r.source() + "|" + r.step() + "|" + r.sequenceId(), k -> new ArrayList<>()).add(r);
        }
        return m;
    }

    /**
     * A seeded random trace: {@code sequences} sequences over two steps, {@code positions} tokens each, at layers 0,
     * 1 and 3 (a gap), top-{@code k} of {@code experts} with skewed choices, some ids repeated within a route.
     */
    static List<TokenRoute> random(long seed, int sequences, int positions, int experts, int k) {
        Random rnd = new Random(seed);
        List<TokenRoute> out = new ArrayList<>();
        int[] layers = {0, 1, 3};
        for (int s = 0; s < sequences; s++) {
            long step = s % 2;
            for (int l : layers) {
                for (int p = 0; p < positions; p++) {
                    int[] ids = new int[k];
                    for (int i = 0; i < k; i++) {
                        double u = rnd.nextDouble();
                        ids[i] = (int) (experts * u * u);
                    }
                    out.add(new TokenRoute("src" + (s % 3), step, "seq" + s, p, l, ids));
                }
            }
        }
        return out;
    }
}
