package dev.runlaw.jobs.common;

import java.util.List;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.connector.datagen.functions.FromElementsGeneratorFunction;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;

/** Bounded in-memory sources (FLIP-27), standing in for Kafka in workflow tests. */
public final class BoundedSources {
    private BoundedSources() {
    }

    /**
     * A source emitting {@code elements} in order (run it at parallelism 1 to keep that order), then ending.
     *
     * @param elements at least one (the generator source cannot be empty)
     */
    public static <T> Source<T, ?, ?> of(Class<T> type, List<T> elements) {
        if (elements.isEmpty()) {
            throw new IllegalArgumentException("a bounded test source needs at least one element");
        }
        TypeInformation<T> info = TypeInformation.of(type);
        return new DataGeneratorSource<>(new FromElementsGeneratorFunction<>(info, new ExecutionConfig(), elements),
                elements.size(), info);
    }
}
