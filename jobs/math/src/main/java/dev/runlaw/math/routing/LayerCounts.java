package dev.runlaw.math.routing;

import java.util.Arrays;

/**
 * The exact counts of one layer (see {@link RoutingCounts}); every field is a sum over records or record pairs, so
 * two instances merge by adding.
 */
final class LayerCounts {
    final int devices;
    /** Records at this layer, empty routes included. */
    long records;
    /** load[e]: records whose id set contains e. */
    long[] load = new long[0];
    /** homeLoad[e · devices + h]: records whose id set contains e, of tokens whose home device is h. */
    long[] homeLoad = new long[0];
    /** Record pairs at positions (p, p + 1) of one sequence, and those whose id sets intersect. */
    long localityPairs;
    long localityHits;
    /** (e1 &lt; e2) → records whose id set contains both. */
    final PairCounter pairs = new PairCounter();
    /** (a, b) → tokens whose first id here is a and first id at layer + 1 is b. */
    final PairCounter transitions = new PairCounter();
    /** Id sets of three or more distinct ids → records with exactly that set (for the exact chance term). */
    final SetCounter bigSets = new SetCounter();

    LayerCounts(int devices) {
        this.devices = devices;
    }

    /** Number of expert slots known here: the largest id seen + 1. */
    int experts() {
        return load.length;
    }

    void ensureExperts(int e) {
        if (e > load.length) {
            int n = Math.max(e, Math.min(load.length * 2, 1 << 16));
            load = Arrays.copyOf(load, n);
            homeLoad = Arrays.copyOf(homeLoad, n * devices);
        }
    }

    /** Adds one record: {@code ids[from .. from + len)} distinct and ascending, {@code home} its token's device. */
    void addRecord(int[] ids, int from, int len, int home) {
        records++;
        if (len == 0) {
            return;
        }
        ensureExperts(ids[from + len - 1] + 1);
        for (int i = from; i < from + len; i++) {
            int e = ids[i];
            load[e]++;
            homeLoad[e * devices + home]++;
            for (int j = i + 1; j < from + len; j++) {
                pairs.add(e, ids[j], 1);
            }
        }
        if (len >= 3) {
            bigSets.add(ids, from, len, 1);
        }
    }

    void merge(LayerCounts o) {
        records += o.records;
        ensureExperts(o.experts());
        for (int e = 0; e < o.load.length; e++) {
            load[e] += o.load[e];
        }
        for (int i = 0; i < o.homeLoad.length; i++) {
            homeLoad[i] += o.homeLoad[i];
        }
        localityPairs += o.localityPairs;
        localityHits += o.localityHits;
        pairs.addAll(o.pairs);
        transitions.addAll(o.transitions);
        bigSets.addAll(o.bigSets);
    }

    /** The largest id seen + 1, trimming slots grown ahead. */
    int usedExperts() {
        int n = load.length;
        while (n > 0 && load[n - 1] == 0) {
            n--;
        }
        return n;
    }
}
