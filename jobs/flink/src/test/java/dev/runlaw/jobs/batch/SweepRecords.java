package dev.runlaw.jobs.batch;

import dev.runlaw.jobs.kafka.KafkaRecord;
import dev.runlaw.producers.SimulatedBatchSweep;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.codec.TelemetryCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;

/** A simulated batch-size sweep as raw Kafka records (key = run id), one run after the other. */
final class SweepRecords {
    private static final TelemetryCodec CODEC = new TelemetryCodec();

    private SweepRecords() {
    }

    static List<KafkaRecord> of(SimulatedBatchSweep sweep) {
        List<KafkaRecord> out = new ArrayList<>();
        long offset = 0;
        for (long b : sweep.batches()) {
            for (SpecificRecord r : sweep.run(b)) {
                out.add(record(r, offset++));
            }
        }
        return out;
    }

    static KafkaRecord record(SpecificRecord r, long offset) {
        RecordKind k = RecordKind.of(r);
        return new KafkaRecord(k.topic(), 0, offset, 0, k.keyOf(r).getBytes(StandardCharsets.UTF_8),
                CODEC.encode(r));
    }
}
