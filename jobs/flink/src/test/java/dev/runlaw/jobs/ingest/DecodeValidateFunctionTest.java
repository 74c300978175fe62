package dev.runlaw.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.jobs.kafka.DeadLetterEvent;
import dev.runlaw.jobs.kafka.DeadLetterSerializer;
import dev.runlaw.jobs.kafka.KafkaRecord;
import dev.runlaw.schema.ExpertLoad;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.codec.TelemetryCodec;
import dev.runlaw.schema.validate.Limits;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DecodeValidateFunctionTest {
    private static final TelemetryCodec CODEC = new TelemetryCodec();
    private static final long NOW = TestRecords.T0 + 123_456;
    private static final Limits LIMITS = new Limits(256, 16, 8, 64, 10, 1024, 1000, 16);

    private OneInputStreamOperatorTestHarness<KafkaRecord, ClickHouseRow> harness;
    private DecodeValidateFunction function;
    private long offset;

    @BeforeEach
    void open() throws Exception {
        function = new DecodeValidateFunction("p.", LIMITS, () -> NOW);
        harness = ProcessFunctionTestHarnesses.forProcessFunction(function);
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    private KafkaRecord send(RecordKind kind, byte[] value) throws Exception {
        KafkaRecord r = new KafkaRecord("p." + kind.topic(), 3, offset++, 1L, "run-a".getBytes(StandardCharsets.UTF_8), value);
        harness.processElement(r, 1L);
        return r;
    }

    private KafkaRecord send(SpecificRecord record) throws Exception {
        return send(RecordKind.of(record), CODEC.encode(record));
    }

    private List<ClickHouseRow> rows() {
        List<ClickHouseRow> out = new ArrayList<>();
        for (Object o : harness.getOutput()) {
            if (o instanceof StreamRecord<?> sr) {
                out.add((ClickHouseRow) sr.getValue());
            }
        }
        return out;
    }

    private List<DeadLetterEvent> deadLetters() {
        List<DeadLetterEvent> out = new ArrayList<>();
        var side = harness.getSideOutput(DecodeValidateFunction.DEAD_LETTERS);
        if (side != null) {
            side.forEach(sr -> out.add(sr.getValue()));
        }
        return out;
    }

    @Test
    void writesValidRecordsOfEveryKindToTheirTables() throws Exception {
        send(TestRecords.runStarted("run-a"));
        send(TestRecords.runFinished("run-a"));
        send(TestRecords.step("run-a", 1));
        send(TestRecords.eval("run-a", 1, "val"));
        send(TestRecords.expertLoad("run-a", 1, 0, 16));
        send(TestRecords.routing("run-a", 1, 3));
        send(TestRecords.movement("run-a", 1, 0, 1));
        assertThat(rows()).extracting(ClickHouseRow::table).containsExactly("runs", "run_finished", "step_metrics",
                "eval_metrics", "expert_load", "routing_trace", "routing_trace", "routing_trace", "data_movement");
        assertThat(SqlTables.decode(rows().get(2))).containsEntry("ingested_at_ms", NOW);
        for (ClickHouseRow row : rows()) {
            SqlTables.decode(row); // every row is exactly its table's columns
        }
        assertThat(deadLetters()).isEmpty();
        for (RecordKind k : RecordKind.values()) {
            assertThat(function.acceptedCount(k)).as(k.name()).isEqualTo(1);
        }
    }

    @Test
    void routesNonFiniteLossToDeadLetters() throws Exception {
        StepMetrics s = TestRecords.step("run-a", 1);
        s.setLoss(Double.NaN);
        assertRefused(send(s), "NON_FINITE_LOSS");
    }

    @Test
    void routesNegativeStepToDeadLetters() throws Exception {
        assertRefused(send(TestRecords.step("run-a", -5)), "NEGATIVE_STEP");
    }

    @Test
    void routesMissingRunIdToDeadLetters() throws Exception {
        assertRefused(send(TestRecords.step("  ", 1)), "MISSING_RUN_ID");
    }

    @Test
    void routesIdsOutsideTheIdCharacterSetToDeadLettersAsInvalidId() throws Exception {
        for (String hostile : new String[] {"x'; DROP TABLE step_metrics; --", "run\\'", "a b", "a\nb", "r\u00e9"}) {
            assertRefused(send(TestRecords.step(hostile, 1)), "INVALID_ID");
        }
        assertRefused(send(TestRecords.eval("run-a", 1, "val' OR '1'='1")), "INVALID_ID");
        assertThat(deadLetters()).hasSize(6);
    }

    @Test
    void routesTooManyExpertsToDeadLetters() throws Exception {
        ExpertLoad e = TestRecords.expertLoad("run-a", 1, 0, LIMITS.maxExperts() + 1);
        assertRefused(send(e), "OVER_LIMIT");
    }

    @Test
    void routesTooManyTokensToDeadLetters() throws Exception {
        assertRefused(send(TestRecords.routing("run-a", 1, LIMITS.maxTokensPerBatch() + 1)), "OVER_LIMIT");
    }

    @Test
    void routesGarbageBytesToDeadLetters() throws Exception {
        assertRefused(send(RecordKind.STEP_METRICS, "not avro at all".getBytes(StandardCharsets.UTF_8)), "UNDECODABLE");
        assertThat(deadLetters()).hasSize(1);
        assertRefused(send(RecordKind.STEP_METRICS, null), "UNDECODABLE");
    }

    @Test
    void routesUnknownFingerprintToDeadLetters() throws Exception {
        byte[] bytes = CODEC.encode(TestRecords.step("run-a", 1));
        bytes[2] ^= 0x5A; // the fingerprint follows the two marker bytes
        assertRefused(send(RecordKind.STEP_METRICS, bytes), "UNKNOWN_SCHEMA");
    }

    @Test
    void routesRecordFromUnknownTopicToDeadLetters() throws Exception {
        KafkaRecord r = new KafkaRecord("p.runlaw.other", 0, 9, 1L, null, new byte[] {1});
        harness.processElement(r, 1L);
        assertRefused(r, "UNKNOWN_TOPIC");
    }

    @Test
    void keepsGoingAfterBadRecords() throws Exception {
        send(RecordKind.EXPERT_LOAD, new byte[] {(byte) 0xC3, 0x01, 1, 2});
        send(TestRecords.step("run-a", 2));
        assertThat(deadLetters()).hasSize(1);
        assertThat(rows()).extracting(ClickHouseRow::table).containsExactly("dead_letters", "step_metrics");
        assertThat(function.refusedCount(dev.runlaw.schema.validate.RejectReason.UNDECODABLE)).isEqualTo(1);
        assertThat(function.acceptedCount(RecordKind.STEP_METRICS)).isEqualTo(1);
        assertThat(function.acceptedCount(RecordKind.EXPERT_LOAD)).isZero();
    }

    /** The last input produced exactly one dead letter with that reason, its bytes, and a dead_letters row. */
    private void assertRefused(KafkaRecord in, String reason) {
        List<DeadLetterEvent> dls = deadLetters();
        DeadLetterEvent d = dls.get(dls.size() - 1);
        assertThat(d.reasonCode()).isEqualTo(reason);
        assertThat(d.reason()).isNotBlank();
        assertThat(d.topic()).isEqualTo(in.topic());
        assertThat(d.partition()).isEqualTo(in.partition());
        assertThat(d.offset()).isEqualTo(in.offset());
        assertThat(d.key()).isEqualTo(in.key());
        assertThat(d.value()).isEqualTo(in.value());
        assertThat(d.failedAtMs()).isEqualTo(NOW);
        ClickHouseRow last = rows().get(rows().size() - 1);
        assertThat(last.table()).isEqualTo("dead_letters");
        assertThat(SqlTables.decode(last)).containsEntry("reason_code", reason).containsEntry("offset", in.offset())
                .containsEntry("topic", in.topic());
        assertThat(rows()).noneMatch(r -> !r.table().equals("dead_letters"));
        // Avro form for the topic round-trips with the original bytes.
        byte[] avro = DeadLetterSerializer.encode(d, "runlaw-ingest");
        try {
            var decoded = dev.runlaw.schema.DeadLetter.getDecoder().decode(avro);
            assertThat(decoded.getReasonCode()).isEqualTo(reason);
            assertThat(decoded.getRefusedBy()).isEqualTo("runlaw-ingest");
            byte[] v = decoded.getValue() == null ? null : Arrays.copyOfRange(decoded.getValue().array(),
                    decoded.getValue().arrayOffset() + decoded.getValue().position(),
                    decoded.getValue().arrayOffset() + decoded.getValue().limit());
            assertThat(v).isEqualTo(in.value());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
