package dev.runlaw.jobs.routing;

import dev.runlaw.jobs.kafka.DeadLetterEvent;
import dev.runlaw.jobs.kafka.DeadLetters;
import dev.runlaw.jobs.kafka.KafkaRecord;
import dev.runlaw.jobs.kafka.TelemetryDecoder;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.RoutingTraceBatch;
import dev.runlaw.schema.validate.RejectReason;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The routing job's first stage, next to the Kafka source: keeps the records of the analysed source (by Kafka key,
 * before decoding: other sources' batches cost nothing but the read), decodes and validates them with the same
 * {@link TelemetryDecoder} as the ingest job (a fast path, {@link FastTraceReader}, answers for the batches it
 * fully accepts and leaves every other to the decoder; a refused batch becomes a {@link DeadLetterEvent} with its reason on
 * {@link DeadLetters#TAG}, and none of its records count), and cuts each batch into one {@link SequenceFragment}
 * per sequence it holds.
 *
 * <p>Metrics, in group {@code runlaw_routing}: {@code routes_in}, {@code other_source_batches},
 * {@code dead_letters_<REASON>}. Stateless.
 */
public final class RoutingBatchFunction extends ProcessFunction<KafkaRecord, SequenceFragment> {
    private static final long serialVersionUID = 1L;

    private final RoutingConfig config;

    private transient byte[] sourceKey;
    private transient TelemetryDecoder decoder;
    private transient FastTraceReader fast;
    private transient Map<RejectReason, Counter> refused;
    private transient Counter routesIn;
    private transient Counter otherSources;

    public RoutingBatchFunction(RoutingConfig config) {
        this.config = config;
    }

    @Override
    public void open(OpenContext openContext) {
        sourceKey = config.source().getBytes(StandardCharsets.UTF_8);
        decoder = new TelemetryDecoder(config.settings().topicPrefix(), List.of(RecordKind.ROUTING_TRACE),
                config.settings().limits(), true);
        fast = new FastTraceReader(config.settings().limits());
        var group = getRuntimeContext().getMetricGroup().addGroup("runlaw_routing");
        refused = DeadLetters.counters(group);
        routesIn = group.counter("routes_in");
        otherSources = group.counter("other_source_batches");
    }

    @Override
    public void processElement(KafkaRecord in, Context ctx, Collector<SequenceFragment> out) {
        if (!Arrays.equals(in.key(), sourceKey)) {
            // The topic is keyed by source; the ingest job dead-letters a batch filed under a wrong key.
            otherSources.inc();
            return;
        }
        List<SequenceFragment> fragments = fast.read(in.value(), config.source());
        if (fragments != null) {
            for (SequenceFragment f : fragments) {
                routesIn.inc(f.routes());
                out.collect(f);
            }
            return;
        }
        TelemetryDecoder.Result r = decoder.decode(in);
        if (!r.accepted()) {
            refused.get(r.rejection().reason()).inc();
            ctx.output(DeadLetters.TAG, DeadLetterEvent.of(in, r.rejection(), System.currentTimeMillis()));
            return;
        }
        RoutingTraceBatch batch = (RoutingTraceBatch) r.record();
        routesIn.inc(batch.getTokens().size());
        for (SequenceFragment f : TraceFragments.of(batch)) {
            out.collect(f);
        }
    }
}
