package dev.runlaw.math.routing;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

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
        List<IdSet> sets = new ArrayList<>(lc.bigSets.keySet());
        sets.sort(null);
        out.writeInt(sets.size());
        for (IdSet s : sets) {
            out.writeInt(s.ids().length);
            for (int id : s.ids()) {
                out.writeInt(id);
            }
            out.writeLong(lc.bigSets.get(s)[0]);
        }
    }

    private static void writeCounter(DataOutputStream out, LongCounter c) throws IOException {
        long[] keys = c.sortedKeys();
        out.writeInt(keys.length);
        for (long k : keys) {
            out.writeLong(k);
            out.writeLong(c.get(k));
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
            lc.bigSets.put(new IdSet(ids), new long[] {in.readLong()});
        }
    }

    private static void readCounter(DataInputStream in, LongCounter c) throws IOException {
        int n = count(in.readInt(), "entries");
        for (int i = 0; i < n; i++) {
            c.add(in.readLong(), in.readLong());
        }
    }

    private static int count(int n, String what) {
        if (n < 0 || n > (1 << 28)) {
            throw new IllegalArgumentException("bad count of " + what + ": " + n);
        }
        return n;
    }
}
