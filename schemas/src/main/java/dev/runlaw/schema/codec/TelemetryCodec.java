package dev.runlaw.schema.codec;

import dev.runlaw.schema.RecordKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * Avro single-object encoding of telemetry records: {@code 0xC3 0x01}, the 8-byte CRC-64-AVRO fingerprint of the
 * writer schema, then the binary body.
 *
 * <p>The decoder of each kind knows the current schema and every released version shipped under
 * {@code runlaw/schemas/released/vN/}, so records written by old producers are resolved into the current classes.
 * A record whose fingerprint is none of those is refused with {@link DecodeException.Kind#UNKNOWN_SCHEMA}.
 * Instances are thread-safe and cheap to share; build one per JVM.
 */
public final class TelemetryCodec {
    /** Released versions are probed v1, v2, ... until one is missing. */
    private static final String RELEASED = "runlaw/schemas/released/v%d/%s.avsc";

    private final Map<RecordKind, BinaryMessageEncoder<SpecificRecord>> encoders = new EnumMap<>(RecordKind.class);
    private final Map<RecordKind, BinaryMessageDecoder<SpecificRecord>> decoders = new EnumMap<>(RecordKind.class);
    private final Map<RecordKind, List<Schema>> released = new EnumMap<>(RecordKind.class);

    public TelemetryCodec() {
        SpecificData model = SpecificData.getForClass(dev.runlaw.schema.StepMetrics.class);
        for (RecordKind kind : RecordKind.values()) {
            encoders.put(kind, new BinaryMessageEncoder<>(model, kind.schema()));
            BinaryMessageDecoder<SpecificRecord> decoder = new BinaryMessageDecoder<>(model, kind.schema());
            List<Schema> versions = loadReleased(kind.schema().getName());
            versions.forEach(decoder::addSchema);
            decoders.put(kind, decoder);
            released.put(kind, Collections.unmodifiableList(versions));
        }
    }

    /** Encodes a record of any kind in single-object encoding. */
    public byte[] encode(SpecificRecord record) {
        BinaryMessageEncoder<SpecificRecord> encoder = encoders.get(RecordKind.of(record));
        try {
            ByteBuffer buf = encoder.encode(record);
            byte[] out = new byte[buf.remaining()];
            buf.get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Decodes bytes expected to hold a record of {@code kind}.
     *
     * @throws DecodeException with a reason naming what was wrong (bad header, unknown fingerprint, corrupt body)
     */
    public SpecificRecord decode(RecordKind kind, byte[] bytes) throws DecodeException {
        if (bytes == null || bytes.length == 0) {
            throw new DecodeException(DecodeException.Kind.UNDECODABLE, "empty value");
        }
        try {
            return decoders.get(kind).decode(bytes);
        } catch (MissingSchemaException e) {
            throw new DecodeException(DecodeException.Kind.UNKNOWN_SCHEMA,
                    "no known " + kind.schema().getName() + " schema has this fingerprint: " + e.getMessage());
        } catch (BadHeaderException e) {
            throw new DecodeException(DecodeException.Kind.UNDECODABLE,
                    "not Avro single-object encoding: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            // Avro signals a truncated or corrupt body with EOF, negative lengths or array bounds errors.
            throw new DecodeException(DecodeException.Kind.UNDECODABLE,
                    "corrupt " + kind.schema().getName() + " body: " + e.getClass().getSimpleName()
                            + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        }
    }

    /** Released schema versions of a kind, oldest first (v1 is index 0). */
    public List<Schema> releasedSchemas(RecordKind kind) {
        return released.get(kind);
    }

    private static List<Schema> loadReleased(String name) {
        List<Schema> out = new ArrayList<>();
        ClassLoader cl = TelemetryCodec.class.getClassLoader();
        for (int v = 1; ; v++) {
            try (InputStream in = cl.getResourceAsStream(String.format(RELEASED, v, name))) {
                if (in == null) {
                    return out;
                }
                out.add(new Schema.Parser().parse(in));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read released schema v" + v + " of " + name, e);
            }
        }
    }
}
