package dev.runlaw.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runlaw.schema.codec.DecodeException;
import dev.runlaw.schema.codec.TelemetryCodec;
import java.util.Arrays;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

class TelemetryCodecTest {
    private final TelemetryCodec codec = new TelemetryCodec();

    @Test
    void roundTripsEveryKindInSingleObjectEncoding() throws Exception {
        for (SpecificRecord r : Samples.all()) {
            RecordKind kind = RecordKind.of(r);
            byte[] bytes = codec.encode(r);
            assertThat(bytes[0]).isEqualTo((byte) 0xC3);
            assertThat(bytes[1]).isEqualTo((byte) 0x01);
            long fp = SchemaNormalization.parsingFingerprint64(kind.schema());
            byte[] header = Arrays.copyOfRange(bytes, 2, 10);
            // the fingerprint is written little-endian
            long read = 0;
            for (int i = 7; i >= 0; i--) {
                read = (read << 8) | (header[i] & 0xFF);
            }
            assertThat(read).isEqualTo(fp);
            assertThat(codec.decode(kind, bytes)).isEqualTo(r);
        }
    }

    @Test
    void refusesUnknownFingerprintAsUnknownSchema() {
        byte[] bytes = codec.encode(Samples.step());
        bytes[5] ^= 0x5A;
        assertThatThrownBy(() -> codec.decode(RecordKind.STEP_METRICS, bytes))
                .isInstanceOfSatisfying(DecodeException.class,
                        e -> assertThat(e.kind()).isEqualTo(DecodeException.Kind.UNKNOWN_SCHEMA));
    }

    @Test
    void refusesRecordOfAnotherKindOnTheWrongTopic() {
        byte[] bytes = codec.encode(Samples.eval());
        assertThatThrownBy(() -> codec.decode(RecordKind.STEP_METRICS, bytes))
                .isInstanceOfSatisfying(DecodeException.class,
                        e -> assertThat(e.kind()).isEqualTo(DecodeException.Kind.UNKNOWN_SCHEMA));
    }

    @Test
    void refusesGarbageTruncatedAndEmptyBytesAsUndecodable() {
        byte[] good = codec.encode(Samples.routing());
        byte[][] bad = {
            "hello, not avro".getBytes(), Arrays.copyOf(good, good.length / 2), new byte[0], null,
            {(byte) 0xC3, 0x01, 1, 2}
        };
        for (byte[] b : bad) {
            assertThatThrownBy(() -> codec.decode(RecordKind.ROUTING_TRACE, b))
                    .isInstanceOfSatisfying(DecodeException.class,
                            e -> assertThat(e.kind()).isIn(DecodeException.Kind.UNDECODABLE,
                                    DecodeException.Kind.UNKNOWN_SCHEMA));
        }
        assertThatThrownBy(() -> codec.decode(RecordKind.ROUTING_TRACE, "hello, not avro".getBytes()))
                .isInstanceOfSatisfying(DecodeException.class,
                        e -> assertThat(e.kind()).isEqualTo(DecodeException.Kind.UNDECODABLE));
    }

    @Test
    void topicsAreDistinctAndResolvable() {
        for (RecordKind k : RecordKind.values()) {
            assertThat(RecordKind.forTopic(k.topic())).contains(k);
        }
        assertThat(RecordKind.forTopic("nope")).isEmpty();
        assertThat(RecordKind.forTopic(RecordKind.DEAD_LETTER_TOPIC)).isEmpty();
    }
}
