package dev.runlaw.math.routing;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;

/**
 * The byte form of {@link RoutingCounts}: a version byte, the device count, the tokens, then per layer with records
 * its scalars, dense loads and sparse maps in key order (so equal counts give equal bytes), big-endian. For Flink
 * state and for shipping partial counts; corrupt or truncated bytes give an {@link IllegalArgumentException}.
 */
final class CountsCodec {
    private CountsCodec() {
    }

    static byte[] write(RoutingCounts c) {
        int[] layers = c.layers();
        long size = 1 + 4 + 8 + 4;
        for (int l : layers) {
            size += 4 + layerSize(c.peek(l));
        }
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalStateException("routing counts too large to serialise: " + size + " bytes");
        }
        ByteBuffer out = ByteBuffer.allocate((int) size);
        out.put((byte) RoutingCounts.VERSION);
        out.putInt(c.devices());
        out.putLong(c.tokens());
        out.putInt(layers.length);
        for (int l : layers) {
            out.putInt(l);
            writeLayer(out, c.peek(l));
        }
        return out.array();
    }

    private static long layerSize(LayerCounts lc) {
        long e = lc.usedExperts();
        long size = 8 * 3 + 4 + e * 8 + e * lc.devices * 8;
        size += 4 + 16L * lc.pairs.size() + 4 + 16L * lc.transitions.size() + 4;
        SetCounter sets = lc.bigSets;
        for (int s = 0; s < sets.size(); s++) {
            size += 4 + 4L * sets.length(s) + 8;
        }
        return size;
    }

    private static void writeLayer(ByteBuffer out, LayerCounts lc) {
        int e = lc.usedExperts();
        out.putLong(lc.records);
        out.putLong(lc.localityPairs);
        out.putLong(lc.localityHits);
        out.putInt(e);
        for (int i = 0; i < e; i++) {
            out.putLong(lc.load[i]);
        }
        for (int i = 0; i < e * lc.devices; i++) {
            out.putLong(lc.homeLoad[i]);
        }
        writeCounter(out, lc.pairs);
        writeCounter(out, lc.transitions);
        SetCounter sets = lc.bigSets;
        out.putInt(sets.size());
        for (int s : sets.sortedOrder()) {
            out.putInt(sets.length(s));
            for (int j = 0; j < sets.length(s); j++) {
                out.putInt(sets.id(s, j));
            }
            out.putLong(sets.count(s));
        }
    }

    private static void writeCounter(ByteBuffer out, PairCounter c) {
        out.putInt(c.size());
        c.forEach((a, b, n) -> {
            out.putInt(a);
            out.putInt(b);
            out.putLong(n);
        });
    }

    static RoutingCounts read(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            int v = in.get() & 0xff;
            if (v != RoutingCounts.VERSION) {
                throw new IllegalArgumentException("unknown routing counts version " + v);
            }
            int devices = in.getInt();
            if (devices < 1) {
                throw new IllegalArgumentException("bad device count " + devices);
            }
            RoutingCounts c = new RoutingCounts(devices);
            c.addTokens(in.getLong());
            int layers = count(in.getInt(), "layers");
            for (int i = 0; i < layers; i++) {
                int l = in.getInt();
                if (l < 0 || c.peek(l) != null) {
                    throw new IllegalArgumentException("bad or repeated layer " + l);
                }
                readLayer(in, c.layer(l));
            }
            if (in.hasRemaining()) {
                throw new IllegalArgumentException("trailing bytes");
            }
            return c;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("routing counts unreadable: truncated", e);
        }
    }

    private static void readLayer(ByteBuffer in, LayerCounts lc) {
        lc.records = in.getLong();
        lc.localityPairs = in.getLong();
        lc.localityHits = in.getLong();
        int e = count(in.getInt(), "experts");
        if ((long) e * 8 * (1 + lc.devices) > in.remaining()) {
            throw new IllegalArgumentException("routing counts unreadable: " + e + " experts but only "
                    + in.remaining() + " bytes left");
        }
        lc.ensureExperts(e);
        for (int i = 0; i < e; i++) {
            lc.load[i] = in.getLong();
        }
        for (int i = 0; i < e * lc.devices; i++) {
            lc.homeLoad[i] = in.getLong();
        }
        readCounter(in, lc.pairs);
        readCounter(in, lc.transitions);
        int sets = count(in.getInt(), "id sets");
        for (int i = 0; i < sets; i++) {
            int[] ids = new int[count(in.getInt(), "ids")];
            for (int k = 0; k < ids.length; k++) {
                ids[k] = in.getInt();
            }
            lc.bigSets.add(ids, 0, ids.length, in.getLong());
        }
    }

    private static void readCounter(ByteBuffer in, PairCounter c) {
        int n = count(in.getInt(), "entries");
        for (int i = 0; i < n; i++) {
            int a = in.getInt();
            int b = in.getInt();
            if (a < 0 || b < 0) {
                throw new IllegalArgumentException("bad expert pair " + a + ", " + b);
            }
            c.add(a, b, in.getLong());
        }
    }

    private static int count(int n, String what) {
        if (n < 0 || n > (1 << 28)) {
            throw new IllegalArgumentException("bad count of " + what + ": " + n);
        }
        return n;
    }
}
