package dev.runlaw.producers.importer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The scalar content of one TensorBoard {@code Event} protobuf, decoded straight from the wire format: only the
 * fields below are read, everything else (graphs, histograms, images, file_version) is skipped by wire type.
 * <pre>
 *   Event       { double wall_time = 1; int64 step = 2; Summary summary = 5; }
 *   Summary     { repeated Value value = 1; }
 *   Value       { string tag = 1; float simple_value = 2; TensorProto tensor = 8; }
 *   TensorProto { DataType dtype = 1; bytes tensor_content = 4; repeated float float_val = 5;
 *                 repeated double double_val = 6; }      DataType: DT_FLOAT = 1, DT_DOUBLE = 2
 * </pre>
 * (TensorFlow {@code core/util/event.proto}, {@code core/framework/summary.proto}, {@code tensor.proto}.) A value
 * is a scalar when it has {@code simple_value} (TF1, tensorboardX, PyTorch's SummaryWriter) or a tensor holding
 * exactly one float or double (TF2 {@code tf.summary.scalar}). Hand-decoded rather than generated with
 * protobuf-java: five fields do not justify a code generator and a runtime dependency.
 *
 * @param wallTime seconds since the epoch, 0 when absent
 * @param step     the event's step
 * @param scalars  the scalar values, in file order
 */
public record TensorBoardEvent(double wallTime, long step, List<Scalar> scalars) {
    /** One scalar summary value. */
    public record Scalar(String tag, double value) {
    }

    private static final int VARINT = 0;
    private static final int FIXED64 = 1;
    private static final int LEN = 2;
    private static final int FIXED32 = 5;

    /** Decodes an Event; throws {@link IllegalArgumentException} naming the problem if the bytes are not one. */
    public static TensorBoardEvent decode(byte[] b, int off, int len) {
        Wire w = new Wire(b, off, off + len);
        double wall = 0;
        long step = 0;
        List<Scalar> scalars = new ArrayList<>(2);
        while (w.more()) {
            long key = w.varint();
            int field = (int) (key >>> 3);
            int type = (int) (key & 7);
            if (field == 1 && type == FIXED64) {
                wall = Double.longBitsToDouble(w.fixed64());
            } else if (field == 2 && type == VARINT) {
                step = w.varint();
            } else if (field == 5 && type == LEN) {
                int n = w.length();
                summary(new Wire(b, w.pos, w.pos + n), scalars);
                w.pos += n;
            } else {
                w.skip(type);
            }
        }
        return new TensorBoardEvent(wall, step, scalars);
    }

    private static void summary(Wire w, List<Scalar> out) {
        while (w.more()) {
            long key = w.varint();
            if ((key >>> 3) == 1 && (key & 7) == LEN) {
                int n = w.length();
                value(new Wire(w.b, w.pos, w.pos + n), out);
                w.pos += n;
            } else {
                w.skip((int) (key & 7));
            }
        }
    }

    private static void value(Wire w, List<Scalar> out) {
        String tag = null;
        Double v = null;
        while (w.more()) {
            long key = w.varint();
            int field = (int) (key >>> 3);
            int type = (int) (key & 7);
            if (field == 1 && type == LEN) {
                int n = w.length();
                tag = new String(w.b, w.pos, n, StandardCharsets.UTF_8);
                w.pos += n;
            } else if (field == 2 && type == FIXED32) {
                v = (double) Float.intBitsToFloat(w.fixed32());
            } else if (field == 8 && type == LEN) {
                int n = w.length();
                v = tensorScalar(new Wire(w.b, w.pos, w.pos + n));
                w.pos += n;
            } else {
                w.skip(type);
            }
        }
        if (tag != null && v != null) {
            out.add(new Scalar(tag, v));
        }
    }

    /** The single float or double a scalar tensor holds, or null for anything else (strings, vectors, ints). */
    private static Double tensorScalar(Wire w) {
        long dtype = 0;
        List<Double> vals = new ArrayList<>(1);
        byte[] content = null;
        int contentOff = 0;
        int contentLen = 0;
        while (w.more()) {
            long key = w.varint();
            int field = (int) (key >>> 3);
            int type = (int) (key & 7);
            if (field == 1 && type == VARINT) {
                dtype = w.varint();
            } else if (field == 4 && type == LEN) {
                contentLen = w.length();
                content = w.b;
                contentOff = w.pos;
                w.pos += contentLen;
            } else if (field == 5 && type == LEN) { // packed floats
                int n = w.length();
                for (int end = w.pos + n; w.pos + 4 <= end; ) {
                    vals.add((double) Float.intBitsToFloat(w.fixed32()));
                }
            } else if (field == 5 && type == FIXED32) {
                vals.add((double) Float.intBitsToFloat(w.fixed32()));
            } else if (field == 6 && type == LEN) { // packed doubles
                int n = w.length();
                for (int end = w.pos + n; w.pos + 8 <= end; ) {
                    vals.add(Double.longBitsToDouble(w.fixed64()));
                }
            } else if (field == 6 && type == FIXED64) {
                vals.add(Double.longBitsToDouble(w.fixed64()));
            } else {
                w.skip(type);
            }
        }
        if (vals.size() == 1) {
            return vals.get(0);
        }
        if (content != null) {
            ByteBuffer c = ByteBuffer.wrap(content, contentOff, contentLen).order(ByteOrder.LITTLE_ENDIAN);
            if (dtype == 1 && contentLen == 4) {
                return (double) c.getFloat(contentOff);
            }
            if (dtype == 2 && contentLen == 8) {
                return c.getDouble(contentOff);
            }
        }
        return null;
    }

    /** A cursor over protobuf wire bytes; every read is bounds-checked. */
    private static final class Wire {
        final byte[] b;
        int pos;
        final int end;

        Wire(byte[] b, int pos, int end) {
            if (pos < 0 || end > b.length || pos > end) {
                throw new IllegalArgumentException("truncated protobuf message");
            }
            this.b = b;
            this.pos = pos;
            this.end = end;
        }

        boolean more() {
            return pos < end;
        }

        long varint() {
            long r = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) {
                    throw new IllegalArgumentException("truncated varint");
                }
                byte x = b[pos++];
                r |= (long) (x & 0x7f) << shift;
                if (x >= 0) {
                    return r;
                }
            }
            throw new IllegalArgumentException("varint longer than 10 bytes");
        }

        int length() {
            long n = varint();
            if (n < 0 || n > end - pos) {
                throw new IllegalArgumentException("length " + n + " runs past the end of the message");
            }
            return (int) n;
        }

        long fixed64() {
            need(8);
            long r = ByteBuffer.wrap(b, pos, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            pos += 8;
            return r;
        }

        int fixed32() {
            need(4);
            int r = ByteBuffer.wrap(b, pos, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            pos += 4;
            return r;
        }

        void skip(int type) {
            switch (type) {
                case VARINT -> varint();
                case FIXED64 -> {
                    need(8);
                    pos += 8;
                }
                case LEN -> {
                    int n = length(); // not "pos += length()": that would read pos before length() moves it
                    pos += n;
                }
                case FIXED32 -> {
                    need(4);
                    pos += 4;
                }
                default -> throw new IllegalArgumentException("unsupported protobuf wire type " + type);
            }
        }

        private void need(int n) {
            if (end - pos < n) {
                throw new IllegalArgumentException("truncated fixed-width field");
            }
        }
    }
}
