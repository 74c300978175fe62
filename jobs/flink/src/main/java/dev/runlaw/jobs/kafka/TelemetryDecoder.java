package dev.runlaw.jobs.kafka;

import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.codec.DecodeException;
import dev.runlaw.schema.codec.TelemetryCodec;
import dev.runlaw.schema.validate.Limits;
import dev.runlaw.schema.validate.RecordValidator;
import dev.runlaw.schema.validate.RejectReason;
import dev.runlaw.schema.validate.Rejection;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;

/**
 * Turns a raw Kafka record into a telemetry record or the reason it cannot be used, the same way in every job: the
 * topic gives the {@link RecordKind}, the bytes are decoded ({@link TelemetryCodec}), checked against the
 * {@link Limits} ({@link RecordValidator}) and, where the job places records by their key, the key must be the
 * record's run id (or source). Not thread-safe: one per operator instance (create it in {@code open}).
 */
public final class TelemetryDecoder {

    /**
     * What a raw record turned out to be.
     *
     * @param kind      its kind, null when the topic is unknown
     * @param record    the decoded record, null when it could not be decoded
     * @param rejection why it is refused, null when it is accepted
     */
    public record Result(RecordKind kind, SpecificRecord record, Rejection rejection) {
        public boolean accepted() {
            return rejection == null;
        }
    }

    private final Map<String, RecordKind> kinds = new HashMap<>();
    private final TelemetryCodec codec = new TelemetryCodec();
    private final RecordValidator validator;
    private final boolean keyIsId;

    /**
     * @param topicPrefix prepended to each kind's topic
     * @param kinds       the kinds (topics) the job reads; a record from any other topic is refused
     * @param keyIsId     whether the Kafka key must be the record's run id or source (jobs keyed by it)
     */
    public TelemetryDecoder(String topicPrefix, Collection<RecordKind> kinds, Limits limits, boolean keyIsId) {
        for (RecordKind k : kinds) {
            this.kinds.put((topicPrefix == null ? "" : topicPrefix) + k.topic(), k);
        }
        this.validator = new RecordValidator(limits);
        this.keyIsId = keyIsId;
    }

    /**
     * Decodes and checks {@code in}. A record failing validation is returned decoded with its rejection, so a job
     * may still use a record whose fault it can live with (the forecast job keeps a step with a non-finite loss);
     * such a record has passed the key check.
     */
    public Result decode(KafkaRecord in) {
        RecordKind kind = kinds.get(in.topic());
        if (kind == null) {
            return new Result(null, null,
                    Rejection.of(RejectReason.UNKNOWN_TOPIC, "no record kind reads topic " + in.topic()));
        }
        SpecificRecord record;
        try {
            record = codec.decode(kind, in.value());
        } catch (DecodeException e) {
            RejectReason reason = e.kind() == DecodeException.Kind.UNKNOWN_SCHEMA
                    ? RejectReason.UNKNOWN_SCHEMA : RejectReason.UNDECODABLE;
            return new Result(kind, null, Rejection.of(reason, e.getMessage()));
        }
        Optional<Rejection> invalid = validator.validate(record);
        if (invalid.isPresent() && invalid.get().reason() == RejectReason.MISSING_RUN_ID) {
            return new Result(kind, record, invalid.get());
        }
        if (keyIsId) {
            String id = kind.keyOf(record);
            String key = in.key() == null ? null : new String(in.key(), StandardCharsets.UTF_8);
            if (!id.equals(key)) {
                // The job places a run by its key: a record under another key would join another run's state.
                return new Result(kind, record, Rejection.of(RejectReason.INCONSISTENT, key == null
                        ? "the record has no Kafka key; it must be the run id '" + id + "'"
                        : "Kafka key '" + shortened(key) + "' is not the record's run id '" + id + "'"));
            }
        }
        return new Result(kind, record, invalid.orElse(null));
    }

    /** A key as far as a reason needs to quote it (a key is not length-checked like an id). */
    private static String shortened(String key) {
        return key.length() <= 120 ? key : key.substring(0, 120) + "...";
    }
}
