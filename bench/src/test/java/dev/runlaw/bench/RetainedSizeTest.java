package dev.runlaw.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.math.online.OnlineRunState;
import org.junit.jupiter.api.Test;

class RetainedSizeTest {
    @Test
    void countsAnArrayAsHeaderPlusElements() {
        long bytes = RetainedSize.of(new double[1000]);
        assertThat(bytes).isBetween(8000L + 12, 8000L + 24);
        assertThat(RetainedSize.objects(new double[1000])).isEqualTo(1);
    }

    @Test
    void followsReferencesAndCountsSharedObjectsOnce() {
        double[] shared = new double[100];
        Object[] root = {shared, shared};
        assertThat(RetainedSize.of(root)).isEqualTo(RetainedSize.of(new Object[2]) + RetainedSize.of(shared));
    }

    @Test
    void fittedOnlineStateStaysUnder64KiBWhateverTheRunLength() {
        OnlineRunState shortRun = SyntheticRun.fittedState(10_000, OnlineRunState.DEFAULT_CAPACITY);
        OnlineRunState longRun = SyntheticRun.fittedState(200_000, OnlineRunState.DEFAULT_CAPACITY);
        assertThat(shortRun.lastFit().ok()).as(shortRun.lastFit().toString()).isTrue();
        assertThat(longRun.lastFit().ok()).as(longRun.lastFit().toString()).isTrue();
        assertThat(longRun.storedPoints()).isLessThanOrEqualTo(OnlineRunState.DEFAULT_CAPACITY);
        long a = RetainedSize.of(shortRun);
        long b = RetainedSize.of(longRun);
        assertThat(b).isLessThanOrEqualTo(64 * 1024);
        assertThat(Math.abs(b - a)).as("retained bytes after 10k vs 200k steps").isLessThanOrEqualTo(256);
        // The engine's own accounting agrees with the measured layout to within 10 %.
        assertThat((double) longRun.memoryBytes()).isCloseTo(b, org.assertj.core.data.Percentage.withPercentage(10));
    }
}
