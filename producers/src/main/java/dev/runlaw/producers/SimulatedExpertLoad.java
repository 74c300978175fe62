package dev.runlaw.producers;

import dev.runlaw.schema.ExpertLoad;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Expert load per layer per step. Router probabilities are softmax(θ) with θ initially Zipf-skewed
 * ({@code −0.3·ln rank + N(0, 0.3²)}), drifting as a random walk ({@code drift}) and pulled towards balance
 * ({@code rebalance}: the aux loss at work). One scheduled expert is dead (receives no tokens) from 30 % to 45 % of
 * the run, and each layer loses an expert for 2–10 % of the run with probability {@code deathRate} per step.
 * Counts of the batch's tokens × top-k assignments carry 3 % content noise; experts over capacity
 * ({@code capacityFactor}·mean) drop the excess. aux_loss = 0.01·E·Σ f_e·p_e (Switch Transformer),
 * z_loss = 10⁻³·logsumexp(θ)² with 5 % noise. A scheduled router collapse ({@link SimulatedIncidents}) overrides
 * one layer's probabilities for its steps. Draws from its own stream. Mutable: one per run.
 */
final class SimulatedExpertLoad {
    private static final double ZIPF_SKEW = 0.3;
    private static final double AUX_COEF = 0.01;
    private static final double Z_COEF = 1e-3;

    private final SplittableRandom rng;
    private final int steps;
    private final int experts;
    private final double capacityFactor;
    private final double rebalance;
    private final double drift;
    private final double deathRate;
    private final double[][] theta;
    private final double[][] probs;
    /** Step until which an expert is dead (exclusive); 0 = alive. */
    private final int[][] deadUntil;
    /** The scheduled death: layer, expert, first dead step; and the first step alive again. */
    private final int[] deadFrom;
    private final int deadTo;
    private final SimulatedIncidents incidents;

    SimulatedExpertLoad(SplittableRandom rng, int layers, int experts, int steps, double capacityFactor,
                        double rebalance, double drift, double deathRate, SimulatedIncidents incidents) {
        this.rng = rng;
        this.incidents = incidents;
        this.steps = steps;
        this.experts = experts;
        this.capacityFactor = capacityFactor;
        this.rebalance = rebalance;
        this.drift = drift;
        this.deathRate = deathRate;
        theta = new double[layers][experts];
        probs = new double[layers][experts];
        deadUntil = new int[layers][experts];
        for (int l = 0; l < layers; l++) {
            int[] rank = shuffledRanks();
            for (int e = 0; e < experts; e++) {
                theta[l][e] = -ZIPF_SKEW * Math.log(rank[e] + 1) + 0.3 * rng.nextGaussian();
            }
        }
        int l = rng.nextInt(layers);
        int e = rng.nextInt(experts);
        deadFrom = new int[] {l, e, (int) (0.30 * steps)};
        deadTo = (int) (0.45 * steps);
    }

    /** The router probabilities of {@code layer} after the last {@link #step} (live view: do not modify). */
    double[] probs(int layer) {
        return probs[layer];
    }

    /** Advances the router one step and returns each layer's load record, layer by layer. */
    List<ExpertLoad> step(String runId, int s, long wallMs, long tokensPerStep, int topK) {
        long assignments = tokensPerStep * topK;
        double capacity = capacityFactor * assignments / experts;
        List<ExpertLoad> out = new ArrayList<>(theta.length);
        for (int l = 0; l < theta.length; l++) {
            double[] th = theta[l];
            // Drift, and a slow pull towards balance.
            for (int e = 0; e < experts; e++) {
                th[e] = th[e] * (1 - rebalance) + drift * rng.nextGaussian();
            }
            if (rng.nextDouble() < deathRate) {
                int e = rng.nextInt(experts);
                deadUntil[l][e] = s + 1 + (int) (steps * (0.02 + 0.08 * rng.nextDouble()));
            }
            boolean[] dead = new boolean[experts];
            for (int e = 0; e < experts; e++) {
                dead[e] = deadUntil[l][e] > s
                        || (l == deadFrom[0] && e == deadFrom[1] && s >= deadFrom[2] && s < deadTo);
            }
            double[] p = probs[l];
            double max = Double.NEGATIVE_INFINITY;
            for (double v : th) {
                max = Math.max(max, v);
            }
            double sum = 0;
            double lseSum = 0;
            for (int e = 0; e < experts; e++) {
                double w = Math.exp(th[e] - max);
                lseSum += w;
                p[e] = dead[e] ? 0 : w;
                sum += p[e];
            }
            for (int e = 0; e < experts; e++) {
                p[e] /= sum;
            }
            if (incidents.collapsed(l, s)) {
                collapse(p);
            }
            // Noisy counts, rescaled to exactly tokens × top-k assignments, then capacity drops.
            double[] raw = new double[experts];
            double rawSum = 0;
            for (int e = 0; e < experts; e++) {
                raw[e] = p[e] == 0 ? 0 : p[e] * Math.max(0.01, 1 + 0.03 * rng.nextGaussian());
                rawSum += raw[e];
            }
            List<Long> tokens = new ArrayList<>(experts);
            long dropped = 0;
            double aux = 0;
            for (int e = 0; e < experts; e++) {
                long n = Math.round(raw[e] / rawSum * assignments);
                aux += (raw[e] / rawSum) * p[e];
                long kept = Math.min(n, (long) capacity);
                dropped += n - kept;
                tokens.add(kept);
            }
            double lse = max + Math.log(lseSum);
            out.add(ExpertLoad.newBuilder()
                    .setRunId(runId)
                    .setStep(s)
                    .setWallTimeMs(wallMs)
                    .setLayer(l)
                    .setTokensPerExpert(tokens)
                    .setDroppedTokens(dropped)
                    .setAuxLoss(AUX_COEF * experts * aux)
                    .setZLoss(Z_COEF * lse * lse * (1 + 0.05 * rng.nextGaussian()))
                    .build());
        }
        return out;
    }

    /** A collapsed router: most of the mass on its first few experts, the rest spread as before. */
    private void collapse(double[] p) {
        int favoured = Math.min(SimulatedIncidents.COLLAPSE_EXPERTS, experts);
        double rest = 0;
        for (int e = favoured; e < experts; e++) {
            rest += p[e];
        }
        double share = favoured == experts ? 1.0 : SimulatedIncidents.COLLAPSE_SHARE;
        for (int e = 0; e < experts; e++) {
            p[e] = e < favoured ? share / favoured : (rest > 0 ? p[e] / rest * (1 - share) : 0);
        }
    }

    private int[] shuffledRanks() {
        int[] r = new int[experts];
        for (int i = 0; i < r.length; i++) {
            r[i] = i;
        }
        for (int i = r.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = r[i];
            r[i] = r[j];
            r[j] = t;
        }
        return r;
    }
}
