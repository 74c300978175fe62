package dev.runlaw.jobs.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.CompositeType;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.api.java.typeutils.runtime.kryo.KryoSerializer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.transformations.PartitionTransformation;
import org.apache.flink.streaming.api.transformations.SideOutputTransformation;
import org.apache.flink.streaming.api.transformations.UnionTransformation;

/**
 * Checks on a job's transformations before it runs: every physical operator (sources, functions, sinks: every one
 * that may hold state) has a uid, so its state can be restored after the job changes; and every stream's element
 * type has a serializer that is not Kryo (POJO, Avro, basic or a type's own), so records and state can evolve.
 */
public final class WorkflowChecks {
    private WorkflowChecks() {
    }

    /** Every transformation reachable from the sinks of {@code env}, by id. */
    public static List<Transformation<?>> transformations(StreamExecutionEnvironment env) {
        // Walk the inputs (a broadcast transformation does not list its broadcast side as a transitive predecessor).
        Map<Integer, Transformation<?>> all = new LinkedHashMap<>();
        Deque<Transformation<?>> todo = new ArrayDeque<>(env.getTransformations());
        while (!todo.isEmpty()) {
            Transformation<?> t = todo.pop();
            if (all.putIfAbsent(t.getId(), t) == null) {
                todo.addAll(t.getInputs());
            }
        }
        return new ArrayList<>(all.values());
    }

    /** Asserts the uid and serializer rules on every transformation of {@code env}; returns their uids. */
    public static List<String> assertUidsAndNoKryo(StreamExecutionEnvironment env) {
        List<String> uids = new ArrayList<>();
        List<Transformation<?>> all = transformations(env);
        assertThat(all).isNotEmpty();
        for (Transformation<?> t : all) {
            boolean virtual = t instanceof PartitionTransformation || t instanceof SideOutputTransformation
                    || t instanceof UnionTransformation;
            if (!virtual) {
                assertThat(t.getUid()).as("uid of '%s'", t.getName()).isNotBlank();
                uids.add(t.getUid());
            }
            assertSerializedWithoutKryo(t.getOutputType(), env, t.getName());
        }
        return uids;
    }

    /** Asserts that {@code type} is not a generic type and its serializer is not Kryo. */
    public static void assertSerializedWithoutKryo(TypeInformation<?> type, StreamExecutionEnvironment env,
                                                   String what) {
        assertThat(type).as("type of %s", what).isNotInstanceOf(GenericTypeInfo.class);
        if (type instanceof CompositeType<?> c) {
            // A POJO or record with one generic field would still serialize that field with Kryo.
            for (int i = 0; i < c.getArity(); i++) {
                assertSerializedWithoutKryo(c.getTypeAt(i), env, what + "." + c.getFieldNames()[i]);
            }
        }
        TypeSerializer<?> serializer = type.createSerializer(env.getConfig().getSerializerConfig());
        assertThat(serializer).as("serializer of %s", what).isNotInstanceOf(KryoSerializer.class);
    }
}
