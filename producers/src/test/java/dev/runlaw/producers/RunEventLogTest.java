package dev.runlaw.producers;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class RunEventLogTest {
    /** An event with its Kafka offset. */
    private record Event(long offset) {
    }

    @Test
    void closingCancelsEveryWaiterOfARunWithoutTrippingOverTheirOwnCleanUp() {
        RunEventLog<Event> log = new RunEventLog<>(10, 10, Event::offset);
        // Several waiters on one run: each one's cancellation removes it from the run's list (next's clean-up).
        List<CompletableFuture<List<Event>>> waiting = List.of(log.next("r", -1), log.next("r", -1),
                log.next("r", 5), log.next("other", -1));
        log.cancelWaiters();
        assertThat(waiting).allMatch(CompletableFuture::isCancelled);
        // The log still works after: a new waiter completes with the next event.
        CompletableFuture<List<Event>> after = log.next("r", -1);
        log.add("r", new Event(7));
        assertThat(after).isCompletedWithValue(List.of(new Event(7)));
    }
}
