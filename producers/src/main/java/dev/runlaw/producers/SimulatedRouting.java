package dev.runlaw.producers;

import dev.runlaw.schema.DataMovement;
import dev.runlaw.schema.RoutingTraceBatch;
import dev.runlaw.schema.SourceKind;
import dev.runlaw.schema.TokenRoute;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.avro.specific.SpecificRecord;

/**
 * Routing traces and the data movement they cause. A trace step holds {@code traceSequences} sequences ×
 * {@code tracePositions} positions × all layers; each token picks top-k distinct experts from its layer's current
 * router probabilities, and with probability {@code locality} keeps the previous token's first expert (temporal
 * locality). Gate weights are descending, summing to 0.6–1.0. Sequence ids {@code s<step>-q<i>}; sequence i lives on
 * device i mod devices. Data movement: every token sends hidden_size × bytes_per_element to each selected expert on
 * another device (dispatch, home → expert device) and gets as much back (combine), so a query over the routing-trace
 * table with the same placement reproduces the bytes exactly. Draws from its own stream.
 */
final class SimulatedRouting {
    private final SplittableRandom rng;
    private final String runId;
    private final int layers;
    private final int devices;
    private final int topK;
    private final int hiddenSize;
    private final int bytesPerElement;
    private final int traceSequences;
    private final int tracePositions;
    private final double locality;
    private final int maxTokensPerBatch;
    private final int[] placement;

    SimulatedRouting(SplittableRandom rng, String runId, int layers, int devices, int topK, int hiddenSize,
                     int bytesPerElement, int traceSequences, int tracePositions, double locality,
                     int maxTokensPerBatch, int[] placement) {
        this.rng = rng;
        this.runId = runId;
        this.layers = layers;
        this.devices = devices;
        this.topK = topK;
        this.hiddenSize = hiddenSize;
        this.bytesPerElement = bytesPerElement;
        this.traceSequences = traceSequences;
        this.tracePositions = tracePositions;
        this.locality = locality;
        this.maxTokensPerBatch = maxTokensPerBatch;
        this.placement = placement;
    }

    /**
     * The routing trace of step {@code s} (batches of at most {@code maxTokensPerBatch} tokens) followed by its data
     * movement records (every layer and ordered device pair, zeros included), under the layers' current router
     * probabilities {@code probs}.
     */
    List<SpecificRecord> step(int s, long wallMs, double[][] probs) {
        List<SpecificRecord> out = new ArrayList<>();
        long unit = (long) hiddenSize * bytesPerElement;
        long[][][] bytes = new long[layers][devices][devices];
        List<TokenRoute> routes = new ArrayList<>(traceSequences * tracePositions * layers);
        for (int q = 0; q < traceSequences; q++) {
            String seq = "s" + s + "-q" + q;
            int home = q % devices;
            int[] prevTop = new int[layers];
            Arrays.fill(prevTop, -1);
            for (int pos = 0; pos < tracePositions; pos++) {
                for (int l = 0; l < layers; l++) {
                    int[] chosen = route(probs[l], prevTop[l]);
                    prevTop[l] = chosen[0];
                    List<Integer> ids = new ArrayList<>(chosen.length);
                    for (int e : chosen) {
                        ids.add(e);
                        int dev = placement[e];
                        if (dev != home) {
                            bytes[l][home][dev] += unit; // dispatch
                            bytes[l][dev][home] += unit; // combine
                        }
                    }
                    routes.add(TokenRoute.newBuilder()
                            .setSequenceId(seq)
                            .setTokenPosition(pos)
                            .setLayer(l)
                            .setExpertIds(ids)
                            .setGateWeights(gateWeights(chosen.length))
                            .build());
                }
            }
        }
        int max = maxTokensPerBatch;
        for (int from = 0; from < routes.size(); from += max) {
            out.add(RoutingTraceBatch.newBuilder()
                    .setSource(runId)
                    .setSourceKind(SourceKind.TRAINING)
                    .setStep(s)
                    .setWallTimeMs(wallMs)
                    .setTokens(new ArrayList<>(routes.subList(from, Math.min(routes.size(), from + max))))
                    .build());
        }
        for (int l = 0; l < layers; l++) {
            for (int src = 0; src < devices; src++) {
                for (int dst = 0; dst < devices; dst++) {
                    if (src != dst) {
                        out.add(DataMovement.newBuilder()
                                .setSource(runId)
                                .setStep(s)
                                .setWallTimeMs(wallMs)
                                .setLayer(l)
                                .setSrcDevice(src)
                                .setDstDevice(dst)
                                .setBytes(bytes[l][src][dst])
                                .build());
                    }
                }
            }
        }
        return out;
    }

    /** Top-k distinct experts from {@code p}; the first may repeat the previous token's first (locality). */
    private int[] route(double[] p, int prevTop) {
        int k = topK;
        int[] out = new int[k];
        boolean[] taken = new boolean[p.length];
        int n = 0;
        if (prevTop >= 0 && p[prevTop] > 0 && rng.nextDouble() < locality) {
            out[n++] = prevTop;
            taken[prevTop] = true;
        }
        while (n < k) {
            double rest = 0;
            for (int e = 0; e < p.length; e++) {
                if (!taken[e]) {
                    rest += p[e];
                }
            }
            int pick = -1;
            if (rest > 0) {
                double u = rng.nextDouble() * rest;
                for (int e = 0; e < p.length; e++) {
                    if (!taken[e] && p[e] > 0) {
                        pick = e;
                        u -= p[e];
                        if (u < 0) {
                            break;
                        }
                    }
                }
            }
            if (pick < 0) {
                // Fewer live experts than k: fall back to any expert not yet taken.
                for (int e = 0; e < p.length && pick < 0; e++) {
                    if (!taken[e]) {
                        pick = e;
                    }
                }
            }
            out[n++] = pick;
            taken[pick] = true;
        }
        return out;
    }

    /** Descending gate weights summing to a mass in [0.6, 1.0]. */
    private List<Float> gateWeights(int k) {
        double[] w = new double[k];
        double sum = 0;
        for (int i = 0; i < k; i++) {
            w[i] = Math.exp(0.7 * rng.nextGaussian());
            sum += w[i];
        }
        double mass = 0.6 + 0.4 * rng.nextDouble();
        Arrays.sort(w);
        List<Float> out = new ArrayList<>(k);
        for (int i = k - 1; i >= 0; i--) {
            // Round down in float so the sum never exceeds 1.
            out.add((float) Math.max(0, w[i] / sum * mass - 1e-6));
        }
        return out;
    }
}
