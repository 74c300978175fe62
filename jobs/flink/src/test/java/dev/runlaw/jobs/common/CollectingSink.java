package dev.runlaw.jobs.common;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * A sink that keeps what it receives in memory, for workflow tests on a MiniCluster in the same JVM: the sink is
 * serialized to the task, so its elements go to a static registry under the sink's id.
 */
public final class CollectingSink<T> implements Sink<T>, AutoCloseable {
    private static final long serialVersionUID = 1L;
    private static final Map<String, List<Object>> RECEIVED = new ConcurrentHashMap<>();

    private final String id = UUID.randomUUID().toString();

    public CollectingSink() {
        RECEIVED.put(id, Collections.synchronizedList(new ArrayList<>()));
    }

    /** Everything received so far, in arrival order. */
    @SuppressWarnings("unchecked")
    public List<T> received() {
        List<Object> got = RECEIVED.get(id);
        synchronized (got) {
            return (List<T>) List.copyOf(got);
        }
    }

    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) {
        List<Object> target = RECEIVED.get(id);
        return new SinkWriter<>() {
            @Override
            public void write(T element, Context ctx) {
                target.add(element);
            }

            @Override
            public void flush(boolean endOfInput) {
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public void close() {
        RECEIVED.remove(id);
    }
}
