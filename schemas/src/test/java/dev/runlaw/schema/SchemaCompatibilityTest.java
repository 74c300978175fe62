package dev.runlaw.schema;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.schema.codec.TelemetryCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/**
 * Every released schema version stays readable: the current schema of each kind must be able to read data written
 * with every released version, and the codec must decode old single-object fingerprints.
 */
class SchemaCompatibilityTest {
    private final TelemetryCodec codec = new TelemetryCodec();

    @Test
    void everyKindShipsAtLeastVersionOne() {
        for (RecordKind k : RecordKind.values()) {
            assertThat(codec.releasedSchemas(k)).as(k.name()).isNotEmpty();
        }
    }

    @Test
    void currentSchemaReadsEveryReleasedVersion() {
        for (RecordKind k : RecordKind.values()) {
            for (Schema old : codec.releasedSchemas(k)) {
                SchemaCompatibility.SchemaPairCompatibility c =
                        SchemaCompatibility.checkReaderWriterCompatibility(k.schema(), old);
                assertThat(c.getType()).as(k + " reading " + old.getFullName() + ": " + c.getDescription())
                        .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
            }
        }
    }

    @Test
    void releasedFilesCoverEveryCurrentSchemaAndTheLatestEqualsCurrent() throws IOException {
        // A changed .avsc must be released as a new version; an edit in place would orphan old fingerprints.
        Path released = Path.of("released");
        List<Path> versions;
        try (Stream<Path> s = Files.list(released)) {
            versions = s.filter(Files::isDirectory).sorted().toList();
        }
        assertThat(versions).isNotEmpty();
        for (RecordKind k : RecordKind.values()) {
            List<Schema> all = codec.releasedSchemas(k);
            Schema latest = all.get(all.size() - 1);
            // Compare fingerprints: the generated class adds Java-only properties that are not part of the schema.
            assertThat(SchemaNormalization.parsingFingerprint64(latest)).as("latest released " + k + " equals schemas/avro")
                    .isEqualTo(SchemaNormalization.parsingFingerprint64(k.schema()));
        }
    }

    @Test
    void decodesRecordsWrittenWithEveryReleasedVersion() throws Exception {
        for (SpecificRecord current : Samples.all()) {
            RecordKind k = RecordKind.of(current);
            for (Schema old : codec.releasedSchemas(k)) {
                // Write the sample as an old producer would: project it onto the old schema by field name (Avro
                // resolution drops the fields the old schema lacks).
                GenericRecord projected = toGeneric(current, k.schema(), old);
                byte[] bytes = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), old).encode(projected).array();
                SpecificRecord decoded = codec.decode(k, bytes);
                assertThat(decoded.getClass()).isEqualTo(k.type());
                assertThat(k.keyOf(decoded)).isEqualTo(k.keyOf(current));
            }
        }
    }

    @Test
    void runStartedOfEveryReleaseBeforeV4ReadsWithoutWeightDecayAndV4KeepsIt() throws Exception {
        // v4 added weight_decay (issue 11): older producers' records still decode, with the field null.
        List<Schema> versions = codec.releasedSchemas(RecordKind.RUN_STARTED);
        assertThat(versions).hasSizeGreaterThanOrEqualTo(3);
        RunStarted current = Samples.runStarted();
        for (Schema old : versions) {
            GenericRecord projected = toGeneric(current, RecordKind.RUN_STARTED.schema(), old);
            byte[] bytes = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), old).encode(projected).array();
            RunStarted decoded = (RunStarted) codec.decode(RecordKind.RUN_STARTED, bytes);
            boolean hasField = old.getField("weight_decay") != null;
            assertThat(decoded.getWeightDecay()).as(old.toString().length() + " chars schema")
                    .isEqualTo(hasField ? 0.1 : null);
            assertThat(decoded.getBatchSizeSequences()).isEqualTo(256L);
        }
        assertThat(versions.get(versions.size() - 1).getField("weight_decay")).isNotNull();
        assertThat(versions.get(0).getField("weight_decay")).isNull();
    }

    @Test
    void checkerRejectsAnIncompatibleChange() {
        // Guard that the compatibility check can fail: a new required field without default breaks old data.
        Schema v1 = RecordKind.STEP_METRICS.schema();
        String json = v1.toString().replaceFirst("\"fields\":\\[",
                "\"fields\":[{\"name\":\"new_required\",\"type\":\"long\"},");
        Schema broken = new Schema.Parser().parse(json);
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(broken, v1).getType())
                .isEqualTo(SchemaCompatibilityType.INCOMPATIBLE);
    }

    private static GenericRecord toGeneric(SpecificRecord r, Schema schema, Schema readAs) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        SpecificData.get().createDatumWriter(schema).write(r, enc);
        enc.flush();
        return new org.apache.avro.generic.GenericDatumReader<GenericRecord>(schema, readAs)
                .read(null, org.apache.avro.io.DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
    }
}
