package dev.runlaw.schema.codec;

import dev.runlaw.schema.RecordKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
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
 *
 * <p>Decoding reads the header itself and runs the resolving reader of that fingerprint over the byte array,
 * rather than through Avro's {@code BinaryMessageDecoder}, which reads the body byte by byte from a
 * {@code ByteArrayInputStream} (a synchronized call per byte): same result, a good deal cheaper per record.
 */
public final class TelemetryCodec {
    /**
     * Released versions are probed v1 .. v{@value #MAX_VERSION}: a version holds only the schemas it changed (v3
     * released no telemetry kind, v4 released RunStarted), so a kind's versions may have gaps.
     */
    private static final String RELEASED = "runlaw/schemas/released/v%d/%s.avsc";
    private static final int MAX_VERSION = 64;

    private final Map<RecordKind, BinaryMessageEncoder<SpecificRecord>> encoders = new EnumMap<>(RecordKind.class);
    /** Per kind: writer-schema fingerprint → reader resolving that writer schema into the current class. */
    private final Map<RecordKind, Map<Long, DatumReader<SpecificRecord>>> readers = new EnumMap<>(RecordKind.class);
    /** Reused per thread: binaryDecoder(array, reuse) only repoints it at the next array. */
    private static final ThreadLocal<BinaryDecoder> DECODER = new ThreadLocal<>();
    private static final int HEADER = 10;
    private final Map<RecordKind, List<Schema>> released = new EnumMap<>(RecordKind.class);

    public TelemetryCodec() {
        SpecificData model = SpecificData.getForClass(dev.runlaw.schema.StepMetrics.class);
        for (RecordKind kind : RecordKind.values()) {
            encoders.put(kind, new BinaryMessageEncoder<>(model, kind.schema()));
            List<Schema> versions = loadReleased(kind.schema().getName());
            Map<Long, DatumReader<SpecificRecord>> byFingerprint = new HashMap<>();
            for (Schema writer : versions) {
                byFingerprint.put(SchemaNormalization.parsingFingerprint64(writer), reader(model, writer, kind.schema()));
            }
            byFingerprint.put(SchemaNormalization.parsingFingerprint64(kind.schema()),
                    reader(model, kind.schema(), kind.schema()));
            readers.put(kind, byFingerprint);
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
        if (bytes.length < HEADER) {
            throw new DecodeException(DecodeException.Kind.UNDECODABLE,
                    "not Avro single-object encoding: only " + bytes.length + " bytes");
        }
        if (bytes[0] != (byte) 0xC3 || bytes[1] != 0x01) {
            throw new DecodeException(DecodeException.Kind.UNDECODABLE,
                    String.format("not Avro single-object encoding: header bytes 0x%02X%02X", bytes[0], bytes[1]));
        }
        long fingerprint = (long) LONG_LE.get(bytes, 2);
        DatumReader<SpecificRecord> reader = readers.get(kind).get(fingerprint);
        if (reader == null) {
            throw new DecodeException(DecodeException.Kind.UNKNOWN_SCHEMA,
                    "no known " + kind.schema().getName() + " schema has this fingerprint: " + fingerprint);
        }
        try {
            BinaryDecoder in = DecoderFactory.get().binaryDecoder(bytes, HEADER, bytes.length - HEADER, DECODER.get());
            DECODER.set(in);
            return reader.read(null, in);
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

    @SuppressWarnings("unchecked")
    private static DatumReader<SpecificRecord> reader(SpecificData model, Schema writer, Schema reader) {
        return (DatumReader<SpecificRecord>) model.createDatumReader(writer, reader);
    }

    private static final java.lang.invoke.VarHandle LONG_LE = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
            long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    private static List<Schema> loadReleased(String name) {
        List<Schema> out = new ArrayList<>();
        ClassLoader cl = TelemetryCodec.class.getClassLoader();
        for (int v = 1; v <= MAX_VERSION; v++) {
            try (InputStream in = cl.getResourceAsStream(String.format(RELEASED, v, name))) {
                if (in == null) {
                    continue;
                }
                out.add(new Schema.Parser().parse(in));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read released schema v" + v + " of " + name, e);
            }
        }
        return out;
    }
}
