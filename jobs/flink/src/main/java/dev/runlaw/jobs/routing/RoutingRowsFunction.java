package dev.runlaw.jobs.routing;

import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.math.routing.RoutingAnalysis;
import dev.runlaw.math.routing.RoutingCounts;
import dev.runlaw.math.routing.RoutingReport;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.util.Collector;

/**
 * The job's last step (parallelism 1): the merged counts → {@link RoutingAnalysis#analyze} with the configured
 * settings → every {@code routing_*} row ({@link RoutingRows}). Counts without any record give only the
 * {@code routing_analyses} row (zero tokens). An analysis the settings refuse (an expert id at or above
 * {@code routing.experts}, more devices than experts) fails the job with that message.
 */
public final class RoutingRowsFunction extends RichFlatMapFunction<byte[], ClickHouseRow> {
    private static final long serialVersionUID = 1L;

    private final RoutingConfig config;
    private final String input;

    /** @param input what was read, for {@code routing_analyses.input} */
    public RoutingRowsFunction(RoutingConfig config, String input) {
        this.config = config;
        this.input = input;
    }

    @Override
    public void flatMap(byte[] merged, Collector<ClickHouseRow> out) {
        RoutingCounts counts = RoutingCounts.fromBytes(merged);
        RoutingReport report = counts.layers().length == 0 || counts.experts() == 0 ? null
                : RoutingAnalysis.analyze(counts, config.analysis());
        new RoutingRows(config, input).write(counts, report, out::collect);
    }
}
