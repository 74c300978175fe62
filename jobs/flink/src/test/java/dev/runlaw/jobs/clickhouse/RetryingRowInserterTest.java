package dev.runlaw.jobs.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetryingRowInserterTest {
    /** Fails the first {@code failures} inserts with {@code error}, then succeeds. */
    static final class Flaky implements RowInserter {
        final int failures;
        final IOException error;
        int calls;

        Flaky(int failures, IOException error) {
            this.failures = failures;
            this.error = error;
        }

        @Override
        public void insert(String table, byte[] data, int length, int rows) throws IOException {
            if (++calls <= failures) {
                throw error;
            }
        }

        @Override
        public void close() {
        }
    }

    private final List<Long> sleeps = new ArrayList<>();
    private long now;

    private RetryingRowInserter retrying(RowInserter d, long retryForMs) {
        return new RetryingRowInserter(d, retryForMs, 250, 5_000, () -> now, ms -> {
            sleeps.add(ms);
            now += ms;
        });
    }

    private static IOException refused() {
        return new IOException("insert failed", new ConnectException("Connection refused"));
    }

    @Test
    void retriesARefusedConnectionWithDoublingBoundedBackoffUntilItSucceeds() throws IOException {
        Flaky d = new Flaky(8, refused());
        retrying(d, 120_000).insert("t", new byte[1], 1, 1);
        assertThat(d.calls).isEqualTo(9);
        assertThat(sleeps).containsExactly(250L, 500L, 1000L, 2000L, 4000L, 5000L, 5000L, 5000L);
    }

    @Test
    void givesUpWhenTheNextWaitWouldPassTheRetryWindow() {
        Flaky d = new Flaky(Integer.MAX_VALUE, refused());
        assertThatThrownBy(() -> retrying(d, 10_000).insert("t", new byte[1], 1, 1))
                .isInstanceOf(IOException.class).hasRootCauseInstanceOf(ConnectException.class);
        assertThat(sleeps.stream().mapToLong(Long::longValue).sum()).isLessThanOrEqualTo(10_000);
        assertThat(sleeps).containsExactly(250L, 500L, 1000L, 2000L, 4000L);
    }

    @Test
    void failsAtOnceWhenTheServerRefusesTheInsert() {
        Flaky d = new Flaky(1, new IOException("Code: 60. DB::Exception: Table runlaw.nope doesn't exist"));
        assertThatThrownBy(() -> retrying(d, 120_000).insert("t", new byte[1], 1, 1))
                .hasMessageContaining("doesn't exist");
        assertThat(d.calls).isEqualTo(1);
        assertThat(sleeps).isEmpty();
    }
}
