package dev.runlaw.math.anomaly;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The envelope of every detector's state bytes: a format version byte, then the detector's own fields. Readers
 * refuse another version and turn truncated or corrupt bytes into an {@link IllegalArgumentException} naming the
 * detector, so a job reports bad state instead of failing on an {@link IOException}.
 */
final class StateBytes {
    /** Writes a detector's fields. */
    interface Writer {
        void write(DataOutput out) throws IOException;
    }

    /** Reads a detector back from its fields. */
    interface Reader<T> {
        T read(DataInput in) throws IOException;
    }

    private StateBytes() {
    }

    static byte[] write(int version, Writer fields) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(version);
            fields.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static <T> T read(byte[] state, int version, String what, Reader<T> fields) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(state))) {
            int v = in.readUnsignedByte();
            if (v != version) {
                throw new IllegalArgumentException("unknown " + what + " state version " + v);
            }
            return fields.read(in);
        } catch (IOException e) {
            throw new IllegalArgumentException(what + " state unreadable: " + e.getMessage(), e);
        }
    }
}
