package dev.runlaw.bench;

import dev.runlaw.math.online.OnlineRunState;
import org.openjdk.jol.info.GraphLayout;

/**
 * Bytes retained by an object graph: the sum of the shallow sizes of every object reachable from a root, as laid
 * out by this JVM (object headers, field alignment, compressed references), measured with OpenJDK JOL's
 * {@link GraphLayout}. Static fields are not followed, so shared constants are not counted.
 */
public final class RetainedSize {
    private RetainedSize() {
    }

    /** Total bytes of the object graph reachable from {@code root}. */
    public static long of(Object root) {
        return GraphLayout.parseInstance(root).totalSize();
    }

    /** Number of objects in the graph reachable from {@code root}. */
    public static long objects(Object root) {
        return GraphLayout.parseInstance(root).totalCount();
    }

    /**
     * Bytes retained by an online run state after {@code steps} appended optimizer steps of a long synthetic run
     * ({@link SyntheticRun}) and one refit, so that the state holds its last fit too.
     *
     * @param capacity stored points (buckets) of the state
     */
    public static long ofFittedOnlineState(long steps, int capacity) {
        OnlineRunState s = SyntheticRun.fittedState(steps, capacity);
        return of(s);
    }
}
