package dev.runlaw.producers;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

/** A bar counting something other than steps (the importers count KiB of the file). */
class ProgressBarUnitTest {
    @Test
    void namesTheUnitItCounts() {
        ProgressBar bar = new ProgressBar("import x.csv", new PrintStream(new ByteArrayOutputStream()), true,
                () -> 0L, "KiB");
        bar.start(2048);
        assertThat(bar.render(512, 10_000, 1_000_000_000L))
                .isEqualTo("import x.csv  25.0%  512/2048 KiB  10.0k rec/s  ETA 0:03");
    }
}
