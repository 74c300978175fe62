package dev.runlaw.jobs.routing;

import dev.runlaw.math.routing.RoutingCounts;
import dev.runlaw.math.routing.TokenRoute;
import dev.runlaw.schema.RoutingTraceBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Converts routing records to {@link SequenceFragment}s and back: a RoutingTraceBatch is cut into one fragment per
 * sequence it holds; a stream of {@link TokenRoute}s (a trace file) into one fragment per run of consecutive records
 * of one sequence; and all fragments of one sequence back into the sequence's routes, each (token, layer) once.
 * Pure; no Flink.
 */
public final class TraceFragments {
    private TraceFragments() {
    }

    /** One fragment per sequence id in {@code batch}, in order of first appearance. */
    public static List<SequenceFragment> of(RoutingTraceBatch batch) {
        Map<String, FragmentBuilder> bySequence = new LinkedHashMap<>();
        List<dev.runlaw.schema.TokenRoute> tokens = batch.getTokens();
        for (int i = 0, n = tokens.size(); i < n; i++) {
            dev.runlaw.schema.TokenRoute t = tokens.get(i);
            FragmentBuilder b = bySequence.get(t.getSequenceId());
            if (b == null) {
                b = new FragmentBuilder(batch.getSource(), batch.getStep(), t.getSequenceId(), batch.getWallTimeMs());
                bySequence.put(t.getSequenceId(), b);
            }
            b.add(t.getTokenPosition(), t.getLayer(), t.getExpertIds());
        }
        List<SequenceFragment> out = new ArrayList<>(bySequence.size());
        for (FragmentBuilder b : bySequence.values()) {
            out.add(b.build());
        }
        return out;
    }

    /**
     * Cuts {@code routes} into fragments, one per run of consecutive records of the same (source, step, sequence),
     * handing each to {@code out}; every fragment has version 0 (a trace file has no write times: a repeated
     * (token, layer) keeps its last copy).
     */
    public static void of(Iterable<TokenRoute> routes, Consumer<SequenceFragment> out) {
        FragmentBuilder b = null;
        for (TokenRoute r : routes) {
            if (b == null || b.step != r.step() || !b.sequenceId.equals(r.sequenceId()) || !b.source.equals(r.source())) {
                if (b != null) {
                    out.accept(b.build());
                }
                b = new FragmentBuilder(r.source(), r.step(), r.sequenceId(), 0);
            }
            b.add(r.tokenPosition(), r.layer(), r.expertIds());
        }
        if (b != null) {
            out.accept(b.build());
        }
    }

    /**
     * The routes of one sequence from all its fragments, any order. With {@code dedupe}, each (token position,
     * layer) once: the copy of the fragment with the highest version wins, among equal versions the one seen last
     * (as table routing_trace's ReplacingMergeTree keeps one row per (token, layer), so a replayed Kafka batch
     * counts once); without, every record as given (a trace file's lines, as {@code routing analyze} counts them).
     *
     * @param fragments at least one, all with the same {@link SequenceFragment#key()}
     */
    public static List<TokenRoute> routes(List<SequenceFragment> fragments, boolean dedupe) {
        SequenceFragment first = fragments.get(0);
        int total = 0;
        for (SequenceFragment f : fragments) {
            total += f.routes();
        }
        List<TokenRoute> out = new ArrayList<>(total);
        if (!dedupe) {
            for (SequenceFragment f : fragments) {
                for (int i = 0, n = f.routes(); i < n; i++) {
                    out.add(route(first, f, i));
                }
            }
            return out;
        }
        long[] cells = new long[total];
        int c = 0;
        for (SequenceFragment f : fragments) {
            for (int i = 0, n = f.routes(); i < n; i++) {
                cells[c++] = cell(f, i);
            }
        }
        if (distinct(cells)) {
            // The common case: no (token, layer) twice; no map needed.
            for (SequenceFragment f : fragments) {
                for (int i = 0, n = f.routes(); i < n; i++) {
                    out.add(route(first, f, i));
                }
            }
            return out;
        }
        Map<Long, Integer> seen = new HashMap<>(total * 2);
        long[] versions = new long[total];
        for (SequenceFragment f : fragments) {
            for (int i = 0, n = f.routes(); i < n; i++) {
                Integer at = seen.putIfAbsent(cell(f, i), out.size());
                if (at == null) {
                    versions[out.size()] = f.version();
                    out.add(route(first, f, i));
                } else if (f.version() >= versions[at]) {
                    versions[at] = f.version();
                    out.set(at, route(first, f, i));
                }
            }
        }
        return out;
    }

    /**
     * Adds the sequence of {@code fragments} to {@code counts}: the same counts as
     * {@code counts.addSequence(routes(fragments, dedupe))}, but when no (token, layer) repeats (the common case) the
     * fragments' columns go straight to {@link RoutingCounts#addSequence(int[], int[], int[], int[])}, with no
     * object per route.
     *
     * @param fragments at least one, all with the same {@link SequenceFragment#key()}
     */
    public static void addTo(RoutingCounts counts, List<SequenceFragment> fragments, boolean dedupe) {
        if (dedupe && !distinctCells(fragments)) {
            counts.addSequence(routes(fragments, true));
            return;
        }
        if (fragments.size() == 1) {
            SequenceFragment f = fragments.get(0);
            counts.addSequence(f.positions(), f.layers(), f.idEnds(), f.expertIds());
            return;
        }
        int total = 0;
        int totalIds = 0;
        for (SequenceFragment f : fragments) {
            total += f.routes();
            totalIds += f.expertIds().length;
        }
        int[] positions = new int[total];
        int[] layers = new int[total];
        int[] idEnds = new int[total];
        int[] ids = new int[totalIds];
        int at = 0;
        int idAt = 0;
        for (SequenceFragment f : fragments) {
            int n = f.routes();
            System.arraycopy(f.positions(), 0, positions, at, n);
            System.arraycopy(f.layers(), 0, layers, at, n);
            for (int i = 0; i < n; i++) {
                idEnds[at + i] = idAt + f.idEnds()[i];
            }
            System.arraycopy(f.expertIds(), 0, ids, idAt, f.expertIds().length);
            at += n;
            idAt += f.expertIds().length;
        }
        counts.addSequence(positions, layers, idEnds, ids);
    }

    private static boolean distinctCells(List<SequenceFragment> fragments) {
        int total = 0;
        for (SequenceFragment f : fragments) {
            total += f.routes();
        }
        long[] cells = new long[total];
        int c = 0;
        for (SequenceFragment f : fragments) {
            for (int i = 0, n = f.routes(); i < n; i++) {
                cells[c++] = cell(f, i);
            }
        }
        return distinct(cells);
    }

    private static long cell(SequenceFragment f, int i) {
        return ((long) f.layers()[i] << 32) | (f.positions()[i] & 0xFFFF_FFFFL);
    }

    private static TokenRoute route(SequenceFragment key, SequenceFragment f, int i) {
        return new TokenRoute(key.source(), key.step(), key.sequenceId(), f.positions()[i], f.layers()[i],
                f.idsOf(i));
    }

    /** Whether no value occurs twice (sorts {@code cells}). */
    private static boolean distinct(long[] cells) {
        Arrays.sort(cells);
        for (int i = 1; i < cells.length; i++) {
            if (cells[i] == cells[i - 1]) {
                return false;
            }
        }
        return true;
    }
}
