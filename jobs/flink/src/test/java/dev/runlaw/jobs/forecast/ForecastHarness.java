package dev.runlaw.jobs.forecast;

import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.jobs.kafka.KafkaRecord;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.RunForecast;
import dev.runlaw.schema.RunReference;
import dev.runlaw.schema.Topics;
import dev.runlaw.schema.codec.TelemetryCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.runtime.state.TestableKeyedStateBackend;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;

/** The forecast function in an operator test harness, with what the tests read from it. */
final class ForecastHarness implements AutoCloseable {
    private static final TelemetryCodec CODEC = new TelemetryCodec();

    final KeyedBroadcastOperatorTestHarness<String, KafkaRecord, KafkaRecord, ClickHouseRow> h;
    private long offset;

    ForecastHarness(ForecastConfig config, FaultHook faults) throws Exception {
        h = ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction(new RunForecastFunction(config, faults),
                ForecastJob::runKey, Types.STRING, RunForecastFunction.REFERENCES);
    }

    /** A telemetry record as the Kafka source delivers it (key = run id). */
    KafkaRecord kafka(SpecificRecord r) {
        RecordKind k = RecordKind.of(r);
        return new KafkaRecord(k.topic(), 0, offset++, 0, k.keyOf(r).getBytes(StandardCharsets.UTF_8),
                CODEC.encode(r));
    }

    void feed(SpecificRecord r) throws Exception {
        h.processElement(kafka(r), 0);
    }

    void feedAll(List<? extends SpecificRecord> records) throws Exception {
        for (SpecificRecord r : records) {
            feed(r);
        }
    }

    void broadcast(RunReference r) throws Exception {
        ByteBuffer b = r.toByteBuffer();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        h.processBroadcastElement(new KafkaRecord(Topics.RUN_REFERENCES, 0, offset++, 0,
                r.getRunId().getBytes(StandardCharsets.UTF_8), bytes), 0);
    }

    /** Outputs so far: ClickHouse rows plus topic records. */
    int outputs() {
        var side = h.getSideOutput(RunForecastFunction.KAFKA);
        return h.extractOutputValues().size() + (side == null ? 0 : side.size());
    }

    List<ClickHouseRow> rows(String table) {
        return h.extractOutputValues().stream().filter(r -> r.table().equals(table)).toList();
    }

    List<RunForecast> forecasts() throws Exception {
        List<RunForecast> out = new ArrayList<>();
        for (KafkaOut k : records(Topics.FORECASTS)) {
            out.add(RunForecast.fromByteBuffer(ByteBuffer.wrap(k.value())));
        }
        return out;
    }

    List<RunReference> references() throws Exception {
        List<RunReference> out = new ArrayList<>();
        for (KafkaOut k : records(Topics.RUN_REFERENCES)) {
            out.add(RunReference.fromByteBuffer(ByteBuffer.wrap(k.value())));
        }
        return out;
    }

    private List<KafkaOut> records(String topic) {
        List<KafkaOut> out = new ArrayList<>();
        var side = h.getSideOutput(RunForecastFunction.KAFKA);
        if (side != null) {
            for (StreamRecord<KafkaOut> r : side) {
                if (r.getValue().topic().equals(topic)) {
                    out.add(r.getValue());
                }
            }
        }
        return out;
    }

    /** Keyed state entries (state name × key) held now. */
    int keyedStateEntries() {
        AbstractStreamOperator<?> op = (AbstractStreamOperator<?>) h.getOperator();
        return ((TestableKeyedStateBackend<?>) op.getKeyedStateBackend()).numKeyValueStateEntries();
    }

    /** Bytes of the keyed state (values and timers) in a snapshot taken now. */
    long keyedStateBytes(long checkpointId) throws Exception {
        OperatorSubtaskState s = h.snapshot(checkpointId, checkpointId);
        long bytes = 0;
        for (KeyedStateHandle k : s.getManagedKeyedState()) {
            bytes += k.getStateSize();
        }
        for (KeyedStateHandle k : s.getRawKeyedState()) {
            bytes += k.getStateSize();
        }
        return bytes;
    }

    @Override
    public void close() throws Exception {
        h.close();
    }
}
