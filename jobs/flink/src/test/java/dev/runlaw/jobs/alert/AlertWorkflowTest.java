package dev.runlaw.jobs.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.jobs.common.BoundedSources;
import dev.runlaw.jobs.common.CollectingSink;
import dev.runlaw.jobs.common.WorkflowChecks;
import dev.runlaw.jobs.common.WorkflowEnvironment;
import dev.runlaw.jobs.forecast.KafkaOut;
import dev.runlaw.jobs.kafka.DeadLetterEvent;
import dev.runlaw.jobs.kafka.KafkaRecord;
import dev.runlaw.schema.Alert;
import dev.runlaw.schema.AlertKind;
import dev.runlaw.schema.AlertSeverity;
import dev.runlaw.schema.AlertState;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.Topics;
import dev.runlaw.schema.validate.RejectReason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The alert job's {@link AlertJob#defineWorkflow} on a MiniCluster with a bounded source and collecting sinks in
 * place of Kafka and ClickHouse, configured the way the job configures itself (generic types off: any stream or
 * state type that would need Kryo fails the run).
 */
@Timeout(180)
class AlertWorkflowTest {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension();

    private static final AlertConfig CONFIG = AlertConfig.fromMap(Map.of("bootstrap.servers", "127.0.0.1:9092",
            "clickhouse.url", "http://127.0.0.1:8123"));

    @Test
    void alertsTheLossSpikeAndTheRouterCollapseAndDeadLettersWhatItCannotUse() throws Exception {
        List<KafkaRecord> in = new ArrayList<>(AlertTestRuns.run(""));
        KafkaRecord garbage = new KafkaRecord(RecordKind.STEP_METRICS.topic(), 0, 90_001, 0,
                AlertTestRuns.RUN.getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xC3, 1, 2});
        KafkaRecord badForecast = new KafkaRecord(Topics.FORECASTS, 0, 90_002, 0,
                AlertTestRuns.RUN.getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3});
        in.add(garbage);
        in.add(badForecast);
        in.add(AlertTestRuns.finished(""));

        try (var rows = new CollectingSink<ClickHouseRow>(); var topics = new CollectingSink<KafkaOut>();
             var dead = new CollectingSink<DeadLetterEvent>()) {
            StreamExecutionEnvironment env = WorkflowEnvironment.of(CONFIG.settings());
            AlertJob.defineWorkflow(env, BoundedSources.of(KafkaRecord.class, in), rows, topics, dead, CONFIG);
            env.execute("alert workflow");

            assertThat(dead.received()).extracting(DeadLetterEvent::offset, DeadLetterEvent::reasonCode)
                    .containsExactly(tuple(garbage.offset(), RejectReason.UNDECODABLE.name()),
                            tuple(badForecast.offset(), RejectReason.UNDECODABLE.name()));

            List<Alert> alerts = new ArrayList<>();
            for (KafkaOut o : topics.received()) {
                assertThat(o.topic()).isEqualTo(Topics.ALERTS);
                assertThat(new String(o.key(), StandardCharsets.UTF_8)).isEqualTo(AlertTestRuns.RUN);
                alerts.add(Alert.fromByteBuffer(ByteBuffer.wrap(o.value())));
            }
            // The spike, measured against the forecast's law, opens at its step and closes when the loss recovers.
            List<Alert> spike = alerts.stream().filter(a -> a.getKind() == AlertKind.LOSS_SPIKE).toList();
            assertThat(spike).extracting(Alert::getState, Alert::getFirstStep, Alert::getDetectedStep)
                    .containsExactly(tuple(AlertState.OPEN, (long) AlertTestRuns.SPIKE_STEP,
                                    (long) AlertTestRuns.SPIKE_STEP),
                            tuple(AlertState.RESOLVED, (long) AlertTestRuns.SPIKE_STEP,
                                    (long) AlertTestRuns.SPIKE_STEP));
            assertThat(spike.get(0).getExpected()).as("the law's loss at the spike")
                    .isCloseTo(AlertTestRuns.law(AlertTestRuns.SPIKE_STEP),
                            org.assertj.core.data.Offset.offset(0.02));
            // The collapse on layer 0 is CRITICAL, begins where the routing changed and closes after it ends.
            List<Alert> collapse = alerts.stream().filter(a -> a.getKind() == AlertKind.ROUTER_COLLAPSE).toList();
            assertThat(collapse).isNotEmpty();
            assertThat(collapse.get(0).getState()).isEqualTo(AlertState.OPEN);
            assertThat(collapse.get(0).getSeverity()).isEqualTo(AlertSeverity.CRITICAL);
            assertThat(collapse.get(0).getLayer()).isZero();
            assertThat(collapse.get(0).getFirstStep()).isBetween((long) AlertTestRuns.COLLAPSE_FROM,
                    AlertTestRuns.COLLAPSE_FROM + 10L);
            assertThat(collapse.get(0).getDetectedStep()).isLessThanOrEqualTo(AlertTestRuns.COLLAPSE_FROM + 20L);
            // The hot device pair of layer 0, from its data movement: opens after hotLinkSteps hot steps, closes at
            // its last hot step once the link has been calm for resolveSteps.
            var moe = dev.runlaw.math.anomaly.AnomalySettings.defaults().moe();
            assertThat(alerts).filteredOn(a -> a.getKind() == AlertKind.HOT_LINK)
                    .extracting(Alert::getState, Alert::getLayer, Alert::getFirstStep, Alert::getDetectedStep,
                            Alert::getLastStep)
                    .containsExactly(tuple(AlertState.OPEN, 0, (long) AlertTestRuns.HOT_FROM,
                                    (long) AlertTestRuns.HOT_FROM + moe.hotLinkSteps() - 1, null),
                            tuple(AlertState.RESOLVED, 0, (long) AlertTestRuns.HOT_FROM,
                                    (long) AlertTestRuns.HOT_FROM + moe.hotLinkSteps() - 1,
                                    (long) AlertTestRuns.HOT_TO));
            assertThat(alerts).filteredOn(a -> a.getKind() == AlertKind.HOT_LINK).first()
                    .satisfies(a -> assertThat(a.getMessage()).contains("device 1 -> 2"));
            // Nothing else above INFO on this clean run (no crying wolf), and every event has its row.
            assertThat(alerts).filteredOn(a -> a.getSeverity() != AlertSeverity.INFO)
                    .extracting(Alert::getKind).containsOnly(AlertKind.LOSS_SPIKE, AlertKind.ROUTER_COLLAPSE,
                            AlertKind.IMBALANCE, AlertKind.HOT_LINK);
            // Every alert opened was closed by the end of the run (run-finished resolves what is still open).
            assertThat(alerts.stream().filter(a -> a.getState() == AlertState.OPEN).count())
                    .isEqualTo(alerts.stream().filter(a -> a.getState() == AlertState.RESOLVED).count());
            assertThat(rows.received()).hasSize(alerts.size())
                    .allMatch(r -> r.table().equals(AlertOutputs.ALERTS));
        }
    }

    @Test
    void everyOperatorHasAUidAndNoStreamOrStateFallsBackToKryo() throws Exception {
        StreamExecutionEnvironment env = WorkflowEnvironment.of(CONFIG.settings());
        try (var rows = new CollectingSink<ClickHouseRow>(); var topics = new CollectingSink<KafkaOut>();
             var dead = new CollectingSink<DeadLetterEvent>()) {
            AlertJob.defineWorkflow(env, BoundedSources.of(KafkaRecord.class, AlertTestRuns.run("")), rows, topics,
                    dead, CONFIG);
            assertThat(WorkflowChecks.assertUidsAndNoKryo(env)).contains(AlertJob.SOURCE_UID, AlertJob.INPUT_UID,
                    AlertJob.DETECT_UID, AlertJob.CLICKHOUSE_SINK_UID, AlertJob.KAFKA_SINK_UID,
                    AlertJob.DEAD_LETTER_SINK_UID);
        }
        assertThat(env.getConfig().getSerializerConfig().hasGenericTypesDisabled()).isTrue();
    }
}
