package dev.runlaw.math.routing;

import java.util.List;
import java.util.Map;

/**
 * The result of {@link RoutingAnalysis#analyze}: what {@code ./runlaw routing analyze --report} writes
 * ({@link #toJson()}) and what the routing job writes to ClickHouse. Fractions are null where undefined (no pairs,
 * no hops, no load).
 *
 * @param tokens     distinct tokens (source, step, sequence_id, token_position)
 * @param layers     one entry per distinct layer id, ascending
 * @param placements "contiguous", "balanced" and "optimized", in that order
 */
public record RoutingReport(long tokens, List<Layer> layers, Map<String, Placement> placements) {
    /** Key of the contiguous map in {@link #placements()}. */
    public static final String CONTIGUOUS = "contiguous";
    /** Key of EPLB's balanced packing. */
    public static final String BALANCED = "balanced";
    /** Key of the affinity-aware map. */
    public static final String OPTIMIZED = "optimized";

    public RoutingReport {
        layers = List.copyOf(layers);
        placements = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(placements));
    }

    /**
     * One layer's figures.
     *
     * @param layer                  the layer id
     * @param experts                E
     * @param load                   records whose id set contains e, per expert e
     * @param maxOverMean            max(load) / (Σ load / E); null without load
     * @param temporalLocality       locality hits / locality pairs; null without pairs
     * @param temporalLocalityChance exact chance of two random records intersecting; null if not computable
     * @param topPair                most co-selected pair, null when no route has two ids
     * @param nextLayerHit           Σ_a max_b T(a, b) / hops; null at the last layer or without hops
     * @param records                records at the layer (empty routes included)
     * @param localityPairs          consecutive-position record pairs
     * @param localityHits           of those, pairs whose id sets intersect
     * @param hops                   tokens with a non-empty route here and at the next layer id
     */
    public record Layer(int layer, int experts, long[] load, Double maxOverMean, Double temporalLocality,
                        Double temporalLocalityChance, TopPair topPair, Double nextLayerHit, long records,
                        long localityPairs, long localityHits, long hops) {
    }

    /** The most co-selected pair {@code e1 < e2} and the routes holding both. */
    public record TopPair(int e1, int e2, long count) {
    }

    /**
     * One placement over all layers.
     *
     * @param map                    map[i][e] = device of expert e at the i-th layer
     * @param deviceLoadMaxOverMean  per-layer max/mean of device loads, averaged over layers with load
     * @param transitionCrossDevice  crossHops / hops pooled over layers; null without hops
     * @param bytes                  dispatch + combine bytes, tokens returning home after each layer
     * @param hops                   layer-to-layer hops counted (as for next_layer_hit), all layers
     * @param crossHops              of those, hops that change device
     */
    public record Placement(int[][] map, Double deviceLoadMaxOverMean, Double transitionCrossDevice, long bytes,
                            long hops, long crossHops) {
    }

    /** The report as the JSON: exactly the keys {@code tokens, layers[...], placements{...}}. */
    public String toJson() {
        return ReportJson.write(this);
    }
}
