package dev.runlaw.math.routing;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The byte form of {@link RoutingCounts}: a version byte, the device count, the tokens, then per layer with records
 * its scalars, dense loads and sparse maps in key order (so equal counts give equal bytes). For Flink state and for
 * shipping partial counts; corrupt or truncated bytes give an {@link IllegalArgumentException}.
 */
final class CountsCodec {
    private CountsCodec() {
    }

    static byte[] write(RoutingCounts c) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(RoutingCounts.VERSION);
            out.writeInt(c.devices());
            out.writeLong(c.tokens());
            int[] layers = c.layers();
            out.writeInt(layers.length);
            for (int l : layers) {
                out.writeInt(l);
                writeLayer(out, c.peek(l));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void writeLayer(DataOutputStream out, LayerCounts lc) throws IOException {
        int e = lc.usedExperts();
        out.writeLong(lc.records);
        out.writeLong(lc.localityPairs);
        out.writeLong(lc.localityHits);
        out.writeInt(e);
        for (int i = 0; i < e; i++) {
            out.writeLong(lc.load[i]);
        }
        for (int i = 0; i < e * lc.devices; i++) {
            out.writeLong(lc.homeLoad[i]);
        }
        writeCounter(out, lc.pairs);
        writeCounter(out, lc.transitions);
        SetCounter sets = lc.bigSets;
        out.writeInt(sets.size());
        for (int s : sets.sortedOrder()) {
            out.writeInt(sets.length(s));
            for (int j = 0; j < sets.length(s); j++) {
                out.writeInt(sets.id(s, j));
            }
            out.writeLong(sets.count(s));
        }
    }

    private static void writeCounter(DataOutputStream out, PairCounter c) throws IOException {
        out.writeInt(c.size());
        IOException[] failed = {null};
        c.forEach((a, b, n) -> {
            try {
                out.writeInt(a);
                out.writeInt(b);
                out.writeLong(n);
            } catch (IOException e) {
                failed[0] = e;
            }
        });
        if (failed[0] != null) {
            throw failed[0];
        }
    }

    static RoutingCounts read(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int v = in.readUnsignedByte();
            if (v != RoutingCounts.VERSION) {
                throw new IllegalArgumentException("unknown routing counts version " + v);
            }
            int devices = in.readInt();
            RoutingCounts c = new RoutingCounts(devices);
            c.addTokens(in.readLong());
            int layers = count(in.readInt(), "layers");
            for (int i = 0; i < layers; i++) {
                int l = in.readInt();
                if (l < 0 || c.peek(l) != null) {
                    throw new IllegalArgumentException("bad or repeated layer " + l);
                }
                readLayer(in, c.layer(l));
            }
            if (in.read() != -1) {
                throw new IllegalArgumentException("trailing bytes");
            }
            return c;
        } catch (IOException e) {
            throw new IllegalArgumentException("routing counts unreadable: " + e, e);
        }
    }

    private static void readLayer(DataInputStream in, LayerCounts lc) throws IOException {
        lc.records = in.readLong();
        lc.localityPairs = in.readLong();
        lc.localityHits = in.readLong();
        int e = count(in.readInt(), "experts");
        lc.ensureExperts(e);
        for (int i = 0; i < e; i++) {
            lc.load[i] = in.readLong();
        }
        for (int i = 0; i < e * lc.devices; i++) {
            lc.homeLoad[i] = in.readLong();
        }
        readCounter(in, lc.pairs);
        readCounter(in, lc.transitions);
        int sets = count(in.readInt(), "id sets");
        for (int i = 0; i < sets; i++) {
            int[] ids = new int[count(in.readInt(), "ids")];
            for (int k = 0; k < ids.length; k++) {
                ids[k] = in.readInt();
            }
            lc.bigSets.add(ids, 0, ids.length, in.readLong());
        }
    }

    private static void readCounter(DataInputStream in, PairCounter c) throws IOException {
        int n = count(in.readInt(), "entries");
        for (int i = 0; i < n; i++) {
            int a = in.readInt();
            int b = in.readInt();
            if (a < 0 || b < 0) {
                throw new IllegalArgumentException("bad expert pair " + a + ", " + b);
            }
            c.add(a, b, in.readLong());
        }
    }

    private static int count(int n, String what) {
        if (n < 0 || n > (1 << 28)) {
            throw new IllegalArgumentException("bad count of " + what + ": " + n);
        }
        return n;
    }
}
