package dev.runlaw.jobs.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runlaw.local.Await;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.ScheduledFuture;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.junit.jupiter.api.Test;

class ClickHouseSinkWriterTest {

    /** Records every insert as "table:rows:body". */
    private static final class FakeInserter implements RowInserter {
        final List<String> inserts = new ArrayList<>();
        boolean fail;
        boolean closed;

        @Override
        public void insert(String table, byte[] data, int length, int rows) throws IOException {
            if (fail) {
                throw new IOException("server down");
            }
            inserts.add(table + ":" + rows + ":" + new String(data, 0, length, StandardCharsets.UTF_8));
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    /** Manual clock; fires due timers on {@link #advance}. */
    private static final class ManualTime implements ProcessingTimeService {
        long now;
        final TreeMap<Long, List<ProcessingTimeCallback>> timers = new TreeMap<>();

        @Override
        public long getCurrentProcessingTime() {
            return now;
        }

        @Override
        public ScheduledFuture<?> registerTimer(long time, ProcessingTimeCallback cb) {
            timers.computeIfAbsent(time, t -> new ArrayList<>()).add(cb);
            return null;
        }

        void advance(long ms) throws Exception {
            now += ms;
            while (!timers.isEmpty() && timers.firstKey() <= now) {
                var e = timers.pollFirstEntry();
                for (ProcessingTimeCallback cb : e.getValue()) {
                    cb.onProcessingTime(e.getKey());
                }
            }
        }
    }

    private final FakeInserter inserter = new FakeInserter();
    private final ManualTime time = new ManualTime();

    /** The writer treats rows as opaque bytes and concatenates them, so readable text stands in for RowBinary. */
    private static ClickHouseRow row(String table, String bytes) {
        return new ClickHouseRow(table, bytes.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void sendsATableOnceItReachesTheRowBoundAndGroupsRowsPerTable() throws Exception {
        ClickHouseSinkWriter w = new ClickHouseSinkWriter(inserter, 2, 1 << 20, 1000, time, null, Runnable::run);
        w.write(row("a", "{\"x\":1}"), null);
        w.write(row("b", "{\"y\":1}"), null);
        assertThat(inserter.inserts).isEmpty();
        w.write(row("a", "{\"x\":2}"), null);
        assertThat(inserter.inserts).containsExactly("a:2:{\"x\":1}{\"x\":2}");
        assertThat(w.bufferedRows()).isEqualTo(1);
    }

    @Test
    void sendsATableOnceItReachesTheByteBound() throws Exception {
        ClickHouseSinkWriter w = new ClickHouseSinkWriter(inserter, 1000, 10, 1000, time, null, Runnable::run);
        w.write(row("a", "{\"x\":1}"), null);
        assertThat(inserter.inserts).isEmpty();
        w.write(row("a", "{\"x\":2}"), null);
        assertThat(inserter.inserts).hasSize(1);
    }

    @Test
    void flushBeforeCheckpointSendsEverythingBuffered() throws Exception {
        ClickHouseSinkWriter w = new ClickHouseSinkWriter(inserter, 100, 1 << 20, 1000, time, null, Runnable::run);
        w.write(row("a", "{}"), null);
        w.write(row("b", "{}"), null);
        w.flush(false);
        assertThat(inserter.inserts).containsExactly("a:1:{}", "b:1:{}");
        assertThat(w.bufferedRows()).isZero();
        w.flush(true);
        assertThat(inserter.inserts).hasSize(2);
    }

    @Test
    void timerSendsBufferedRowsAtLowTrafficAndKeepsTicking() throws Exception {
        ClickHouseSinkWriter w = new ClickHouseSinkWriter(inserter, 100, 1 << 20, 1000, time, null, Runnable::run);
        w.write(row("a", "{}"), null);
        time.advance(999);
        assertThat(inserter.inserts).isEmpty();
        time.advance(1);
        assertThat(inserter.inserts).containsExactly("a:1:{}");
        w.write(row("a", "{\"n\":2}"), null);
        time.advance(1000);
        assertThat(inserter.inserts).hasSize(2);
    }

    @Test
    void flushWaitsForTheInsertStillRunningOnTheIoThread() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        RowInserter slow = new RowInserter() {
            @Override
            public void insert(String table, byte[] data, int length, int rows) throws IOException {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                inserter.insert(table, data, length, rows);
            }

            @Override
            public void close() {
            }
        };
        var io = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            ClickHouseSinkWriter w = new ClickHouseSinkWriter(slow, 1, 1 << 20, 1000, time, null, io);
            w.write(row("a", "{\"n\":1}"), null); // hands the batch to the io thread, which blocks
            assertThat(inserter.inserts).isEmpty();
            var flusher = new java.util.concurrent.atomic.AtomicReference<Thread>();
            var flushed = java.util.concurrent.CompletableFuture.runAsync(() -> {
                flusher.set(Thread.currentThread());
                try {
                    w.flush(false);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            // The flush must park until the io thread is free: wait until it parks (or, wrongly, returns).
            Await.until(java.time.Duration.ofSeconds(10), "the flush to wait for the busy io thread", () -> {
                Thread t = flusher.get();
                return flushed.isDone() || t != null && (t.getState() == Thread.State.WAITING
                        || t.getState() == Thread.State.TIMED_WAITING);
            });
            assertThat(flushed).isNotDone();
            release.countDown();
            flushed.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(inserter.inserts).containsExactly("a:1:{\"n\":1}");
        } finally {
            io.shutdownNow();
        }
    }

    @Test
    void failedInsertFailsTheFlushSoTheCheckpointCannotComplete() throws Exception {
        ClickHouseSinkWriter w = new ClickHouseSinkWriter(inserter, 100, 1 << 20, 1000, time, null, Runnable::run);
        w.write(row("a", "{}"), null);
        inserter.fail = true;
        assertThatThrownBy(() -> w.flush(false)).isInstanceOf(IOException.class).hasMessageContaining("server down");
        w.close();
        assertThat(inserter.closed).isTrue();
    }
}
