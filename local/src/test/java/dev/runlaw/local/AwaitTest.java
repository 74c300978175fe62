package dev.runlaw.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link Await}: returns once the condition holds, times out with what it waited for, passes probe failures on. */
class AwaitTest {
    @Test
    void returnsAsSoonAsTheConditionHolds() throws InterruptedException {
        AtomicInteger polls = new AtomicInteger();
        Await.until(Duration.ofSeconds(10), "the third poll", () -> polls.incrementAndGet() == 3);
        assertThat(polls).hasValue(3);
        assertThat(Await.until(Duration.ofSeconds(10), "a value of 5", polls::incrementAndGet, v -> v >= 5))
                .isEqualTo(5);
    }

    @Test
    void timesOutNamingWhatItWaitedForAndTheLastValue() {
        AtomicInteger polls = new AtomicInteger();
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> Await.until(Duration.ofMillis(200), "rows in step_metrics", polls::incrementAndGet,
                v -> v < 0))
                .isInstanceOf(Await.TimeoutException.class)
                .hasMessageStartingWith("timed out after PT0.2S waiting for rows in step_metrics; last value: ");
        // It polled more than once and did not overrun the timeout by more than one long pause (plus slack).
        assertThat(polls.get()).isGreaterThan(1);
        assertThat((System.nanoTime() - t0) / 1e6).isBetween(200.0, 200.0 + Await.MAX_POLL_MS + 2_000);
        assertThatThrownBy(() -> Await.until(Duration.ZERO, () -> "state " + polls.get(), () -> false))
                .hasMessage("timed out after PT0S waiting for state " + polls.get());
    }

    @Test
    void aFailingProbeEndsTheWaitWithItsException() {
        assertThatThrownBy(() -> Await.until(Duration.ofSeconds(10), "x", () -> {
            throw new IllegalArgumentException("bad");
        })).isInstanceOf(IllegalArgumentException.class).hasMessage("bad");
        assertThatThrownBy(() -> Await.until(Duration.ofSeconds(10), "the server", () -> {
            throw new IOException("refused");
        })).isInstanceOf(IllegalStateException.class).hasMessageContaining("waiting for the server")
                .hasRootCauseInstanceOf(IOException.class);
    }
}
