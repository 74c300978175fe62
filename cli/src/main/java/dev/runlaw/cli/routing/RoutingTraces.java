package dev.runlaw.cli.routing;

import dev.runlaw.math.routing.TokenRoute;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Routing records read from trace files, held compactly and grouped by sequence {@code (source, step, sequenceId)}
 * (the unit {@link dev.runlaw.math.routing.RoutingCounts#addSequence} takes): a few int arrays per sequence instead
 * of an object per record, so tens of millions of routes fit in the launcher's heap. Sequences keep the order in
 * which they were first seen, records the order they were read.
 */
public final class RoutingTraces {
    private final Map<Key, Buffer> sequences = new LinkedHashMap<>();
    private Key lastKey;
    private Buffer last;
    private long records;

    private record Key(String source, long step, String sequenceId) {
    }

    /** Adds one record; {@code expertIds} is copied. */
    public void add(String source, long step, String sequenceId, int tokenPosition, int layer, int[] expertIds) {
        if (last == null || last.step != step || !lastKey.sequenceId().equals(sequenceId)
                || !lastKey.source().equals(source)) {
            lastKey = new Key(source, step, sequenceId);
            last = sequences.computeIfAbsent(lastKey, k -> new Buffer(k.step()));
        }
        last.add(tokenPosition, layer, expertIds);
        records++;
    }

    /** Records added. */
    public long records() {
        return records;
    }

    /** Distinct sequences. */
    public int sequences() {
        return sequences.size();
    }

    /** Every sequence's records as one list, sequence after sequence. */
    public void forEachSequence(Consumer<List<TokenRoute>> visitor) {
        for (Map.Entry<Key, Buffer> e : sequences.entrySet()) {
            visitor.accept(e.getValue().routes(e.getKey()));
        }
    }

    /** Every record, sequence after sequence (the records of a sequence in the order read). */
    public void forEachRecord(Consumer<TokenRoute> visitor) {
        forEachSequence(list -> list.forEach(visitor));
    }

    /** One sequence's records as parallel arrays; ids of record i are ids[idEnd[i - 1] .. idEnd[i]). */
    private static final class Buffer {
        final long step;
        int n;
        int[] position = new int[16];
        int[] layer = new int[16];
        int[] idEnd = new int[16];
        int[] ids = new int[32];

        Buffer(long step) {
            this.step = step;
        }

        void add(int pos, int l, int[] e) {
            if (n == position.length) {
                position = Arrays.copyOf(position, n * 2);
                layer = Arrays.copyOf(layer, n * 2);
                idEnd = Arrays.copyOf(idEnd, n * 2);
            }
            int from = n == 0 ? 0 : idEnd[n - 1];
            if (from + e.length > ids.length) {
                ids = Arrays.copyOf(ids, Math.max(ids.length * 2, from + e.length));
            }
            System.arraycopy(e, 0, ids, from, e.length);
            position[n] = pos;
            layer[n] = l;
            idEnd[n] = from + e.length;
            n++;
        }

        List<TokenRoute> routes(Key k) {
            List<TokenRoute> out = new ArrayList<>(n);
            int from = 0;
            for (int i = 0; i < n; i++) {
                out.add(new TokenRoute(k.source(), k.step(), k.sequenceId(), position[i], layer[i],
                        Arrays.copyOfRange(ids, from, idEnd[i])));
                from = idEnd[i];
            }
            return out;
        }
    }
}
