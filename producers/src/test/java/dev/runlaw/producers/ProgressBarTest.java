package dev.runlaw.producers;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final AtomicLong clock = new AtomicLong();

    @Test
    void rendersPercentRateAndEta() {
        ProgressBar bar = new ProgressBar("replay", out, true, clock::get);
        bar.start(24_000);
        assertThat(bar.render(6_000, 12_000, 2_000_000_000L))
                .isEqualTo("replay  25.0%  6000/24000 steps  6.0k rec/s  ETA 0:06");
        assertThat(bar.render(24_000, 3_000_000, 1_000_000_000L))
                .isEqualTo("replay 100.0%  24000/24000 steps  3.00M rec/s  done in 0:01");
    }

    @Test
    void redrawsOneLineInPlaceAtMostFiveTimesASecond() {
        ProgressBar bar = new ProgressBar("x", out, true, clock::get);
        bar.start(100);
        for (int i = 1; i <= 100; i++) {
            clock.addAndGet(10_000_000L); // 10 ms per step: 1 s in all
            bar.update(i, i);
        }
        bar.finish(100, 100);
        String s = bytes.toString(StandardCharsets.UTF_8);
        long redraws = s.chars().filter(c -> c == '\r').count();
        assertThat(redraws).isBetween(5L, 7L);
        assertThat(s).endsWith("\n").doesNotContain("\n\r");
        assertThat(s.indexOf('\n')).isEqualTo(s.length() - 1);
    }

    @Test
    void disabledBarPrintsNothing() {
        ProgressBar bar = new ProgressBar("x", out, false, clock::get);
        bar.start(10);
        bar.update(5, 5);
        bar.finish(10, 10);
        assertThat(bytes.size()).isZero();
        assertThat(ProgressBar.disabled().enabled()).isFalse();
    }
}
