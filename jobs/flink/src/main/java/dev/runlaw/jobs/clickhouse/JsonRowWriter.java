package dev.runlaw.jobs.clickhouse;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;


/**
 * Writes one JSON object (a ClickHouse {@code JSONEachRow} line) straight into a reusable UTF-8 byte buffer.
 *
 * <p>Hand-written instead of a general JSON library because the ingest path writes millions of small objects per
 * second: no intermediate strings for names, integers or escaped text, and the buffer is reused between rows.
 * Strings are escaped per RFC 8259 ({@code "}, {@code \}, control characters; a lone surrogate becomes {@code ?},
 * as in {@link String#getBytes(java.nio.charset.Charset)}).
 * Doubles use {@link Double#toString(double)} (e.g. {@code 1.0E-4}), which ClickHouse parses; non-finite
 * doubles are written as {@code null}, so callers validate values of non-nullable columns first.
 * Not thread-safe: one instance per task.
 */
public final class JsonRowWriter {
    private byte[] buf = new byte[512];
    private int len;
    private boolean first;

    /** Starts a new object, discarding what was written before. */
    public JsonRowWriter begin() {
        len = 0;
        put((byte) '{');
        first = true;
        return this;
    }

    /** Closes the object and returns a copy of its bytes (without a line separator). */
    public byte[] end() {
        put((byte) '}');
        return Arrays.copyOf(buf, len);
    }

    public JsonRowWriter field(String name, String value) {
        name(name);
        if (value == null) {
            nullValue();
        } else {
            string(value);
        }
        return this;
    }

    public JsonRowWriter field(String name, long value) {
        name(name);
        number(value);
        return this;
    }

    /** A nullable integer column: {@code null} when the value is. */
    public JsonRowWriter field(String name, Long value) {
        name(name);
        if (value == null) {
            nullValue();
        } else {
            number(value);
        }
        return this;
    }

    public JsonRowWriter field(String name, double value) {
        name(name);
        number(value);
        return this;
    }

    /** A nullable float column: {@code null} when the value is. */
    public JsonRowWriter field(String name, Double value) {
        name(name);
        if (value == null) {
            nullValue();
        } else {
            number(value);
        }
        return this;
    }

    public JsonRowWriter field(String name, boolean value) {
        name(name);
        put((byte) (value ? '1' : '0'));
        return this;
    }

    public JsonRowWriter longArray(String name, List<Long> values) {
        name(name);
        put((byte) '[');
        for (int i = 0, n = values.size(); i < n; i++) {
            if (i > 0) {
                put((byte) ',');
            }
            number(values.get(i));
        }
        put((byte) ']');
        return this;
    }

    public JsonRowWriter intArray(String name, List<Integer> values) {
        name(name);
        put((byte) '[');
        for (int i = 0, n = values.size(); i < n; i++) {
            if (i > 0) {
                put((byte) ',');
            }
            number(values.get(i));
        }
        put((byte) ']');
        return this;
    }

    /** An {@code Array(Float64)} column; a null collection is written as an empty array. */
    public JsonRowWriter doubleArray(String name, Iterable<Double> values) {
        name(name);
        put((byte) '[');
        if (values != null) {
            boolean firstElement = true;
            for (Double v : values) {
                if (!firstElement) {
                    put((byte) ',');
                }
                firstElement = false;
                number(v);
            }
        }
        put((byte) ']');
        return this;
    }

    public JsonRowWriter floatArray(String name, List<Float> values) {
        name(name);
        put((byte) '[');
        for (int i = 0, n = values.size(); i < n; i++) {
            if (i > 0) {
                put((byte) ',');
            }
            float f = values.get(i);
            if (Float.isFinite(f)) {
                ascii(Float.toString(f));
            } else {
                nullValue();
            }
        }
        put((byte) ']');
        return this;
    }

    public JsonRowWriter stringArray(String name, Iterable<String> values) {
        name(name);
        put((byte) '[');
        boolean firstElement = true;
        for (String v : values) {
            if (!firstElement) {
                put((byte) ',');
            }
            firstElement = false;
            string(v == null ? "" : v);
        }
        put((byte) ']');
        return this;
    }

    private void name(String name) {
        if (!first) {
            put((byte) ',');
        }
        first = false;
        put((byte) '"');
        ascii(name);
        put((byte) '"');
        put((byte) ':');
    }

    private void nullValue() {
        ensure(4);
        buf[len++] = 'n';
        buf[len++] = 'u';
        buf[len++] = 'l';
        buf[len++] = 'l';
    }

    private void number(double v) {
        if (Double.isFinite(v)) {
            ascii(Double.toString(v));
        } else {
            nullValue();
        }
    }

    private void number(long v) {
        if (v == Long.MIN_VALUE) {
            ascii(Long.toString(v));
            return;
        }
        ensure(20);
        if (v < 0) {
            buf[len++] = '-';
            v = -v;
        }
        int start = len;
        do {
            buf[len++] = (byte) ('0' + (v % 10));
            v /= 10;
        } while (v != 0);
        for (int i = start, j = len - 1; i < j; i++, j--) {
            byte t = buf[i];
            buf[i] = buf[j];
            buf[j] = t;
        }
    }

    @SuppressWarnings("deprecation") // the low-byte copy is exactly right for ASCII and much faster than charAt
    private void ascii(String s) {
        int n = s.length();
        ensure(n);
        s.getBytes(0, n, buf, len);
        len += n;
    }

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    /**
     * Encodes with the JDK's (vectorised) UTF-8 encoder, then copies the bytes, escaping the few that JSON needs
     * escaped. UTF-8 continuation bytes are negative and pass through untouched.
     */
    private void string(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        int n = utf8.length;
        ensure(n * 6 + 2); // worst case per byte: a 6-byte escape of a control character
        buf[len++] = '"';
        int runStart = 0;
        for (int i = 0; i < n; i++) {
            byte b = utf8[i];
            if ((b >= 0 && b < 0x20) || b == '"' || b == '\\') {
                System.arraycopy(utf8, runStart, buf, len, i - runStart);
                len += i - runStart;
                escape((char) b);
                runStart = i + 1;
            }
        }
        System.arraycopy(utf8, runStart, buf, len, n - runStart);
        len += n - runStart;
        buf[len++] = '"';
    }

    private void escape(char c) {
        buf[len++] = '\\';
        switch (c) {
            case '"' -> buf[len++] = '"';
            case '\\' -> buf[len++] = '\\';
            case '\n' -> buf[len++] = 'n';
            case '\r' -> buf[len++] = 'r';
            case '\t' -> buf[len++] = 't';
            case '\b' -> buf[len++] = 'b';
            case '\f' -> buf[len++] = 'f';
            default -> {
                buf[len++] = 'u';
                buf[len++] = '0';
                buf[len++] = '0';
                buf[len++] = HEX[c >> 4];
                buf[len++] = HEX[c & 0xF];
            }
        }
    }

    private void put(byte b) {
        ensure(1);
        buf[len++] = b;
    }

    private void ensure(int extra) {
        if (len + extra > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
        }
    }
}
