package dev.runlaw.jobs.routing;

import java.util.Arrays;

/**
 * Some of the routing records of one sequence: the records of one (source, step, sequence_id) that arrived together
 * (in one RoutingTraceBatch, or in one run of consecutive records of a trace file), in columns. The job keys
 * fragments by {@link #key()} so that every fragment of a sequence meets in one place before the sequence is counted:
 * a shuffle per fragment instead of per route.
 *
 * <p>Route {@code i} is at {@code positions[i]}, {@code layers[i]}, with expert ids
 * {@code expertIds[idEnds[i - 1] .. idEnds[i] - 1]} ({@code idEnds[-1]} = 0), in the order the tracer listed them.
 *
 * @param source     run or inference server id
 * @param step       training step, -1 for inference traffic
 * @param sequenceId sequence (training) or request (serving) id
 * @param version    the writer's wall time of the records (RoutingTraceBatch.wall_time_ms): when one (token, layer)
 *                   arrives more than once, the copy with the highest version counts, as in table routing_trace
 * @param positions  token position per route
 * @param layers     layer per route
 * @param idEnds     end offset of each route's ids in {@code expertIds}
 * @param expertIds  every route's expert ids, back to back
 */
public record SequenceFragment(String source, long step, String sequenceId, long version, int[] positions,
                               int[] layers, int[] idEnds, int[] expertIds) {

    /** Routes in this fragment. */
    public int routes() {
        return positions.length;
    }

    /** What fragments of one sequence share: source, step and sequence id (NUL cannot occur in an id). */
    public String key() {
        return source + '\u0000' + step + '\u0000' + sequenceId;
    }

    /** The expert ids of route {@code i}. */
    public int[] idsOf(int i) {
        return Arrays.copyOfRange(expertIds, i == 0 ? 0 : idEnds[i - 1], idEnds[i]);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SequenceFragment f && step == f.step && version == f.version && source.equals(f.source)
                && sequenceId.equals(f.sequenceId) && Arrays.equals(positions, f.positions)
                && Arrays.equals(layers, f.layers) && Arrays.equals(idEnds, f.idEnds)
                && Arrays.equals(expertIds, f.expertIds);
    }

    @Override
    public int hashCode() {
        return 31 * key().hashCode() + Arrays.hashCode(positions);
    }

    @Override
    public String toString() {
        return "SequenceFragment[" + source + " step " + step + " " + sequenceId + ", " + routes() + " routes]";
    }
}
