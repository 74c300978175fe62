package dev.runlaw.producers.importer;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import dev.runlaw.schema.StepMetrics;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hand-written Event decoder against events encoded by the reference protobuf runtime (protobuf-java,
 * {@link DynamicMessage}) from descriptors with TensorFlow's field numbers and types (proto3: repeated scalars
 * packed). Fields the decoder skips (file_version, graph_def, node_name, metadata, source_metadata) are present
 * too, so skipping by wire type is exercised on real encodings.
 */
class TensorBoardProtobufCrossCheckTest {
    static Descriptor event;
    static Descriptor summary;
    static Descriptor value;
    static Descriptor tensor;

    @TempDir
    Path dir;

    private static FieldDescriptorProto field(String name, int number, Type type, Label label, String typeName) {
        FieldDescriptorProto.Builder f = FieldDescriptorProto.newBuilder().setName(name).setNumber(number)
                .setType(type).setLabel(label);
        if (typeName != null) {
            f.setTypeName(typeName);
        }
        return f.build();
    }

    private static FieldDescriptorProto optional(String name, int number, Type type) {
        return field(name, number, type, Label.LABEL_OPTIONAL, null);
    }

    @BeforeAll
    static void descriptors() throws Exception {
        FileDescriptorProto file = FileDescriptorProto.newBuilder()
                .setName("tb_subset.proto").setPackage("tb").setSyntax("proto3")
                // tensorflow/core/framework/tensor.proto (DataType is an enum: a varint on the wire, as int32)
                .addMessageType(DescriptorProto.newBuilder().setName("TensorProto")
                        .addField(optional("dtype", 1, Type.TYPE_INT32))
                        .addField(optional("tensor_shape", 2, Type.TYPE_BYTES))
                        .addField(optional("version_number", 3, Type.TYPE_INT32))
                        .addField(optional("tensor_content", 4, Type.TYPE_BYTES))
                        .addField(field("float_val", 5, Type.TYPE_FLOAT, Label.LABEL_REPEATED, null))
                        .addField(field("double_val", 6, Type.TYPE_DOUBLE, Label.LABEL_REPEATED, null))
                        .addField(field("int_val", 7, Type.TYPE_INT32, Label.LABEL_REPEATED, null)))
                // tensorflow/core/framework/summary.proto
                .addMessageType(DescriptorProto.newBuilder().setName("Value")
                        .addField(optional("tag", 1, Type.TYPE_STRING))
                        .addField(optional("simple_value", 2, Type.TYPE_FLOAT))
                        .addField(optional("node_name", 7, Type.TYPE_STRING))
                        .addField(field("tensor", 8, Type.TYPE_MESSAGE, Label.LABEL_OPTIONAL, ".tb.TensorProto"))
                        .addField(optional("metadata", 9, Type.TYPE_BYTES)))
                .addMessageType(DescriptorProto.newBuilder().setName("Summary")
                        .addField(field("value", 1, Type.TYPE_MESSAGE, Label.LABEL_REPEATED, ".tb.Value")))
                // tensorflow/core/util/event.proto
                .addMessageType(DescriptorProto.newBuilder().setName("Event")
                        .addField(optional("wall_time", 1, Type.TYPE_DOUBLE))
                        .addField(optional("step", 2, Type.TYPE_INT64))
                        .addField(optional("file_version", 3, Type.TYPE_STRING))
                        .addField(optional("graph_def", 4, Type.TYPE_BYTES))
                        .addField(field("summary", 5, Type.TYPE_MESSAGE, Label.LABEL_OPTIONAL, ".tb.Summary"))
                        .addField(optional("source_metadata", 10, Type.TYPE_BYTES)))
                .build();
        FileDescriptor fd = FileDescriptor.buildFrom(file, new FileDescriptor[0]);
        tensor = fd.findMessageTypeByName("TensorProto");
        value = fd.findMessageTypeByName("Value");
        summary = fd.findMessageTypeByName("Summary");
        event = fd.findMessageTypeByName("Event");
    }

    private static DynamicMessage.Builder b(Descriptor d) {
        return DynamicMessage.newBuilder(d);
    }

    private static DynamicMessage eventOf(long step, double wall, DynamicMessage... values) {
        DynamicMessage.Builder s = b(summary);
        for (DynamicMessage v : values) {
            s.addRepeatedField(summary.findFieldByName("value"), v);
        }
        return b(event).setField(event.findFieldByName("wall_time"), wall)
                .setField(event.findFieldByName("step"), step)
                .setField(event.findFieldByName("summary"), s.build())
                .setField(event.findFieldByName("source_metadata"), ByteString.copyFromUtf8("writer=test"))
                .build();
    }

    private static DynamicMessage simple(String tag, float v) {
        return b(value).setField(value.findFieldByName("tag"), tag)
                .setField(value.findFieldByName("simple_value"), v)
                .setField(value.findFieldByName("node_name"), "ignored")
                .setField(value.findFieldByName("metadata"), ByteString.copyFrom(new byte[] {8, 1, 18, 0}))
                .build();
    }

    private static DynamicMessage tensorValue(String tag, DynamicMessage t) {
        return b(value).setField(value.findFieldByName("tag"), tag).setField(value.findFieldByName("tensor"), t)
                .build();
    }

    private static void write(Path f, List<DynamicMessage> events) throws IOException {
        try (OutputStream out = Files.newOutputStream(f)) {
            ImportFixtures.frame(out, b(event).setField(event.findFieldByName("wall_time"), 1.7e9)
                    .setField(event.findFieldByName("file_version"), "brain.Event:2").build().toByteArray());
            ImportFixtures.frame(out, b(event).setField(event.findFieldByName("graph_def"),
                    ByteString.copyFrom(new byte[300])).build().toByteArray());
            for (DynamicMessage e : events) {
                ImportFixtures.frame(out, e.toByteArray());
            }
        }
    }

    @Test
    void decodesSimpleValuesAndEveryScalarTensorEncodingAsTheReferenceRuntimeWritesThem() throws IOException {
        byte[] content = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(2.75f).array();
        byte[] contentD = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(1.0 / 3).array();
        List<DynamicMessage> events = List.of(
                eventOf(10, 1.75e9 + 0.25, simple("lm loss", 3.5f), simple("learning-rate", 1e-4f)),
                eventOf(20, 1.75e9 + 1, tensorValue("lm loss", b(tensor).setField(tensor.findFieldByName("dtype"), 1)
                        .addRepeatedField(tensor.findFieldByName("float_val"), 3.25f).build()),
                        simple("learning-rate", 2e-4f)),
                eventOf(30, 1.75e9 + 2, tensorValue("lm loss", b(tensor).setField(tensor.findFieldByName("dtype"), 1)
                        .setField(tensor.findFieldByName("tensor_content"), ByteString.copyFrom(content)).build()),
                        tensorValue("learning-rate", b(tensor).setField(tensor.findFieldByName("dtype"), 2)
                                .addRepeatedField(tensor.findFieldByName("double_val"), 3e-4).build())),
                eventOf(40, 1.75e9 + 3, tensorValue("lm loss", b(tensor).setField(tensor.findFieldByName("dtype"), 2)
                        .setField(tensor.findFieldByName("tensor_content"), ByteString.copyFrom(contentD)).build()),
                        // a vector is not a scalar: ignored, the step keeps the carried LR
                        tensorValue("learning-rate", b(tensor).setField(tensor.findFieldByName("dtype"), 1)
                                .addRepeatedField(tensor.findFieldByName("float_val"), 1f)
                                .addRepeatedField(tensor.findFieldByName("float_val"), 2f).build())),
                // a step number beyond 2^32 and a multi-byte varint
                eventOf(5_000_000_000L, 1.75e9 + 4, simple("lm loss", 2.5f), simple("learning-rate", 5e-5f)));
        Path f = dir.resolve("events.out.tfevents.ref");
        write(f, events);

        Harness h = new Harness(ImportFormat.TENSORBOARD, dir.resolve("state"));
        FileResult r = h.run(f, "ref");
        assertThat(r.malformed()).as(h.err()).isZero();
        List<StepMetrics> s = h.sink.steps();
        assertThat(s).extracting(StepMetrics::getStep).containsExactly(10L, 20L, 30L, 40L, 5_000_000_000L);
        assertThat(s).extracting(StepMetrics::getLoss)
                .containsExactly(3.5, 3.25, 2.75, 1.0 / 3, 2.5);
        assertThat(s).extracting(StepMetrics::getLr)
                .containsExactly((double) 1e-4f, (double) 2e-4f, 3e-4, 3e-4, (double) 5e-5f);
        assertThat(s.get(0).getWallTimeMs()).isEqualTo(1_750_000_000_250L);
    }
}
