package dev.runlaw.cli.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.math.routing.RoutingAnalysis;
import dev.runlaw.math.routing.RoutingCounts;
import dev.runlaw.math.routing.RoutingSettings;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code routing analyze} through the routing job's counting stage on an embedded MiniCluster gives exactly the
 * counts of the in-JVM backend: the same bytes, hence the same report, repeated records included.
 */
@Timeout(120)
class FlinkRoutingBackendTest {

    @Test
    void countsExactlyAsTheLocalBackendRepeatedRecordsIncluded() throws Exception {
        RoutingTraces traces = new RoutingTraces();
        SplittableRandom rnd = new SplittableRandom(4);
        for (int step = 0; step < 3; step++) {
            for (int layer = 0; layer < 4; layer++) { // layer by layer: each sequence read in four runs
                for (int seq = 0; seq < 5; seq++) {
                    for (int pos = 0; pos < 10; pos++) {
                        int a = rnd.nextInt(16);
                        traces.add("run-" + (seq % 2), step, "s" + seq, pos, layer,
                                new int[] {a, (a + 1 + rnd.nextInt(15)) % 16});
                    }
                }
            }
        }
        traces.add("run-0", 0, "s0", 3, 2, new int[] {7, 8}); // a repeated (token, layer): counts as a record
        RoutingSettings settings = RoutingSettings.defaults(4);

        RoutingCounts local = new LocalRoutingBackend().count(traces, settings);
        FlinkRoutingBackend flink = new FlinkRoutingBackend(Map.of());
        RoutingCounts viaJob = flink.count(traces, settings);

        assertThat(flink.name()).contains("MiniCluster");
        assertThat(viaJob.tokens()).isEqualTo(local.tokens()).isEqualTo(3 * 5 * 10);
        assertThat(viaJob.records(2)).isEqualTo(local.records(2)).isEqualTo(3 * 5 * 10 + 1);
        assertThat(viaJob.toBytes()).isEqualTo(local.toBytes());
        assertThat(RoutingAnalysis.analyze(viaJob, settings).toJson())
                .isEqualTo(RoutingAnalysis.analyze(local, settings).toJson());
    }
}
