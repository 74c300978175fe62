package dev.runlaw.producers.importer;

import dev.runlaw.producers.TelemetryProducer;
import java.io.IOException;
import java.time.Duration;
import org.apache.avro.specific.SpecificRecord;

/**
 * Where an import sends records, with the one guarantee resuming needs: after {@link #flush} returns true and
 * {@link #failed()} has not grown, every record sent before is acknowledged.
 */
public interface RecordSink {
    /** Sends one record, waiting for room if the sink is full (an import must not drop). */
    void send(SpecificRecord record) throws IOException;

    /** Waits until everything sent is acknowledged or failed; false on timeout. */
    boolean flush(Duration timeout);

    /** Records sent but never acknowledged, since the sink was created. */
    long failed();

    /**
     * A {@link TelemetryProducer} as a sink. The producer drops when its in-flight budget is full (right for a
     * trainer); an import instead waits for acknowledgements and tries again.
     */
    static RecordSink of(TelemetryProducer producer, Duration flushTimeout) {
        return new RecordSink() {
            @Override
            public void send(SpecificRecord record) throws IOException {
                if (producer.send(record)) {
                    return;
                }
                // Budget full: wait for acknowledgements in short slices, so records failing (a broker gone, a
                // topic missing) stop the import at once rather than after the whole timeout.
                long failedBefore = producer.counters().failed();
                long deadline = System.nanoTime() + flushTimeout.toNanos();
                while (!producer.flush(Duration.ofSeconds(1))) {
                    if (producer.counters().failed() > failedBefore) {
                        throw new IOException("Kafka does not acknowledge records: " + producer.counters());
                    }
                    if (System.nanoTime() > deadline) {
                        throw new IOException("Kafka acknowledged nothing for " + flushTimeout + " ("
                                + producer.counters() + ")");
                    }
                }
                // The budget is empty after a flush: a refusal now means a closed producer or a record larger than
                // the whole budget, neither of which waiting would fix.
                if (!producer.send(record)) {
                    throw new IOException("the producer refuses the record (closed, or larger than its in-flight "
                            + "budget): " + producer.counters());
                }
            }

            @Override
            public boolean flush(Duration timeout) {
                return producer.flush(timeout);
            }

            @Override
            public long failed() {
                return producer.counters().failed();
            }
        };
    }
}
