package dev.runlaw.producers.importer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.math.data.RunCurve;
import dev.runlaw.producers.RunDirectory;
import dev.runlaw.producers.SampleRuns;
import dev.runlaw.schema.StepMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CSV {@code step,lr,loss} import: real run files, malformed rows, seeded random garbage. */
class CsvImportTest {
    /** A real run (Luo et al. 2025, MIT) bundled with the producers as a sample run; see its NOTICE.md. */
    static final SampleRuns.Sample REAL = SampleRuns.get("mpl-25m/wsd_20000_24000");

    @TempDir
    Path dir;

    @Test
    void importsEveryRowOfARealRunAsOneStepMetricsWithLossOnlyWhereMeasured() throws IOException {
        Path real = dir.resolve("wsd_20000_24000.csv");
        try (InputStream in = CsvImportTest.class.getClassLoader().getResourceAsStream(REAL.resource())) {
            Files.copy(in, real);
        }
        RunCurve curve = RunDirectory.loadFile(real);
        Harness h = new Harness(ImportFormat.CSV, dir.resolve("state"));
        FileResult r = h.run(real, "wsd");

        assertThat(r.status()).isEqualTo(FileResult.Status.IMPORTED);
        assertThat(r.malformed()).isZero();
        List<StepMetrics> steps = h.sink.steps();
        assertThat(steps).hasSize(curve.length());
        long measured = java.util.Arrays.stream(curve.loss()).filter(v -> !Double.isNaN(v)).count();
        assertThat(steps.stream().filter(s -> s.getLoss() != null).count()).isEqualTo(measured).isGreaterThan(100);
        StepMetrics s2500 = steps.get((int) (2500 - curve.firstStep()));
        assertThat(s2500.getStep()).isEqualTo(2500);
        assertThat(s2500.getLr()).isEqualTo(curve.lr()[(int) (2500 - curve.firstStep())]);
        assertThat(s2500.getRunId()).isEqualTo("wsd");
        assertThat(s2500.getWallTimeMs()).isEqualTo(Harness.ORIGIN_MS + 2_500_000L);
        assertThat(r.lastSteps()).isEqualTo(Map.of("wsd", curve.lastStep()));
    }

    @Test
    void reportsMalformedRowsWithFileAndLineSkipsThemAndImportsTheRest() throws IOException {
        Path f = dir.resolve("bad.csv");
        Files.writeString(f, String.join("\n",
                "step,lr,loss",          // 1
                "0,0.0,",                // 2 ok, loss not measured
                "1,1e-4,3.5",            // 3 ok
                "two,1e-4,3.4",          // 4 step not an integer
                "3,NaN,3.3",             // 5 lr not finite
                "4,1e-4,-1",             // 6 loss <= 0
                "5,1e-4",                // 7 too few columns
                "",                      // 8 blank: skipped silently
                "6,-1e-4,3.1",           // 9 negative lr
                "7,1e-4,3.0") + "\n");   // 10 ok
        Harness h = new Harness(ImportFormat.CSV, dir.resolve("state"));
        FileResult r = h.run(f, "run");

        assertThat(h.sink.steps()).extracting(StepMetrics::getStep).containsExactly(0L, 1L, 7L);
        assertThat(r.malformed()).isEqualTo(5);
        assertThat(h.err()).contains(f + ":4: step is not an integer: 'two'")
                .contains(f + ":5: lr is not finite")
                .contains(f + ":6: loss must be > 0")
                .contains(f + ":7: expected 3 columns, got 2")
                .contains(f + ":9: lr must be >= 0")
                .doesNotContain(":8:").doesNotContain(":10:");
        assertThat(r.status()).isEqualTo(FileResult.Status.IMPORTED);
    }

    @Test
    void aFileWithoutTheRunFormatHeaderFailsAsAWhole() throws IOException {
        Path f = dir.resolve("noheader.csv");
        Files.writeString(f, "0,1e-4,3.0\n1,1e-4,2.9\n");
        Harness h = new Harness(ImportFormat.CSV, dir.resolve("state"));
        FileResult r = h.run(f, "run");
        assertThat(r.status()).isEqualTo(FileResult.Status.FAILED);
        assertThat(h.sink.records).isEmpty();
        assertThat(h.err()).contains(f + ":1: header must name the columns step,lr,loss");
    }

    @Test
    void seededRandomGarbageLinesAreCountedAndNeverCostAValidRow() throws IOException {
        Random rnd = new Random(20251122);
        List<String> valid = new ArrayList<>();
        for (int s = 0; s < 2000; s++) {
            valid.add(s + "," + (3e-4 * rnd.nextDouble()) + "," + (s % 7 == 0 ? "" : Double.toString(2 + rnd.nextDouble())));
        }
        List<String> lines = new ArrayList<>(valid);
        int garbage = 0;
        for (int i = 0; i < 300; i++) {
            lines.add(rnd.nextInt(lines.size() + 1), randomGarbage(rnd));
            garbage++;
        }
        lines.add(0, "step,lr,loss");
        Path f = dir.resolve("garbage.csv");
        Files.write(f, lines, StandardCharsets.UTF_8);

        Harness h = new Harness(ImportFormat.CSV, dir.resolve("state"));
        FileResult r = h.run(f, "g");

        // Every valid row arrives, each garbage line is either refused or (rarely) a row of its own.
        Map<Long, StepMetrics> byStep = h.sink.steps().stream()
                .collect(Collectors.toMap(StepMetrics::getStep, s -> s, (a, b) -> a));
        for (int s = 0; s < valid.size(); s++) {
            assertThat(byStep).containsKey((long) s);
        }
        assertThat(r.malformed() + h.sink.steps().size()).isEqualTo(valid.size() + garbage);
        assertThat(r.malformed()).isGreaterThan(250);
        assertThat(h.err().lines().filter(l -> l.matches(java.util.regex.Pattern.quote(f + ":") + "\\d+: .*")).count()).isEqualTo(20);
        assertThat(h.err()).contains((r.malformed() - 20) + " more malformed lines not shown");
    }

    /** Printable ASCII and a few multi-byte characters, never a newline, never blank. */
    static String randomGarbage(Random rnd) {
        StringBuilder sb = new StringBuilder();
        int n = 1 + rnd.nextInt(40);
        String alphabet = "0123456789,.,eE-+xyz \"{}[]:;\t\u00e9\u4e2d\u0000NaN";
        for (int i = 0; i < n; i++) {
            sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
        }
        return sb.toString().isBlank() ? "#" + sb : sb.toString();
    }

    @Test
    void withAnEvalSetEveryMeasuredLossIsAlsoAnEvalMetrics() throws IOException {
        Path f = dir.resolve("v.csv");
        Files.writeString(f, "step,lr,loss\n0,0,\n1,1e-4,3.5\n2,1e-4,\n3,1e-4,3.25\n");
        FileImporter.Options o = new FileImporter.Options(ImportFormat.CSV, ImportSettings.defaults(), "t", false,
                null, 1000, java.time.Duration.ofHours(1), java.time.Duration.ofSeconds(5), 20, false, "validation");
        ImportFixtures.ListSink sink = new ImportFixtures.ListSink();
        FileResult r = new FileImporter(sink, new CheckpointStore(dir.resolve("state")), o, System.err,
                () -> Harness.ORIGIN_MS).importFile(f, "v");
        List<dev.runlaw.schema.EvalMetrics> evals = sink.records.stream()
                .filter(dev.runlaw.schema.EvalMetrics.class::isInstance).map(dev.runlaw.schema.EvalMetrics.class::cast)
                .toList();
        assertThat(evals).extracting(e -> e.getStep(), e -> e.getLoss(), e -> e.getEvalSet(), e -> e.getWallTimeMs())
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1L, 3.5, "validation", Harness.ORIGIN_MS + 1000),
                        org.assertj.core.groups.Tuple.tuple(3L, 3.25, "validation", Harness.ORIGIN_MS + 3000));
        assertThat(sink.steps()).hasSize(4);
        assertThat(r.records()).isEqualTo(6);
    }
}
