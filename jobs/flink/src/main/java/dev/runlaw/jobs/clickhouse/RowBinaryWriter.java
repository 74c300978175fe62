package dev.runlaw.jobs.clickhouse;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * Writes rows in ClickHouse's {@code RowBinary} format into a reusable, growable byte buffer.
 *
 * <p>A row is its columns' values back to back, in the order of the insert's column list, with no names and no
 * separators: {@code (U)Int8/16/32/64} little-endian fixed width; {@code Float32/64} little-endian IEEE 754 (NaN
 * and infinities are representable); {@code String} an unsigned LEB128 byte count then the UTF-8 bytes (a lone
 * surrogate becomes {@code ?}, as in {@link String#getBytes(java.nio.charset.Charset)}); {@code DateTime} UInt32
 * epoch seconds; {@code Enum8} its Int8 value; {@code Nullable(T)} one byte, 1 = NULL (nothing follows) or 0 then
 * a {@code T}; {@code Array(T)} a LEB128 element count then the elements. The format is the same in ClickHouse
 * 18.16 and current versions.
 *
 * <p>Each method writes one column value; the caller writes every column of the table in order (nothing here
 * knows the columns, so a mistake misaligns the row: {@code RowMapperTest} decodes every row against the types in
 * {@code sql/*.sql}). No allocation per value, and no boxing except where the caller passes boxed values.
 * Not thread-safe: one instance per task.
 */
public final class RowBinaryWriter {
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private byte[] buf = new byte[512];
    private int len;

    /** Starts a new row, discarding what was written before. */
    public RowBinaryWriter begin() {
        len = 0;
        return this;
    }

    /** A copy of the row written since {@link #begin()}. */
    public byte[] toByteArray() {
        return Arrays.copyOf(buf, len);
    }

    /** Bytes written since {@link #begin()}. */
    public int length() {
        return len;
    }

    // --- fixed-width numbers ---

    public RowBinaryWriter uint8(boolean value) {
        ensure(1);
        buf[len++] = (byte) (value ? 1 : 0);
        return this;
    }

    /** An {@code Enum8} column: the value ClickHouse's enum definition gives the name. */
    public RowBinaryWriter enum8(int value) {
        if (value < Byte.MIN_VALUE || value > Byte.MAX_VALUE) {
            throw new IllegalArgumentException("Enum8 value out of range: " + value);
        }
        ensure(1);
        buf[len++] = (byte) value;
        return this;
    }

    public RowBinaryWriter int32(int value) {
        ensure(4);
        putInt(value);
        return this;
    }

    /** {@code Int64}, and {@code UInt64} for values in {@code 0 .. Long.MAX_VALUE}. */
    public RowBinaryWriter int64(long value) {
        ensure(8);
        putLong(value);
        return this;
    }

    /**
     * A {@code DateTime} column: epoch seconds as UInt32.
     *
     * @throws IllegalArgumentException outside {@code 0 .. 2^32-1} (1970 .. 2106), which ClickHouse cannot hold
     */
    public RowBinaryWriter dateTime(long epochSeconds) {
        if (epochSeconds < 0 || epochSeconds > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("DateTime out of range (1970..2106): " + epochSeconds + " s");
        }
        ensure(4);
        putInt((int) epochSeconds);
        return this;
    }

    public RowBinaryWriter float32(float value) {
        ensure(4);
        putInt(Float.floatToRawIntBits(value));
        return this;
    }

    public RowBinaryWriter float64(double value) {
        ensure(8);
        putLong(Double.doubleToRawLongBits(value));
        return this;
    }

    // --- nullable ---

    /** {@code Nullable(Int64)}. */
    public RowBinaryWriter nullableInt64(Long value) {
        if (value == null) {
            return nullValue();
        }
        ensure(9);
        buf[len++] = 0;
        putLong(value);
        return this;
    }

    /** {@code Nullable(Float64)}. */
    public RowBinaryWriter nullableFloat64(Double value) {
        if (value == null) {
            return nullValue();
        }
        ensure(9);
        buf[len++] = 0;
        putLong(Double.doubleToRawLongBits(value));
        return this;
    }

    /** {@code Nullable(String)}. */
    public RowBinaryWriter nullableString(String value) {
        if (value == null) {
            return nullValue();
        }
        ensure(1);
        buf[len++] = 0;
        return string(value);
    }

    private RowBinaryWriter nullValue() {
        ensure(1);
        buf[len++] = 1;
        return this;
    }

    // --- strings ---

    /** A {@code String} column; {@code null} is written as the empty string. */
    public RowBinaryWriter string(String s) {
        if (s == null) {
            ensure(1);
            buf[len++] = 0;
            return this;
        }
        int n = s.length();
        int ascii = 0;
        while (ascii < n && s.charAt(ascii) < 0x80) {
            ascii++;
        }
        if (ascii == n) {
            ensure(5 + n);
            varint(n);
            putAscii(s, n);
            return this;
        }
        ensure(5 + utf8Length(s, ascii));
        varint(utf8Length(s, ascii));
        putUtf8(s, ascii);
        return this;
    }

    /** The byte count of {@code s} in UTF-8, given that its first {@code ascii} chars are ASCII. */
    private static int utf8Length(String s, int ascii) {
        int n = s.length();
        int bytes = ascii;
        for (int i = ascii; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                bytes += 1; // '?'
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    @SuppressWarnings("deprecation") // the low-byte copy is exactly right for ASCII, and intrinsic for Latin-1 strings
    private void putAscii(String s, int n) {
        s.getBytes(0, n, buf, len);
        len += n;
    }

    private void putUtf8(String s, int ascii) {
        putAscii(s, ascii);
        int n = s.length();
        for (int i = ascii; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                buf[len++] = (byte) c;
            } else if (c < 0x800) {
                buf[len++] = (byte) (0xC0 | (c >> 6));
                buf[len++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                buf[len++] = (byte) (0xF0 | (cp >> 18));
                buf[len++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                buf[len++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                buf[len++] = (byte) (0x80 | (cp & 0x3F));
            } else if (Character.isSurrogate(c)) {
                buf[len++] = '?';
            } else {
                buf[len++] = (byte) (0xE0 | (c >> 12));
                buf[len++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                buf[len++] = (byte) (0x80 | (c & 0x3F));
            }
        }
    }

    // --- arrays ---

    /** {@code Array(Int64)} from the first {@code n} values of {@code values}. */
    public RowBinaryWriter int64Array(long[] values, int n) {
        ensure(5 + 8 * n);
        varint(n);
        for (int i = 0; i < n; i++) {
            putLong(values[i]);
        }
        return this;
    }

    /** {@code Array(Int64)}; a null list is written as an empty array. */
    public RowBinaryWriter int64Array(List<Long> values) {
        int n = values == null ? 0 : values.size();
        ensure(5 + 8 * n);
        varint(n);
        for (int i = 0; i < n; i++) {
            putLong(values.get(i));
        }
        return this;
    }

    /** {@code Array(Int32)}; a null list is written as an empty array. */
    public RowBinaryWriter int32Array(List<Integer> values) {
        int n = values == null ? 0 : values.size();
        ensure(5 + 4 * n);
        varint(n);
        for (int i = 0; i < n; i++) {
            putInt(values.get(i));
        }
        return this;
    }

    /** {@code Array(Float32)}; a null list is written as an empty array. */
    public RowBinaryWriter float32Array(List<Float> values) {
        int n = values == null ? 0 : values.size();
        ensure(5 + 4 * n);
        varint(n);
        for (int i = 0; i < n; i++) {
            putInt(Float.floatToRawIntBits(values.get(i)));
        }
        return this;
    }

    /** {@code Array(Float64)}; a null collection is written as an empty array. */
    public RowBinaryWriter float64Array(Collection<Double> values) {
        int n = values == null ? 0 : values.size();
        ensure(5 + 8 * n);
        varint(n);
        if (n > 0) {
            for (Double v : values) {
                putLong(Double.doubleToRawLongBits(v));
            }
        }
        return this;
    }

    /** {@code Array(String)}; a null collection is an empty array, a null element an empty string. */
    public RowBinaryWriter stringArray(Collection<String> values) {
        int n = values == null ? 0 : values.size();
        ensure(5);
        varint(n);
        if (n > 0) {
            for (String v : values) {
                string(v);
            }
        }
        return this;
    }

    // --- primitives; callers have ensured the room ---

    /** Unsigned LEB128, as ClickHouse writes string lengths and array sizes. */
    private void varint(int v) {
        while ((v & ~0x7F) != 0) {
            buf[len++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[len++] = (byte) v;
    }

    private void putInt(int v) {
        INT_LE.set(buf, len, v);
        len += 4;
    }

    private void putLong(long v) {
        LONG_LE.set(buf, len, v);
        len += 8;
    }

    private void ensure(int extra) {
        if (len + extra > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
        }
    }
}
