package dev.runlaw.jobs.routing;

import java.util.Arrays;
import java.util.List;

/** Accumulates the columns of one {@link SequenceFragment}. */
final class FragmentBuilder {
    final String source;
    final long step;
    final String sequenceId;
    final long version;
    private int n;
    private int[] positions = new int[16];
    private int[] layers = new int[16];
    private int[] idEnds = new int[16];
    private int[] ids = new int[32];
    private int idCount;

    FragmentBuilder(String source, long step, String sequenceId, long version) {
        this.source = source;
        this.step = step;
        this.sequenceId = sequenceId;
        this.version = version;
    }

    void add(int position, int layer, List<Integer> expertIds) {
        room(expertIds.size());
        for (int k = 0, m = expertIds.size(); k < m; k++) {
            ids[idCount++] = expertIds.get(k);
        }
        close(position, layer);
    }

    void add(int position, int layer, int[] expertIds) {
        add(position, layer, expertIds, expertIds.length);
    }

    /** A route whose ids are {@code expertIds[0 .. count - 1]}. */
    void add(int position, int layer, int[] expertIds, int count) {
        room(count);
        System.arraycopy(expertIds, 0, ids, idCount, count);
        idCount += count;
        close(position, layer);
    }

    private void room(int k) {
        if (n == positions.length) {
            positions = Arrays.copyOf(positions, n * 2);
            layers = Arrays.copyOf(layers, n * 2);
            idEnds = Arrays.copyOf(idEnds, n * 2);
        }
        if (idCount + k > ids.length) {
            ids = Arrays.copyOf(ids, Math.max(ids.length * 2, idCount + k));
        }
    }

    private void close(int position, int layer) {
        positions[n] = position;
        layers[n] = layer;
        idEnds[n] = idCount;
        n++;
    }

    SequenceFragment build() {
        return new SequenceFragment(source, step, sequenceId, version, Arrays.copyOf(positions, n),
                Arrays.copyOf(layers, n), Arrays.copyOf(idEnds, n), Arrays.copyOf(ids, idCount));
    }
}
