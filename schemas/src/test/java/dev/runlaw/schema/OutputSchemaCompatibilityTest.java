package dev.runlaw.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

/**
 * The jobs' output records (forecasts, advice, references, alerts, batch advice) stay compatible both ways with every released
 * version: new readers read old records, and consumers built on an older release read new records (a new enum
 * symbol, such as {@code ForecastStatus.IDLE_EXPIRED}, falls back to the enum's default).
 */
class OutputSchemaCompatibilityTest {
    private static final List<Schema> OUTPUTS = List.of(RunForecast.getClassSchema(), Advice.getClassSchema(),
            RunReference.getClassSchema(), Alert.getClassSchema(), BatchAdvice.getClassSchema());

    private static List<Schema> released(String name) throws IOException {
        List<Schema> out = new ArrayList<>();
        List<Path> versions;
        try (Stream<Path> s = Files.list(Path.of("released"))) {
            versions = s.filter(Files::isDirectory).sorted().toList();
        }
        for (Path v : versions) {
            Path f = v.resolve(name + ".avsc");
            if (Files.exists(f)) {
                out.add(new Schema.Parser().parse(f.toFile()));
            }
        }
        return out;
    }

    @Test
    void everyOutputIsReleasedAndCompatibleBothWaysWithEveryReleasedVersion() throws IOException {
        for (Schema current : OUTPUTS) {
            List<Schema> versions = released(current.getName());
            assertThat(versions).as(current.getName()).isNotEmpty();
            assertThat(SchemaNormalization.parsingFingerprint64(versions.get(versions.size() - 1)))
                    .as("latest released " + current.getName() + " equals schemas/avro")
                    .isEqualTo(SchemaNormalization.parsingFingerprint64(current));
            for (Schema old : versions) {
                assertThat(SchemaCompatibility.checkReaderWriterCompatibility(current, old).getType())
                        .as(current.getName() + " reads its old version").isEqualTo(SchemaCompatibilityType.COMPATIBLE);
                assertThat(SchemaCompatibility.checkReaderWriterCompatibility(old, current).getType())
                        .as("an old " + current.getName() + " reader reads the current version")
                        .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
            }
        }
    }

    @Test
    void aConsumerOfTheFirstForecastReleaseReadsIdleExpiredAsOk() throws IOException {
        Schema first = released("RunForecast").get(0);
        RunForecast f = RunForecast.newBuilder().setRunId("r1").setStep(5).setObservedPoints(3)
                .setStepWallTimeMs(1).setEmittedAtMs(2).setStatus(ForecastStatus.IDLE_EXPIRED)
                .setPlannedFinalStep(100).build();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<RunForecast>(RunForecast.getClassSchema()).write(f, enc);
        enc.flush();
        GenericRecord read = new GenericDatumReader<GenericRecord>(RunForecast.getClassSchema(), first)
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
        assertThat(read.get("status").toString()).isEqualTo("OK");
        assertThat(read.get("run_id").toString()).isEqualTo("r1");
    }
}
