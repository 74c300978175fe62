package dev.runlaw.jobs.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.jobs.ingest.TestRecords;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.codec.TelemetryCodec;
import dev.runlaw.schema.validate.Limits;
import dev.runlaw.schema.validate.RejectReason;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/** The one decode/validate step both jobs use, with and without the key = run id rule. */
class TelemetryDecoderTest {
    private static final TelemetryCodec CODEC = new TelemetryCodec();
    private static final List<RecordKind> RUN_KINDS = List.of(RecordKind.RUN_STARTED, RecordKind.STEP_METRICS);

    private static KafkaRecord record(String topic, String key, SpecificRecord r) {
        return new KafkaRecord(topic, 0, 7, 0, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                CODEC.encode(r));
    }

    private static TelemetryDecoder keyed() {
        return new TelemetryDecoder("p.", RUN_KINDS, Limits.defaults(), true);
    }

    @Test
    void acceptsARecordOnItsTopicUnderItsRunId() {
        TelemetryDecoder.Result r = keyed().decode(record("p." + RecordKind.STEP_METRICS.topic(), "run-a",
                TestRecords.step("run-a", 3)));
        assertThat(r.accepted()).isTrue();
        assertThat(r.kind()).isEqualTo(RecordKind.STEP_METRICS);
        assertThat(((StepMetrics) r.record()).getStep()).isEqualTo(3);
    }

    @Test
    void refusesATopicOutsideItsKindsAndOneWithoutThePrefix() {
        assertThat(keyed().decode(record("p." + RecordKind.EVAL_METRICS.topic(), "run-a",
                TestRecords.eval("run-a", 1, "val"))).rejection().reason()).isEqualTo(RejectReason.UNKNOWN_TOPIC);
        assertThat(keyed().decode(record(RecordKind.STEP_METRICS.topic(), "run-a",
                TestRecords.step("run-a", 1))).rejection().reason()).isEqualTo(RejectReason.UNKNOWN_TOPIC);
    }

    @Test
    void refusesAMissingOrForeignKeyOnlyWhenTheJobPlacesRecordsByKey() {
        String topic = "p." + RecordKind.STEP_METRICS.topic();
        StepMetrics s = TestRecords.step("run-a", 1);
        TelemetryDecoder.Result noKey = keyed().decode(record(topic, null, s));
        assertThat(noKey.rejection().reason()).isEqualTo(RejectReason.INCONSISTENT);
        assertThat(noKey.rejection().message()).contains("no Kafka key").contains("run-a");
        TelemetryDecoder.Result foreign = keyed().decode(record(topic, "x".repeat(500), s));
        assertThat(foreign.rejection().reason()).isEqualTo(RejectReason.INCONSISTENT);
        assertThat(foreign.rejection().message()).hasSizeLessThan(300);

        TelemetryDecoder unkeyed = new TelemetryDecoder("p.", RUN_KINDS, Limits.defaults(), false);
        assertThat(unkeyed.decode(record(topic, "other", s)).accepted()).isTrue();
        assertThat(unkeyed.decode(record(topic, null, s)).accepted()).isTrue();
    }

    @Test
    void returnsAnInvalidRecordDecodedWithItsRejectionSoAJobMayKeepIt() {
        StepMetrics nan = StepMetrics.newBuilder(TestRecords.step("run-a", 4)).setLoss(Double.NaN).build();
        TelemetryDecoder.Result r = keyed().decode(record("p." + RecordKind.STEP_METRICS.topic(), "run-a", nan));
        assertThat(r.rejection().reason()).isEqualTo(RejectReason.NON_FINITE_LOSS);
        assertThat(r.record()).isEqualTo(nan);
        // The key rule comes first for such a record: a diverged step under a foreign key is still refused for it.
        TelemetryDecoder.Result foreign = keyed().decode(record("p." + RecordKind.STEP_METRICS.topic(), "b", nan));
        assertThat(foreign.rejection().reason()).isEqualTo(RejectReason.INCONSISTENT);
    }

    @Test
    void refusesUndecodableBytes() {
        KafkaRecord garbage = new KafkaRecord("p." + RecordKind.STEP_METRICS.topic(), 0, 1, 0,
                "run-a".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2});
        assertThat(keyed().decode(garbage).rejection().reason()).isEqualTo(RejectReason.UNDECODABLE);
        assertThat(keyed().decode(garbage).record()).isNull();
    }
}
