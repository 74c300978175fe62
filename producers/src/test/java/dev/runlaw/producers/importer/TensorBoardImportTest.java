package dev.runlaw.producers.importer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.producers.importer.ImportFixtures.TbScalar;
import dev.runlaw.schema.StepMetrics;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TensorBoard event files, written by {@link ImportFixtures#writeEvents} from the TFRecord and Event definitions
 * (no TensorFlow here): framing and CRCs, simple_value and tensor scalars, joining loss and LR per step,
 * corruption, a file cut mid-frame, and resuming in the middle of a step.
 */
class TensorBoardImportTest {
    @TempDir
    Path dir;

    /** Megatron-style: per step "lm loss" then "learning-rate"; odd steps write the LR first; every 3rd as tensor. */
    static List<TbScalar> run(int steps) {
        List<TbScalar> out = new ArrayList<>();
        for (int s = 1; s <= steps; s++) {
            double wall = 1_750_000_000.0 + s * 0.5;
            TbScalar loss = new TbScalar(s, wall, "lm loss", (float) (4.0 / Math.sqrt(s)), s % 3 == 0);
            TbScalar lr = new TbScalar(s, wall, "learning-rate", (float) (3e-4 * s / steps), false);
            TbScalar other = new TbScalar(s, wall, "grad-norm", 1.5f, false);
            if (s % 2 == 1) {
                out.addAll(List.of(lr, other, loss));
            } else {
                out.addAll(List.of(loss, other, lr));
            }
        }
        return out;
    }

    @Test
    void maskedCrcIsTheCastagnoliCrcRotatedAndOffsetAsTensorFlowStoresIt() {
        byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
        CRC32C c = new CRC32C();
        c.update(check);
        assertThat(c.getValue()).isEqualTo(0xE3069283L); // the CRC-32C check value
        int crc = 0xE3069283;
        assertThat(TfRecordReader.maskedCrc32c(check, 0, check.length))
                .isEqualTo(((crc >>> 15) | (crc << 17)) + 0xa282ead8);
    }

    @Test
    void joinsLossAndLearningRateOfEachStepWhateverTheirOrderAndReadsTensorScalars() throws IOException {
        Path f = dir.resolve("events.out.tfevents.1750000000.host.1.0");
        ImportFixtures.writeEvents(f, run(300));
        Harness h = new Harness(ImportFormat.TENSORBOARD, dir.resolve("state"));
        FileResult r = h.run(f, "tb");

        assertThat(r.malformed()).as(h.err()).isZero();
        List<StepMetrics> steps = h.sink.steps();
        assertThat(steps).hasSize(300);
        for (int s = 1; s <= 300; s++) {
            StepMetrics m = steps.get(s - 1);
            assertThat(m.getStep()).isEqualTo(s);
            assertThat(m.getLoss()).isEqualTo((double) (float) (4.0 / Math.sqrt(s)));
            assertThat(m.getLr()).isEqualTo((double) (float) (3e-4 * s / 300));
            assertThat(m.getWallTimeMs()).isEqualTo(Math.round((1_750_000_000.0 + s * 0.5) * 1000));
        }
        assertThat(r.lastSteps()).containsEntry("tb", 300L);
    }

    @Test
    void stepsWithoutTheirOwnLearningRateCarryTheLastOne() throws IOException {
        Path f = dir.resolve("events.out.tfevents.2");
        ImportFixtures.writeEvents(f, List.of(
                new TbScalar(1, 1e9, "loss", 3f, false),          // before any LR: 0
                new TbScalar(2, 1e9, "lr", 0.5f, false),          // LR only: a record with null loss
                new TbScalar(3, 1e9, "loss", 2f, false)));        // carries 0.5
        Harness h = new Harness(ImportFormat.TENSORBOARD, dir.resolve("state"));
        h.run(f, "tb");
        assertThat(h.sink.steps()).extracting(StepMetrics::getStep, StepMetrics::getLr, StepMetrics::getLoss)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1L, 0.0, 3.0),
                        org.assertj.core.groups.Tuple.tuple(2L, 0.5, null),
                        org.assertj.core.groups.Tuple.tuple(3L, 0.5, 2.0));
        assertThat(h.err()).contains(f + ": 1 steps came before any learning-rate tag");
    }

    @Test
    void aFrameWithABadDataCrcIsSkippedAndReportedAndAFrameCutAtTheEndIsLeftForLater() throws IOException {
        Path f = dir.resolve("events.out.tfevents.3");
        List<TbScalar> scalars = run(50);
        ImportFixtures.writeEvents(f, scalars);
        byte[] bytes = Files.readAllBytes(f);
        // Frame 1 is file_version; corrupt one byte inside the data of frame 2 (step 1's first scalar, the LR).
        int frame1 = 12 + ImportFixtures.fileVersionEvent().length + 4;
        bytes[frame1 + 12 + 3] ^= 0x55;
        Files.write(f, bytes);
        // A frame still being written: header and half the data.
        byte[] next = ImportFixtures.scalarEvent(new TbScalar(51, 1e9, "lm loss", 1f, false));
        java.io.ByteArrayOutputStream partial = new java.io.ByteArrayOutputStream();
        ImportFixtures.frame(partial, next);
        try (OutputStream out = Files.newOutputStream(f, StandardOpenOption.APPEND)) {
            out.write(partial.toByteArray(), 0, 12 + next.length / 2);
        }

        Harness h = new Harness(ImportFormat.TENSORBOARD, dir.resolve("state"));
        FileResult r = h.run(f, "tb");
        assertThat(r.malformed()).isEqualTo(1);
        assertThat(h.err()).contains(f + ":2: record data CRC mismatch");
        assertThat(h.sink.steps()).hasSize(50);
        assertThat(h.sink.steps().get(0).getLr()).isZero(); // step 1's LR frame was the corrupt one

        // The writer finishes the frame: the next import reads it and nothing else.
        try (OutputStream out = Files.newOutputStream(f, StandardOpenOption.APPEND)) {
            out.write(partial.toByteArray(), 12 + next.length / 2, partial.size() - 12 - next.length / 2);
        }
        Harness later = new Harness(ImportFormat.TENSORBOARD, dir.resolve("state"));
        FileResult r2 = later.run(f, "tb");
        assertThat(r2.status()).isEqualTo(FileResult.Status.IMPORTED);
        assertThat(later.sink.steps()).extracting(StepMetrics::getStep).containsExactly(51L);
    }

    @Test
    void aBadLengthCrcLosesTheFramingSoTheRestOfTheFileIsSkippedAndReported() throws IOException {
        Path f = dir.resolve("events.out.tfevents.4");
        ImportFixtures.writeEvents(f, run(20));
        byte[] bytes = Files.readAllBytes(f);
        int frame1 = 12 + ImportFixtures.fileVersionEvent().length + 4;
        bytes[frame1 + 9] ^= 0x01; // the length CRC of frame 2
        Files.write(f, bytes);
        Harness h = new Harness(ImportFormat.TENSORBOARD, dir.resolve("state"));
        FileResult r = h.run(f, "tb");
        assertThat(h.err()).contains(f + ":2: record length CRC mismatch");
        assertThat(r.malformed()).isEqualTo(1);
        assertThat(h.sink.steps()).isEmpty();
    }

    @Test
    void resumingInsideAStepReReadsTheWholeStepAndKeepsTheCarriedLearningRate() throws IOException {
        Path f = dir.resolve("events.out.tfevents.5");
        ImportFixtures.writeEvents(f, run(400));
        Path state = dir.resolve("state");
        // 1 + 3 frames per step; checkpoint every 50 records; stop in the middle of a step.
        Harness first = new Harness(ImportFormat.TENSORBOARD, state, ImportSettings.defaults(), 50, false);
        first.importer.stopAfterUnits(1 + 3 * 170 + 2);
        first.run(f, "tb");
        Harness second = new Harness(ImportFormat.TENSORBOARD, state, ImportSettings.defaults(), 50, false);
        FileResult r = second.run(f, "tb");
        assertThat(r.resumedFrom()).isPositive();

        Harness whole = new Harness(ImportFormat.TENSORBOARD, dir.resolve("state2"));
        whole.run(f, "tb");
        // Resumed records are exactly those of an uninterrupted import from the resume point on.
        List<StepMetrics> all = whole.sink.steps();
        List<StepMetrics> resumed = second.sink.steps();
        assertThat(resumed).isEqualTo(all.subList(all.size() - resumed.size(), all.size()));
        assertThat(resumed.get(0).getStep()).isEqualTo(151); // checkpoint after 150 steps
        java.util.Set<Long> union = new java.util.TreeSet<>();
        first.sink.steps().forEach(s -> union.add(s.getStep()));
        resumed.forEach(s -> union.add(s.getStep()));
        assertThat(union).hasSize(400);
    }
}
