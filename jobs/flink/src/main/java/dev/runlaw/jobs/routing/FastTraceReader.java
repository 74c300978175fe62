package dev.runlaw.jobs.routing;

import dev.runlaw.schema.RoutingTraceBatch;
import dev.runlaw.schema.validate.Limits;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.SchemaNormalization;

/**
 * Reads a RoutingTraceBatch written with the current schema straight from its Avro single-object bytes into
 * {@link SequenceFragment}s, without building Avro objects (a TokenRoute, two boxed lists and a String per route
 * cost more than the whole analysis of the route), checking as it goes every rule {@code RecordValidator} applies to
 * the batch, or stricter ones.
 *
 * <p>It answers only for batches it fully accepts; anything else (another writer schema, a malformed body, any rule
 * broken, a non-ASCII id) returns null, and the caller decodes the record the ordinary way
 * ({@link dev.runlaw.jobs.kafka.TelemetryDecoder}), which gives the verdict and the reason. So this reader can never
 * accept a batch the ordinary path would refuse, and refuses nothing itself. Not thread-safe: one per operator.
 *
 * <p>Body layout (Avro binary): source string, source_kind enum, step long, wall_time_ms long, tokens array of
 * {sequence_id string, token_position int, layer int, expert_ids array of int, gate_weights array of float}; ints and
 * longs zig-zag varints, strings and blocks length-prefixed, an array in blocks ending with a zero count.
 */
public final class FastTraceReader {
    private static final long FINGERPRINT = SchemaNormalization.parsingFingerprint64(
            RoutingTraceBatch.getClassSchema());
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class,
            ByteOrder.LITTLE_ENDIAN);
    /** As RecordValidator: epoch ms that fit ClickHouse's DateTime. */
    private static final long MAX_WALL_TIME_MS = 4_294_967_295_000L;
    private static final boolean[] ID_CHAR = new boolean[128];

    static {
        for (char c = 'a'; c <= 'z'; c++) {
            ID_CHAR[c] = true;
            ID_CHAR[Character.toUpperCase(c)] = true;
        }
        for (char c = '0'; c <= '9'; c++) {
            ID_CHAR[c] = true;
        }
        for (char c : "._:/@+-".toCharArray()) {
            ID_CHAR[c] = true;
        }
    }

    /** Thrown inside the reader to give up on a record; never escapes. */
    private static final class GiveUp extends Exception {
        static final GiveUp INSTANCE = new GiveUp();

        private GiveUp() {
            super(null, null, false, false);
        }
    }

    private final Limits limits;
    private byte[] buf;
    private int at;
    private int end;
    private int[] ids = new int[16];

    public FastTraceReader(Limits limits) {
        this.limits = limits;
    }

    /**
     * The fragments of {@code value}, a RoutingTraceBatch of {@code source} (its Kafka key), or null when this
     * reader does not vouch for the record (see the class comment).
     */
    public List<SequenceFragment> read(byte[] value, String source) {
        try {
            return readOrGiveUp(value, source);
        } catch (GiveUp | RuntimeException e) {
            return null;
        }
    }

    private List<SequenceFragment> readOrGiveUp(byte[] value, String source) throws GiveUp {
        if (value == null || value.length < 10 || value[0] != (byte) 0xC3 || value[1] != 0x01
                || (long) LONG_LE.get(value, 2) != FINGERPRINT) {
            throw GiveUp.INSTANCE;
        }
        buf = value;
        at = 10;
        end = value.length;
        String batchSource = asciiId();
        if (!batchSource.equals(source)) {
            throw GiveUp.INSTANCE;
        }
        int kind = readInt();
        long step = readLong();
        long wall = readLong();
        if (kind < 0 || kind > 1 || step < -1 || wall < 0 || wall > MAX_WALL_TIME_MS) {
            throw GiveUp.INSTANCE;
        }
        Map<String, FragmentBuilder> bySequence = new LinkedHashMap<>();
        FragmentBuilder current = null;
        int lastStart = -1;
        int lastLength = 0;
        int tokens = 0;
        for (long block = blockCount(); block != 0; block = blockCount()) {
            for (long i = 0; i < block; i++) {
                if (++tokens > limits.maxTokensPerBatch()) {
                    throw GiveUp.INSTANCE;
                }
                int len = length();
                // Consecutive routes of one sequence are the rule: compare bytes before making a String.
                if (current == null || len != lastLength
                        || !Arrays.equals(buf, at, at + len, buf, lastStart, lastStart + len)) {
                    String seq = asciiId(len);
                    current = bySequence.get(seq);
                    if (current == null) {
                        current = new FragmentBuilder(source, step, seq, wall);
                        bySequence.put(seq, current);
                    }
                    lastStart = at - len;
                    lastLength = len;
                } else {
                    at += len;
                }
                int position = readInt();
                int layer = readInt();
                if (position < 0 || layer < 0 || layer >= limits.maxLayers()) {
                    throw GiveUp.INSTANCE;
                }
                int k = readIds();
                readGates(k);
                current.add(position, layer, ids, k);
            }
        }
        if (tokens == 0) {
            throw GiveUp.INSTANCE;
        }
        List<SequenceFragment> out = new ArrayList<>(bySequence.size());
        for (FragmentBuilder b : bySequence.values()) {
            out.add(b.build());
        }
        return out;
    }

    /** expert_ids into {@link #ids}; returns the count. */
    private int readIds() throws GiveUp {
        int k = 0;
        for (long block = blockCount(); block != 0; block = blockCount()) {
            for (long i = 0; i < block; i++) {
                int id = readInt();
                if (id < 0 || id >= limits.maxExperts() || k >= limits.maxTopK()) {
                    throw GiveUp.INSTANCE;
                }
                if (k == ids.length) {
                    ids = Arrays.copyOf(ids, k * 2);
                }
                ids[k++] = id;
            }
        }
        if (k == 0) {
            throw GiveUp.INSTANCE;
        }
        return k;
    }

    /** gate_weights: none, or one finite weight per id. */
    private void readGates(int k) throws GiveUp {
        int n = 0;
        for (long block = blockCount(); block != 0; block = blockCount()) {
            for (long i = 0; i < block; i++) {
                if (at + 4 > end) {
                    throw GiveUp.INSTANCE;
                }
                float g = Float.intBitsToFloat((int) INT_LE.get(buf, at));
                at += 4;
                if (!Float.isFinite(g)) {
                    throw GiveUp.INSTANCE;
                }
                n++;
            }
        }
        if (n != 0 && n != k) {
            throw GiveUp.INSTANCE;
        }
    }

    /** An array block's item count; a negative count is followed by the block's byte size, skipped. */
    private long blockCount() throws GiveUp {
        long n = readLong();
        if (n < 0) {
            readLong();
            n = -n;
        }
        return n;
    }

    private int length() throws GiveUp {
        long n = readLong();
        if (n < 0 || n > end - at) {
            throw GiveUp.INSTANCE;
        }
        return (int) n;
    }

    private String asciiId() throws GiveUp {
        return asciiId(length());
    }

    /** The next {@code len} bytes as an id: 1..max-id-length of the id characters (ASCII), else give up. */
    private String asciiId(int len) throws GiveUp {
        if (len < 1 || len > limits.maxIdLength()) {
            throw GiveUp.INSTANCE;
        }
        for (int i = at; i < at + len; i++) {
            int c = buf[i];
            if (c < 0 || !ID_CHAR[c]) {
                throw GiveUp.INSTANCE;
            }
        }
        String s = new String(buf, at, len, StandardCharsets.US_ASCII);
        at += len;
        return s;
    }

    private int readInt() throws GiveUp {
        long v = readLong();
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw GiveUp.INSTANCE;
        }
        return (int) v;
    }

    /** A zig-zag varint. */
    private long readLong() throws GiveUp {
        long raw = 0;
        int shift = 0;
        while (true) {
            if (at >= end || shift > 63) {
                throw GiveUp.INSTANCE;
            }
            int b = buf[at++];
            raw |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
            shift += 7;
        }
        return (raw >>> 1) ^ -(raw & 1);
    }
}
