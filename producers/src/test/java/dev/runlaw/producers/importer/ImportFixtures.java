package dev.runlaw.producers.importer;

import dev.runlaw.schema.RoutingTraceBatch;
import dev.runlaw.schema.StepMetrics;
import dev.runlaw.schema.TokenRoute;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.apache.avro.specific.SpecificRecord;

/**
 * Test inputs written from scratch: TensorBoard event files (TFRecord frames with correct masked CRC-32C around
 * hand-encoded Event protobufs) and Megatron-LM router traces, plus an in-memory sink. Public so the end-to-end
 * test in {@code cli} can write the same files (through this module's test jar).
 */
public final class ImportFixtures {
    private ImportFixtures() {
    }

    /** Collects records in memory; {@code failNext} makes the next flush report failures. */
    public static final class ListSink implements RecordSink {
        public final List<SpecificRecord> records = new ArrayList<>();
        public int flushes;

        @Override
        public void send(SpecificRecord record) {
            records.add(record);
        }

        @Override
        public boolean flush(Duration timeout) {
            flushes++;
            return true;
        }

        @Override
        public long failed() {
            return 0;
        }

        public List<StepMetrics> steps() {
            return records.stream().filter(StepMetrics.class::isInstance).map(StepMetrics.class::cast).toList();
        }

        /** Identity keys of the routing_trace rows these batches become. */
        public Set<String> routeKeys() {
            Set<String> keys = new TreeSet<>();
            for (SpecificRecord r : records) {
                if (r instanceof RoutingTraceBatch b) {
                    for (TokenRoute t : b.getTokens()) {
                        keys.add(b.getSource() + "|" + b.getStep() + "|" + t.getLayer() + "|" + t.getSequenceId()
                                + "|" + t.getTokenPosition());
                    }
                }
            }
            return keys;
        }
    }

    // ---------------------------------------------------------------- TensorBoard

    /** One scalar to write: {@code tensor} = write it TF2-style as a one-float tensor instead of simple_value. */
    public record TbScalar(long step, double wallTime, String tag, float value, boolean tensor) {
    }

    /** Writes an event file: a file_version event first (as every writer does), then one event per scalar. */
    public static void writeEvents(Path file, List<TbScalar> scalars) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            frame(out, fileVersionEvent());
            for (TbScalar s : scalars) {
                frame(out, scalarEvent(s));
            }
        }
    }

    /** Event{wall_time=1, file_version=3:"brain.Event:2"}. */
    public static byte[] fileVersionEvent() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        tag(b, 1, 1);
        fixed64(b, Double.doubleToLongBits(1.7e9));
        bytesField(b, 3, "brain.Event:2".getBytes(StandardCharsets.UTF_8));
        return b.toByteArray();
    }

    public static byte[] scalarEvent(TbScalar s) {
        ByteArrayOutputStream value = new ByteArrayOutputStream();
        bytesField(value, 1, s.tag().getBytes(StandardCharsets.UTF_8));
        if (s.tensor()) {
            ByteArrayOutputStream tensor = new ByteArrayOutputStream();
            tag(tensor, 1, 0);
            varint(tensor, 1); // DT_FLOAT
            bytesField(tensor, 2, new byte[0]); // empty shape: a scalar
            ByteBuffer f = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(s.value());
            bytesField(tensor, 5, f.array()); // packed float_val
            bytesField(value, 8, tensor.toByteArray());
        } else {
            tag(value, 2, 5);
            int bits = Float.floatToIntBits(s.value());
            for (int i = 0; i < 4; i++) {
                value.write(bits >>> (8 * i));
            }
        }
        ByteArrayOutputStream summary = new ByteArrayOutputStream();
        bytesField(summary, 1, value.toByteArray());
        ByteArrayOutputStream event = new ByteArrayOutputStream();
        tag(event, 1, 1);
        fixed64(event, Double.doubleToLongBits(s.wallTime()));
        tag(event, 2, 0);
        varint(event, s.step());
        bytesField(event, 5, summary.toByteArray());
        return event.toByteArray();
    }

    /** Writes one TFRecord frame. */
    public static void frame(OutputStream out, byte[] data) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        h.putLong(0, data.length);
        h.putInt(8, TfRecordReader.maskedCrc32c(h.array(), 0, 8));
        out.write(h.array());
        out.write(data);
        out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(TfRecordReader.maskedCrc32c(data, 0, data.length)).array());
    }

    private static void tag(ByteArrayOutputStream b, int field, int type) {
        varint(b, ((long) field << 3) | type);
    }

    private static void varint(ByteArrayOutputStream b, long v) {
        while ((v & ~0x7FL) != 0) {
            b.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        b.write((int) v);
    }

    private static void fixed64(ByteArrayOutputStream b, long v) {
        for (int i = 0; i < 8; i++) {
            b.write((int) (v >>> (8 * i)));
        }
    }

    private static void bytesField(ByteArrayOutputStream b, int field, byte[] data) {
        tag(b, field, 2);
        varint(b, data.length);
        b.writeBytes(data);
    }

    // ---------------------------------------------------------------- Megatron

    /**
     * Writes {@code router_trace_rank<rank>.jsonl} as Megatron-LM's router tracer does: per step, per micro-batch,
     * one line per layer with {@code tokens} routed tokens, expert ids {@code (token * 7 + layer + step) % experts}
     * (and the next {@code topk - 1} ids). Returns the number of (token, layer) routes written.
     */
    public static long writeMegatronTrace(Path file, int rank, int steps, int microBatches, int layers, int tokens,
                                          int topk, int experts) throws IOException {
        long routes = 0;
        StringBuilder sb = new StringBuilder();
        try (var w = Files.newBufferedWriter(file)) {
            for (int step = 0; step < steps; step++) {
                for (int mb = 0; mb < microBatches; mb++) {
                    for (int layer = 0; layer < layers; layer++) {
                        sb.setLength(0);
                        sb.append(String.format(Locale.ROOT, "{\"step\": %d, \"stage\": \"pre_dispatch\", "
                                + "\"block\": \"decoder\", \"layer\": %d, \"rank\": %d, \"num_tokens\": %d, "
                                + "\"topk\": %d, \"top_indices\": [", step, layer, rank, tokens, topk));
                        for (int t = 0; t < tokens; t++) {
                            sb.append(t == 0 ? "[" : ", [");
                            for (int k = 0; k < topk; k++) {
                                sb.append(k == 0 ? "" : ", ").append((t * 7 + layer + step + k) % experts);
                            }
                            sb.append(']');
                        }
                        sb.append("]}\n");
                        w.write(sb.toString());
                        routes += tokens;
                    }
                }
            }
        }
        return routes;
    }
}
