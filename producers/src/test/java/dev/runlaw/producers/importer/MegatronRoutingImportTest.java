package dev.runlaw.producers.importer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.schema.RoutingTraceBatch;
import dev.runlaw.schema.SourceKind;
import dev.runlaw.schema.TokenRoute;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Megatron-LM router traces ({@code router_trace_rank<R>.jsonl}) to routing-trace batches. */
class MegatronRoutingImportTest {
    @TempDir
    Path dir;

    private static List<RoutingTraceBatch> batches(Harness h) {
        return h.sink.records.stream().map(RoutingTraceBatch.class::cast).toList();
    }

    @Test
    void everyRoutedTokenBecomesOneTokenRouteWithPositionsContinuingAcrossMicroBatches() throws IOException {
        Path f = dir.resolve("router_trace_rank3.jsonl");
        long routes = ImportFixtures.writeMegatronTrace(f, 3, 4, 2, 3, 50, 2, 16);
        Harness h = new Harness(ImportFormat.MEGATRON_ROUTING, dir.resolve("state"),
                ImportSettings.defaults().withBatchTokens(64), 1000, false);
        FileResult r = h.run(f, "moe-run");

        assertThat(r.malformed()).isZero();
        List<RoutingTraceBatch> b = batches(h);
        assertThat(b.stream().mapToLong(x -> x.getTokens().size()).sum()).isEqualTo(routes).isEqualTo(4 * 2 * 3 * 50);
        assertThat(b).allSatisfy(x -> {
            assertThat(x.getTokens().size()).isBetween(1, 64);
            assertThat(x.getSource()).isEqualTo("moe-run");
            assertThat(x.getSourceKind()).isEqualTo(SourceKind.TRAINING);
            assertThat(x.getWallTimeMs()).isEqualTo(Harness.ORIGIN_MS + x.getStep() * 1000);
        });
        // Distinct identities: two micro-batches of 50 tokens make positions 0..99 per (step, layer).
        assertThat(h.sink.routeKeys()).hasSize((int) routes);
        TokenRoute first = b.get(0).getTokens().get(0);
        assertThat(first.getSequenceId()).isEqualTo("rank3");
        assertThat(first.getExpertIds()).containsExactly(0, 1);
        assertThat(first.getGateWeights()).isEmpty();
        int maxPos = b.stream().flatMap(x -> x.getTokens().stream()).mapToInt(TokenRoute::getTokenPosition).max()
                .orElseThrow();
        assertThat(maxPos).isEqualTo(99);
    }

    @Test
    void readsMtpBlocksGateWeightsAndRefusesBrokenLinesWhole() throws IOException {
        Path f = dir.resolve("router_trace_rank0.jsonl");
        Files.writeString(f, String.join("\n",
                "{\"step\": 0, \"block\": \"mtp\", \"mtp_idx\": 1, \"layer\": 0, \"rank\": 0, \"num_tokens\": 2,"
                        + " \"topk\": 2, \"top_indices\": [[1, 2], [3, 4]], \"gate_weights\": [[0.6, 0.4], [0.5, 0.5]]}",
                "{\"step\": 0, \"layer\": 1, \"topk\": 2, \"top_indices\": [[1, 2], [3]]}",        // 2 topk mismatch
                "{\"step\": 0, \"layer\": 1, \"top_indices\": [[1, 99999]]}",                       // 3 expert id
                "{\"step\": 0, \"layer\": -1, \"top_indices\": [[1]]}",                             // 4 layer
                "{\"step\": 0, \"layer\": 1, \"num_tokens\": 3, \"top_indices\": [[1]]}",           // 5 num_tokens
                "{\"step\": 0, \"layer\": 1}",                                                      // 6 no indices
                "{\"step\": 0, \"layer\": 2, \"top_indices\": [[7, 8]]}") + "\n");                   // 7 ok
        Harness h = new Harness(ImportFormat.MEGATRON_ROUTING, dir.resolve("state"));
        FileResult r = h.run(f, "m");

        assertThat(r.malformed()).isEqualTo(5);
        assertThat(h.err()).contains(f + ":2: top_indices[1] has 1 ids, topk is 2")
                .contains(f + ":3: top_indices[0] expert id 99999 outside")
                .contains(f + ":4: layer -1 outside")
                .contains(f + ":5: num_tokens 3 but top_indices has 1 rows")
                .contains(f + ":6: top_indices (an array of expert-id arrays) is missing");
        List<TokenRoute> tokens = batches(h).stream().flatMap(b -> b.getTokens().stream()).toList();
        assertThat(tokens).extracting(TokenRoute::getSequenceId).containsExactly("rank0/mtp1", "rank0/mtp1", "rank0");
        assertThat(tokens.get(0).getGateWeights()).containsExactly(0.6f, 0.4f);
        assertThat(tokens.get(2).getExpertIds()).containsExactly(7, 8);
    }

    @Test
    void aResumedImportReSendsTheInterruptedStepWithIdenticalIdentitiesAndLosesNoToken() throws IOException {
        Path f = dir.resolve("router_trace_rank1.jsonl");
        long routes = ImportFixtures.writeMegatronTrace(f, 1, 6, 3, 4, 40, 2, 8);
        Path state = dir.resolve("state");
        ImportSettings s = ImportSettings.defaults().withBatchTokens(100);
        Harness first = new Harness(ImportFormat.MEGATRON_ROUTING, state, s, 5, false);
        first.importer.stopAfterUnits(3 * 12 + 7); // inside step 3
        first.run(f, "m");
        Harness second = new Harness(ImportFormat.MEGATRON_ROUTING, state, s, 5, false);
        FileResult r = second.run(f, "m");
        assertThat(r.resumedFrom()).isPositive();

        Set<String> union = new TreeSet<>(first.sink.routeKeys());
        union.addAll(second.sink.routeKeys());
        assertThat(union).hasSize((int) routes);
        Harness whole = new Harness(ImportFormat.MEGATRON_ROUTING, dir.resolve("state2"), s, 1000, false);
        whole.run(f, "m");
        assertThat(union).isEqualTo(whole.sink.routeKeys());
        // The resume point is a step boundary: the second run starts with a whole step.
        long firstStep = batches(second).get(0).getStep();
        long tokensOfFirstStep = batches(second).stream().filter(b -> b.getStep() == firstStep)
                .mapToLong(b -> b.getTokens().size()).sum();
        assertThat(tokensOfFirstStep).isEqualTo(3 * 4 * 40);
    }

    @Test
    void seededRandomGarbageLinesAreRefusedAndTheTraceSurvives() throws IOException {
        Path f = dir.resolve("router_trace_rank2.jsonl");
        long routes = ImportFixtures.writeMegatronTrace(f, 2, 3, 1, 2, 30, 2, 8);
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(f));
        Random rnd = new Random(99);
        for (int i = 0; i < 25; i++) {
            // Garbage only at step boundaries' ends would be too kind: anywhere.
            lines.add(rnd.nextInt(lines.size() + 1), CsvImportTest.randomGarbage(rnd));
        }
        Files.write(f, lines, StandardOpenOption.TRUNCATE_EXISTING);
        Harness h = new Harness(ImportFormat.MEGATRON_ROUTING, dir.resolve("state"));
        FileResult r = h.run(f, "m");
        assertThat(r.malformed()).isEqualTo(25);
        long tokens = h.sink.records.stream().mapToLong(x -> ((RoutingTraceBatch) x).getTokens().size()).sum();
        assertThat(tokens).isEqualTo(routes);
        assertThat(h.sink.records).allMatch((SpecificRecord x) -> x instanceof RoutingTraceBatch);
    }
}
