package dev.runlaw.producers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runlaw.math.data.RunCurve;
import dev.runlaw.schema.RunStarted;
import dev.runlaw.schema.validate.Limits;
import dev.runlaw.schema.validate.RecordValidator;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

class SampleRunsTest {
    @Test
    void listsAndLoadsTheBundledRealCurves() {
        List<SampleRuns.Sample> samples = SampleRuns.list();
        assertThat(samples).extracting(SampleRuns.Sample::runId).containsExactly(
                "mpl-25m-cosine_24000", "mpl-25m-constant_24000", "mpl-25m-wsd_20000_24000", "mpl-100m-cosine_24000");
        for (SampleRuns.Sample s : samples) {
            RunCurve c = s.load();
            assertThat(c.firstStep()).isZero();
            assertThat(c.lastStep()).isBetween(23_999L, 24_000L);
            // Validation loss every 128 steps after warmup: ~170 points, in the range of these models.
            assertThat(c.measuredCount()).isBetween(150, 200);
            for (long step : c.measuredSteps()) {
                assertThat(c.lossAt(step)).isBetween(2.5, 6.0);
            }
            assertThat(c.lrAt(5000)).isBetween(3e-5, 3e-4);
        }
        assertThat(SampleRuns.get("mpl-100m/cosine_24000").totalParams()).isEqualTo(100_000_000L);
        assertThatThrownBy(() -> SampleRuns.get("nope")).isInstanceOf(NoSuchElementException.class);
    }

    @Test
    void sampleReplaysAsAValidRunOfItsFamily() {
        SampleRuns.Sample s = SampleRuns.get("mpl-25m-wsd_20000_24000");
        RecordValidator validator = new RecordValidator(Limits.defaults());
        List<SpecificRecord> out = new ArrayList<>();
        RunReplayer.Result r = s.replayer().withMaxFraction(0.1).replay(out::add);
        out.forEach(rec -> assertThat(validator.validate(rec)).isEmpty());
        RunStarted started = (RunStarted) out.get(0);
        assertThat(started.getFamilyId()).isEqualTo("mpl-25m");
        assertThat(started.getRunId()).isEqualTo("mpl-25m-wsd_20000_24000");
        assertThat(started.getTags().get("source")).isEqualTo("classpath:runlaw/sample-runs/mpl-25m/wsd_20000_24000.csv");
        assertThat(started.getLrPerStep()).hasSize((int) s.load().lastStep() + 1);
        assertThat(r.steps()).isEqualTo(2400);
    }

    @Test
    void provenanceNoticeShipsBesideTheCurves() throws Exception {
        try (InputStream in = SampleRuns.class.getClassLoader().getResourceAsStream("runlaw/sample-runs/NOTICE.md")) {
            assertThat(in).isNotNull();
            String notice = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(notice).contains("MIT (Copyright (c) 2025 Kairong Luo)")
                    .contains("8da9f1902602f3391b971a811e3cc51604541769").contains("untouched");
        }
    }
}
