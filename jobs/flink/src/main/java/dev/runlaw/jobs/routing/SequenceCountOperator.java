package dev.runlaw.jobs.routing;

import dev.runlaw.math.routing.RoutingCounts;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Keyed by sequence ({@link SequenceFragment#key()}): gathers every fragment of a sequence, and once the sequence's
 * input is complete adds the whole sequence in one {@link RoutingCounts#addSequence} call (what makes the counts
 * exact: temporal locality pairs consecutive positions and transitions pair consecutive layers of one token, which
 * may sit in different batches) to this subtask's partial counts. At the end of its input it emits the partial
 * counts ({@link RoutingCounts#toBytes()}), which merge exactly.
 *
 * <p>"Complete" is an event-time timer at the end of time: in BATCH execution mode (how the routing job runs) the
 * input arrives sorted by key and a key's timers fire as soon as its last fragment is in, so only one sequence is
 * held at a time; in STREAMING mode over bounded input they fire at the final watermark. Either way every timer
 * fires before {@link #endInput()}.
 */
public final class SequenceCountOperator extends AbstractStreamOperator<byte[]>
        implements OneInputStreamOperator<SequenceFragment, byte[]>, Triggerable<String, VoidNamespace>,
        BoundedOneInput {
    private static final long serialVersionUID = 1L;

    private final int devices;
    private final boolean dedupe;

    private transient ListState<SequenceFragment> fragments;
    private transient InternalTimerService<VoidNamespace> timers;
    private transient RoutingCounts counts;
    private transient Counter sequences;

    /**
     * @param devices the analysis' device count (a token's home device is its position mod devices)
     * @param dedupe  count each (token, layer) of a sequence once ({@link TraceFragments#routes})
     */
    public SequenceCountOperator(int devices, boolean dedupe) {
        this.devices = devices;
        this.dedupe = dedupe;
    }

    @Override
    public void open() throws Exception {
        super.open();
        fragments = getRuntimeContext().getListState(
                new ListStateDescriptor<>("fragments", TypeInformation.of(SequenceFragment.class)));
        timers = getInternalTimerService("sequence-complete", VoidNamespaceSerializer.INSTANCE, this);
        counts = new RoutingCounts(devices);
        sequences = getMetricGroup().addGroup("runlaw_routing").counter("sequences");
    }

    @Override
    public void processElement(StreamRecord<SequenceFragment> element) throws Exception {
        fragments.add(element.getValue());
        timers.registerEventTimeTimer(VoidNamespace.INSTANCE, Long.MAX_VALUE);
    }

    @Override
    public void onEventTime(InternalTimer<String, VoidNamespace> timer) throws Exception {
        List<SequenceFragment> all = new ArrayList<>();
        for (SequenceFragment f : fragments.get()) {
            all.add(f);
        }
        fragments.clear();
        if (!all.isEmpty()) {
            TraceFragments.addTo(counts, all, dedupe);
            sequences.inc();
        }
    }

    @Override
    public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) {
        // no processing-time timers
    }

    @Override
    public void endInput() {
        output.collect(new StreamRecord<>(counts.toBytes()));
        counts = new RoutingCounts(devices);
    }
}
