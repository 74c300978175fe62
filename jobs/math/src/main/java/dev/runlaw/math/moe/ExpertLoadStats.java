package dev.runlaw.math.moe;

/**
 * Balance statistics of one MoE layer at one step, from the number of tokens routed to each of its {@code E}
 * experts, {@code t_0 .. t_{E-1}} (all {@code >= 0}).
 *
 * <p>With {@code T = Σ t_e} and mean {@code μ = T / E}:
 * <ul>
 *   <li>{@link #totalTokens()} = {@code T};</li>
 *   <li>{@link #maxOverMean()} = {@code max_e t_e / μ}: 1 for a perfectly balanced layer, {@code E} when one
 *       expert takes every token;</li>
 *   <li>{@link #cv()} = {@code σ / μ}, the coefficient of variation, with the population standard deviation
 *       {@code σ = sqrt(Σ (t_e − μ)² / E)}: 0 when balanced, {@code sqrt(E − 1)} when one expert takes all;</li>
 *   <li>{@link #normEntropy()} = {@code H / ln E} with {@code p_e = t_e / T} and
 *       {@code H = −Σ p_e ln p_e} ({@code 0 · ln 0 = 0}): 1 when balanced, 0 when one expert takes all;</li>
 *   <li>{@link #zeroExperts()} = number of experts with {@code t_e = 0}.</li>
 * </ul>
 * Degenerate cases, chosen so every value stays finite (ClickHouse columns are non-nullable):
 * {@code E = 1} gives max/mean 1, cv 0, normalised entropy 1 (a single expert is trivially balanced; {@code ln 1 = 0}
 * would divide by zero) when {@code T > 0}; {@code T = 0} (no tokens routed) gives max/mean 0, cv 0 and normalised
 * entropy 0 whatever {@code E} is. These are the imbalance measures of Fedus et al., Switch Transformers (2021),
 * and the load-balancing literature that follows it.
 *
 * @param totalTokens T, tokens routed at this layer and step
 * @param maxOverMean max_e t_e / mean
 * @param cv          population standard deviation / mean
 * @param normEntropy entropy of the routing distribution divided by ln E, in [0, 1]
 * @param zeroExperts experts that received no token
 */
public record ExpertLoadStats(long totalTokens, double maxOverMean, double cv, double normEntropy, int zeroExperts) {

    /** Statistics of {@code tokens[0 .. count-1]}; the rest of the array is ignored (lets callers reuse a buffer). */
    public static ExpertLoadStats of(long[] tokens, int count) {
        if (count < 1 || count > tokens.length) {
            throw new IllegalArgumentException("expert count must be in 1.." + tokens.length + ", got " + count);
        }
        long total = 0;
        long max = 0;
        int zeros = 0;
        for (int e = 0; e < count; e++) {
            long t = tokens[e];
            if (t < 0) {
                throw new IllegalArgumentException("tokens of expert " + e + " is negative: " + t);
            }
            total += t;
            if (t > max) {
                max = t;
            }
            if (t == 0) {
                zeros++;
            }
        }
        if (total == 0) {
            return new ExpertLoadStats(0, 0.0, 0.0, 0.0, zeros);
        }
        double mean = (double) total / count;
        double sumSq = 0;
        double entropy = 0;
        for (int e = 0; e < count; e++) {
            long t = tokens[e];
            double d = t - mean;
            sumSq += d * d;
            if (t > 0) {
                double p = (double) t / total;
                entropy -= p * Math.log(p);
            }
        }
        double cv = Math.sqrt(sumSq / count) / mean;
        double normEntropy = count == 1 ? 1.0 : Math.min(1.0, Math.max(0.0, entropy / Math.log(count)));
        return new ExpertLoadStats(total, max / mean, cv, normEntropy, zeros);
    }

    /** Statistics of every element of {@code tokens}. */
    public static ExpertLoadStats of(long... tokens) {
        return of(tokens, tokens.length);
    }
}
