package dev.runlaw.jobs.routing;

import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.jobs.clickhouse.RowBinaryWriter;
import dev.runlaw.math.moe.ExpertLoadStats;
import dev.runlaw.math.routing.Placements;
import dev.runlaw.math.routing.RoutingCounts;
import dev.runlaw.math.routing.RoutingReport;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Maps one analysis (its merged {@link RoutingCounts} and {@link RoutingReport}) to rows of the {@code routing_*}
 * tables ({@code sql/020}–{@code 025}), every column in the order of {@link #COLUMNS}. Pure; not thread-safe (one
 * {@link RowBinaryWriter}).
 */
public final class RoutingRows {
    public static final String ANALYSES = "routing_analyses";
    public static final String LAYER_STATS = "routing_layer_stats";
    public static final String PAIRS = "routing_pairs";
    public static final String TRANSITIONS = "routing_transitions";
    public static final String PLACEMENTS = "routing_placements";
    public static final String PLACEMENT_LAYERS = "routing_placement_layers";

    /** Above this many experts a layer keeps only its {@link #TOP_PAIRS} most frequent pairs (issue 12). */
    public static final int FULL_PAIR_MATRIX_MAX_EXPERTS = 256;
    /** Pairs kept per layer beyond {@link #FULL_PAIR_MATRIX_MAX_EXPERTS} experts. */
    public static final int TOP_PAIRS = 4096;

    /** Every table → its insert columns, in the order the rows hold them. */
    public static final Map<String, List<String>> COLUMNS = columns();

    /** Enum8 values of the {@code placement} columns. */
    private static final Map<String, Integer> PLACEMENT_CODES = Map.of(RoutingReport.CONTIGUOUS, 1,
            RoutingReport.BALANCED, 2, RoutingReport.OPTIMIZED, 3);

    private final RowBinaryWriter w = new RowBinaryWriter();
    private final RoutingConfig config;
    private final String input;

    /**
     * @param input what was read, for {@code routing_analyses.input} (e.g. the topic, or the trace files)
     */
    public RoutingRows(RoutingConfig config, String input) {
        this.config = config;
        this.input = input;
    }

    private static Map<String, List<String>> columns() {
        List<String> key = List.of("source", "analysis_id", "analysed_at_ms", "time");
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put(ANALYSES, with(key, "input", "tokens", "routes", "layers", "experts", "devices", "hidden_size",
                "bytes_per_element", "spare_slots"));
        m.put(LAYER_STATS, with(key, "layer", "experts", "records", "load", "max_over_mean", "cv", "norm_entropy",
                "temporal_locality", "temporal_locality_chance", "top_pair_a", "top_pair_b", "top_pair_routes",
                "next_layer_hit"));
        m.put(PAIRS, with(key, "layer", "expert_a", "expert_b", "routes"));
        m.put(TRANSITIONS, with(key, "layer", "from_expert", "to_expert", "tokens"));
        m.put(PLACEMENTS, with(key, "placement", "devices", "device_load_max_over_mean", "transition_cross_device",
                "bytes"));
        m.put(PLACEMENT_LAYERS, with(key, "placement", "layer", "device_of_expert", "device_load"));
        return java.util.Collections.unmodifiableMap(m);
    }

    private static List<String> with(List<String> key, String... more) {
        List<String> out = new ArrayList<>(key);
        out.addAll(List.of(more));
        return List.copyOf(out);
    }

    /**
     * Every row of the analysis. {@code report} is null when the counts hold no record (nothing to analyse): then
     * only the {@code routing_analyses} row is written, with zero tokens, so the empty result is visible.
     */
    public void write(RoutingCounts counts, RoutingReport report, Consumer<ClickHouseRow> out) {
        long routes = 0;
        for (int l : counts.layers()) {
            routes += counts.records(l);
        }
        int experts = report == null || report.layers().isEmpty() ? 0 : report.layers().get(0).experts();
        key().string(input).int64(counts.tokens()).int64(routes).int32(counts.layers().length).int32(experts)
                .int32(config.devices()).int32(config.hiddenSize()).int32(config.bytesPerElement())
                .int32(config.spareSlots());
        out.accept(row(ANALYSES));
        if (report == null) {
            return;
        }
        for (RoutingReport.Layer l : report.layers()) {
            layerRows(counts, l, out);
        }
        int[] ids = counts.layers();
        for (Map.Entry<String, RoutingReport.Placement> e : report.placements().entrySet()) {
            RoutingReport.Placement p = e.getValue();
            int code = PLACEMENT_CODES.get(e.getKey());
            key().enum8(code).int32(config.devices()).nullableFloat64(p.deviceLoadMaxOverMean())
                    .nullableFloat64(p.transitionCrossDevice()).int64(p.bytes());
            out.accept(row(PLACEMENTS));
            for (int i = 0; i < ids.length; i++) {
                int[] map = p.map()[i];
                long[] deviceLoad = Placements.deviceLoads(report.layers().get(i).load(), map, config.devices());
                key().enum8(code).int32(ids[i]).int32Array(boxed(map)).int64Array(deviceLoad, deviceLoad.length);
                out.accept(row(PLACEMENT_LAYERS));
            }
        }
    }

    private void layerRows(RoutingCounts counts, RoutingReport.Layer l, Consumer<ClickHouseRow> out) {
        ExpertLoadStats balance = ExpertLoadStats.of(l.load());
        RoutingReport.TopPair top = l.topPair();
        key().int32(l.layer()).int32(l.experts()).int64(l.records()).int64Array(l.load(), l.load().length)
                .nullableFloat64(l.maxOverMean()).float64(balance.cv()).float64(balance.normEntropy())
                .nullableFloat64(l.temporalLocality()).nullableFloat64(l.temporalLocalityChance());
        nullableInt32(top == null ? null : top.e1());
        nullableInt32(top == null ? null : top.e2());
        w.int64(top == null ? 0 : top.count()).nullableFloat64(l.nextLayerHit());
        out.accept(row(LAYER_STATS));

        List<long[]> pairs = new ArrayList<>();
        counts.forEachPair(l.layer(), (a, b, n) -> pairs.add(new long[] {a, b, n}));
        if (l.experts() > FULL_PAIR_MATRIX_MAX_EXPERTS && pairs.size() > TOP_PAIRS) {
            // Most frequent first, ties to the smallest (a, b), as top_pair; then back to key order.
            pairs.sort(Comparator.<long[]>comparingLong(p -> -p[2]).thenComparingLong(p -> p[0])
                    .thenComparingLong(p -> p[1]));
            pairs.subList(TOP_PAIRS, pairs.size()).clear();
        }
        for (long[] p : pairs) {
            key().int32(l.layer()).int32((int) p[0]).int32((int) p[1]).int64(p[2]);
            out.accept(row(PAIRS));
        }
        counts.forEachTransition(l.layer(), (a, b, n) -> {
            key().int32(l.layer()).int32(a).int32(b).int64(n);
            out.accept(row(TRANSITIONS));
        });
    }

    private RowBinaryWriter key() {
        return w.begin().string(config.source()).string(config.analysisId()).int64(config.analysedAtMs())
                .dateTime(config.analysedAtMs() / 1000);
    }

    private void nullableInt32(Integer v) {
        if (v == null) {
            w.uint8(true);
        } else {
            w.uint8(false).int32(v);
        }
    }

    private ClickHouseRow row(String table) {
        return new ClickHouseRow(table, w.toByteArray());
    }

    private static List<Integer> boxed(int[] a) {
        List<Integer> out = new ArrayList<>(a.length);
        for (int x : a) {
            out.add(x);
        }
        return out;
    }
}
