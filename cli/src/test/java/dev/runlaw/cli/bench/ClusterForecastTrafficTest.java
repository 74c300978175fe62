package dev.runlaw.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.RunStarted;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.codec.TelemetryCodec;
import java.util.List;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** {@code bench cluster}'s forecast load: the same runs every pass, steps only going forward, one loss per step. */
class ClusterForecastTrafficTest {
    private static final TelemetryCodec CODEC = new TelemetryCodec();

    @Test
    void passesContinueTheSameRunsRoundRobin() throws Exception {
        MockProducer<byte[], byte[]> p = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        ClusterForecastTraffic t = new ClusterForecastTraffic("bench-x", 3, 100);
        t.declare(p, "pre.");
        assertThat(p.history()).hasSize(3).allSatisfy(r -> assertThat(r.topic()).isEqualTo("pre.runlaw.run-started"));
        RunStarted first = (RunStarted) CODEC.decode(RecordKind.RUN_STARTED, p.history().get(0).value());
        assertThat(first.getRunId()).isEqualTo("bench-x-00000");
        p.clear();

        assertThat(t.lastStep()).isEqualTo(-1);
        assertThat(t.send(p, "pre.", 1)).isEqualTo(300);
        assertThat(t.lastStep()).isEqualTo(99);
        assertThat(t.send(p, "pre.", 2)).isEqualTo(600);
        assertThat(t.lastStep()).isEqualTo(299);
        List<ProducerRecord<byte[], byte[]>> sent = p.history();
        assertThat(sent).hasSize(900).allSatisfy(r -> assertThat(r.topic()).isEqualTo("pre.runlaw.step-metrics"));
        for (int i = 0; i < sent.size(); i++) {
            StepMetrics m = (StepMetrics) CODEC.decode(RecordKind.STEP_METRICS, sent.get(i).value());
            assertThat(m.getRunId()).isEqualTo(String.format("bench-x-%05d", i % 3));
            assertThat(new String(sent.get(i).key())).isEqualTo(m.getRunId());
            assertThat(m.getStep()).isEqualTo(i / 3);
            assertThat(m.getLoss()).isBetween(2.0, 200.0);
        }
    }

    @Test
    void theScheduleWarmsUpLinearlyThenDecaysToATenth() {
        assertThat(ClusterForecastTraffic.lr(0)).isZero();
        assertThat(ClusterForecastTraffic.lr(ClusterForecastTraffic.WARMUP - 1))
                .isCloseTo(ClusterForecastTraffic.PEAK, within(1e-15));
        assertThat(ClusterForecastTraffic.lr(ClusterForecastTraffic.PLANNED))
                .isCloseTo(ClusterForecastTraffic.PEAK / 10, within(1e-15));
    }
}
