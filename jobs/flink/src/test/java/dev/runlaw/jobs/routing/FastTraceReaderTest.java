package dev.runlaw.jobs.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.schema.RoutingTraceBatch;
import dev.runlaw.schema.SourceKind;
import dev.runlaw.schema.TokenRoute;
import dev.runlaw.schema.codec.TelemetryCodec;
import dev.runlaw.schema.validate.Limits;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The fast reader gives exactly the decoder's fragments, and steps aside for every batch it cannot vouch for. */
class FastTraceReaderTest {
    private static final TelemetryCodec CODEC = new TelemetryCodec();
    private static final Limits LIMITS = Limits.defaults();

    @Test
    void readsTheSameFragmentsAsTheAvroDecoder() {
        RoutingTestTraces traces = new RoutingTestTraces("run-1", 3, 5, 9, 3, 16, 3, 5);
        FastTraceReader reader = new FastTraceReader(LIMITS);
        for (RoutingTraceBatch b : traces.batches) {
            assertThat(reader.read(CODEC.encode(b), "run-1")).isEqualTo(TraceFragments.of(b));
        }
    }

    @Test
    void leavesEveryDoubtfulBatchToTheDecoder() {
        FastTraceReader reader = new FastTraceReader(LIMITS);
        RoutingTraceBatch good = batch(t -> t);
        assertThat(reader.read(CODEC.encode(good), "run-1")).hasSize(2);
        assertThat(reader.read(CODEC.encode(good), "run-2")).as("another source").isNull();
        assertThat(reader.read(new byte[] {(byte) 0xC3, 1, 2, 3}, "run-1")).as("garbage").isNull();
        byte[] truncated = CODEC.encode(good);
        assertThat(reader.read(java.util.Arrays.copyOf(truncated, truncated.length - 3), "run-1")).isNull();
        List<UnaryOperator<TokenRoute>> bad = List.of(
                t -> withIds(t, List.of(LIMITS.maxExperts())),
                t -> withIds(t, List.of()),
                t -> { t.setGateWeights(List.of(0.5f)); return t; },
                t -> { t.setGateWeights(List.of(Float.NaN, 1f)); return t; },
                t -> { t.setTokenPosition(-1); return t; },
                t -> { t.setLayer(LIMITS.maxLayers()); return t; },
                t -> { t.setSequenceId("seq 1"); return t; },
                t -> { t.setSequenceId("séq"); return t; });
        for (UnaryOperator<TokenRoute> b : bad) {
            assertThat(reader.read(CODEC.encode(batch(b)), "run-1")).isNull();
        }
    }

    private static TokenRoute withIds(TokenRoute t, List<Integer> ids) {
        t.setExpertIds(ids);
        t.setGateWeights(List.of());
        return t;
    }

    /** Three routes of two sequences; the last one changed by {@code change}. */
    private static RoutingTraceBatch batch(UnaryOperator<TokenRoute> change) {
        List<TokenRoute> tokens = new ArrayList<>();
        tokens.add(TokenRoute.newBuilder().setSequenceId("seq-1").setTokenPosition(0).setLayer(0)
                .setExpertIds(List.of(1, 2)).setGateWeights(List.of(0.6f, 0.4f)).build());
        tokens.add(TokenRoute.newBuilder().setSequenceId("seq-2").setTokenPosition(0).setLayer(0)
                .setExpertIds(List.of(3, 2)).setGateWeights(List.of()).build());
        tokens.add(change.apply(TokenRoute.newBuilder().setSequenceId("seq-1").setTokenPosition(1).setLayer(0)
                .setExpertIds(List.of(1, 0)).setGateWeights(List.of(0.7f, 0.3f)).build()));
        return RoutingTraceBatch.newBuilder().setSource("run-1").setSourceKind(SourceKind.TRAINING).setStep(3)
                .setWallTimeMs(1_790_000_000_000L).setTokens(tokens).build();
    }
}
