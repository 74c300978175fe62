package dev.runlaw.math.routing;

/**
 * One routing decision: the experts one token chose at one MoE layer.
 *
 * <p>A token is {@code (source, step, sequenceId, tokenPosition)}; a record is a token at a layer. {@code expertIds}
 * are kept in the order the tracer listed them, and "the first expert" of a route is always {@code expertIds[0]},
 * the first listed id. For tracers that list ids best first (runlaw's JSONL, Megatron-LM's {@code top_indices} from
 * {@code torch.topk}) that is the top-1 expert. Tracers that list ids in ascending id order (Megatron-LM with a
 * boolean routing map, or any tracer that sorts) carry no gate order, so their "first" expert is the smallest
 * selected id; readers never reorder ids, so those traces are analysed as listed and say nothing about top-1
 * affinity. An id repeated within one route counts once wherever the route is used as a set (load, pairs,
 * locality, bytes).
 *
 * <p>The array is not copied (the analysis reads millions of routes); callers must not change it afterwards.
 *
 * @param source        run id or inference server id
 * @param step          training step ({@code -1} for inference traffic)
 * @param sequenceId    sequence or request id
 * @param tokenPosition position of the token in its sequence, {@code >= 0}
 * @param layer         MoE layer id, {@code >= 0}
 * @param expertIds     selected expert ids, each {@code >= 0}, as listed by the tracer (may be empty: no expert)
 */
public record TokenRoute(String source, long step, String sequenceId, int tokenPosition, int layer,
                         int[] expertIds) {
    public TokenRoute {
        if (source == null || sequenceId == null || expertIds == null) {
            throw new IllegalArgumentException("source, sequenceId and expertIds must not be null");
        }
        if (tokenPosition < 0) {
            throw new IllegalArgumentException("token position must be >= 0, got " + tokenPosition);
        }
        if (layer < 0) {
            throw new IllegalArgumentException("layer must be >= 0, got " + layer);
        }
        for (int id : expertIds) {
            if (id < 0) {
                throw new IllegalArgumentException("expert id must be >= 0, got " + id);
            }
        }
    }

    /** Whether {@code other} belongs to the same sequence, the unit {@link RoutingCounts#addSequence} takes. */
    public boolean sameSequence(TokenRoute other) {
        return step == other.step && source.equals(other.source) && sequenceId.equals(other.sequenceId);
    }
}
