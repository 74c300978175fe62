package dev.runlaw.jobs.routing;

import dev.runlaw.math.routing.RoutingCounts;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Merges the partial counts of every counting subtask ({@link RoutingCounts#merge}, exact: the counts are additive)
 * and emits the total once, at the end of the input. Runs with parallelism 1.
 */
public final class MergeCountsOperator extends AbstractStreamOperator<byte[]>
        implements OneInputStreamOperator<byte[], byte[]>, BoundedOneInput {
    private static final long serialVersionUID = 1L;

    private final int devices;

    private transient RoutingCounts total;

    /** @param devices the analysis' device count */
    public MergeCountsOperator(int devices) {
        this.devices = devices;
    }

    @Override
    public void open() throws Exception {
        super.open();
        total = new RoutingCounts(devices);
    }

    @Override
    public void processElement(StreamRecord<byte[]> element) {
        total.merge(RoutingCounts.fromBytes(element.getValue()));
    }

    @Override
    public void endInput() {
        output.collect(new StreamRecord<>(total.toBytes()));
    }
}
