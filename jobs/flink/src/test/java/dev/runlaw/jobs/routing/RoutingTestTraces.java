package dev.runlaw.jobs.routing;

import dev.runlaw.math.routing.RoutingCounts;
import dev.runlaw.schema.RoutingTraceBatch;
import dev.runlaw.schema.SourceKind;
import dev.runlaw.schema.TokenRoute;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Seeded synthetic routing traces with planted structure, cut into batches the two ways tracers write them: even
 * steps one batch per layer (every sequence spread over as many batches as there are layers), odd steps one batch
 * per sequence. Planted: expert 0 is hot at every layer (a quarter of first choices), token p + 1 repeats token p's
 * first expert half of the time (temporal locality), and the first expert at layer l + 1 is (first at l) + 1 mod E
 * 70 % of the time (an affine chain across layers).
 */
final class RoutingTestTraces {
    static final long T0 = 1_790_000_000_000L;

    final List<RoutingTraceBatch> batches = new ArrayList<>();
    /** Every route once, grouped by (step, sequence): what one pass over the records sees. */
    final Map<String, List<dev.runlaw.math.routing.TokenRoute>> bySequence = new LinkedHashMap<>();
    int routes;

    RoutingTestTraces(String source, int steps, int sequences, int positions, int layers, int experts, int topK,
                      long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int step = 0; step < steps; step++) {
            // [seq][pos][layer] → ids
            int[][][][] ids = new int[sequences][positions][layers][];
            for (int q = 0; q < sequences; q++) {
                for (int p = 0; p < positions; p++) {
                    for (int l = 0; l < layers; l++) {
                        int first;
                        if (l > 0 && rnd.nextDouble() < 0.7) {
                            first = (ids[q][p][l - 1][0] + 1) % experts;
                        } else if (p > 0 && rnd.nextDouble() < 0.5) {
                            first = ids[q][p - 1][l][0];
                        } else {
                            first = rnd.nextDouble() < 0.25 ? 0 : rnd.nextInt(experts);
                        }
                        int[] route = new int[topK];
                        route[0] = first;
                        for (int k = 1; k < topK; k++) {
                            int e;
                            do {
                                e = rnd.nextInt(experts);
                            } while (contains(route, k, e));
                            route[k] = e;
                        }
                        ids[q][p][l] = route;
                        bySequence.computeIfAbsent(step + "/" + q, x -> new ArrayList<>()).add(
                                new dev.runlaw.math.routing.TokenRoute(source, step, "seq-" + q, p, l, route));
                        routes++;
                    }
                }
            }
            if (step % 2 == 0) {
                for (int l = 0; l < layers; l++) {
                    List<TokenRoute> tokens = new ArrayList<>();
                    for (int q = 0; q < sequences; q++) {
                        for (int p = 0; p < positions; p++) {
                            tokens.add(token(q, p, l, ids[q][p][l]));
                        }
                    }
                    batches.add(batch(source, step, tokens));
                }
            } else {
                for (int q = 0; q < sequences; q++) {
                    List<TokenRoute> tokens = new ArrayList<>();
                    for (int p = positions - 1; p >= 0; p--) { // any order within a sequence
                        for (int l = 0; l < layers; l++) {
                            tokens.add(token(q, p, l, ids[q][p][l]));
                        }
                    }
                    batches.add(batch(source, step, tokens));
                }
            }
        }
    }

    /** The counts of one pass over every route, each sequence added whole. */
    RoutingCounts expected(int devices) {
        RoutingCounts c = new RoutingCounts(devices);
        for (List<dev.runlaw.math.routing.TokenRoute> seq : bySequence.values()) {
            c.addSequence(seq);
        }
        return c;
    }

    private static boolean contains(int[] a, int n, int e) {
        for (int i = 0; i < n; i++) {
            if (a[i] == e) {
                return true;
            }
        }
        return false;
    }

    private static TokenRoute token(int q, int p, int l, int[] route) {
        List<Integer> ids = new ArrayList<>(route.length);
        List<Float> gates = new ArrayList<>(route.length);
        for (int e : route) {
            ids.add(e);
            gates.add(1f / route.length);
        }
        return TokenRoute.newBuilder().setSequenceId("seq-" + q).setTokenPosition(p).setLayer(l).setExpertIds(ids)
                .setGateWeights(gates).build();
    }

    private static RoutingTraceBatch batch(String source, long step, List<TokenRoute> tokens) {
        return RoutingTraceBatch.newBuilder().setSource(source).setSourceKind(SourceKind.TRAINING).setStep(step)
                .setWallTimeMs(T0 + step * 1000).setTokens(tokens).build();
    }
}
