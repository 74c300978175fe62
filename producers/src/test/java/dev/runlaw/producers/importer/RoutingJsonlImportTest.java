package dev.runlaw.producers.importer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.schema.RoutingTraceBatch;
import dev.runlaw.schema.TokenRoute;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** runlaw's per-token routing JSONL ({@code runlaw import routing-jsonl}) to routing-trace batches. */
class RoutingJsonlImportTest {
    @TempDir
    Path dir;

    private static String line(String source, long step, String seq, int pos, int layer, String ids) {
        return "{\"source\": \"" + source + "\", \"step\": " + step + ", \"sequence_id\": \"" + seq
                + "\", \"token_position\": " + pos + ", \"layer\": " + layer + ", \"expert_ids\": " + ids + "}";
    }

    @Test
    void linesBecomeBatchesPerSourceAndStepWithIdsAsListed() throws IOException {
        Path f = dir.resolve("routing.jsonl");
        List<String> lines = new ArrayList<>();
        for (int p = 0; p < 5; p++) {
            lines.add(line("tiny-moe", 0, "s0-b0", p, 1, "[" + (7 - p) + ", " + p + "]"));
        }
        lines.add(line("tiny-moe", 200, "s200-b0", 0, 0, "[3, 1]").replace("}", ", \"gate_weights\": [0.7, 0.3]}"));
        lines.add(line("other", 200, "q", 0, 0, "[2]"));
        Files.write(f, lines);
        Harness h = new Harness(ImportFormat.ROUTING_JSONL, dir.resolve("state"),
                ImportSettings.defaults().withBatchTokens(3), 1000, false);
        FileResult r = h.run(f, null);

        assertThat(r.malformed()).isZero();
        List<RoutingTraceBatch> b = h.sink.records.stream().map(RoutingTraceBatch.class::cast).toList();
        assertThat(b).extracting(x -> x.getSource() + "@" + x.getStep() + ":" + x.getTokens().size())
                .containsExactly("tiny-moe@0:3", "tiny-moe@0:2", "tiny-moe@200:1", "other@200:1");
        TokenRoute first = b.get(0).getTokens().get(0);
        assertThat(first.getSequenceId()).isEqualTo("s0-b0");
        assertThat(first.getLayer()).isEqualTo(1);
        assertThat(first.getExpertIds()).as("never reordered").containsExactly(7, 0);
        assertThat(b.get(2).getTokens().get(0).getGateWeights()).containsExactly(0.7f, 0.3f);
        assertThat(b.get(0).getWallTimeMs()).isEqualTo(Harness.ORIGIN_MS);
        assertThat(h.sink.routeKeys()).hasSize(7);
    }

    @Test
    void malformedLinesAreReportedWithTheirNumberAndSkipped() throws IOException {
        Path f = dir.resolve("routing.jsonl");
        Files.write(f, List.of(
                line("s", 0, "q", 0, 0, "[1, 2]"),
                line("s", 0, "q", 1, 0, "[]"),                                     // 2 no ids
                line("s", 0, "q", 2, -1, "[1]"),                                   // 3 layer
                line("s", -2, "q", 3, 0, "[1]"),                                   // 4 step
                line("s", 0, "q", 4, 0, "[1, 2]").replace("}", ", \"gate_weights\": [1.0]}"), // 5 weights
                line("bad id!", 0, "q", 5, 0, "[1]"),                              // 6 source
                "{\"step\": 0, \"sequence_id\": \"q\", \"token_position\": 6, \"layer\": 0, \"expert_ids\": [1]}", // 7
                line("s", 0, "q", 7, 0, "[4096]"),                                 // 8 id
                line("s", -1, "q", 8, 0, "[3]")));                                 // 9 ok (inference)
        Harness h = new Harness(ImportFormat.ROUTING_JSONL, dir.resolve("state"));
        FileResult r = h.run(f, null);

        assertThat(r.malformed()).isEqualTo(7);
        assertThat(h.err()).contains(f + ":2: expert_ids must be an array of 1..64 expert ids")
                .contains(f + ":3: layer -1 outside")
                .contains(f + ":4: step must be >= 0 (or -1 for inference), got -2")
                .contains(f + ":5: gate_weights must be an array with one weight per expert id")
                .contains(f + ":6: ").contains(f + ":7: no source in the line and no --run-id given")
                .contains(f + ":8: expert id 4096 outside 0..4095");
        List<RoutingTraceBatch> b = h.sink.records.stream().map(RoutingTraceBatch.class::cast).toList();
        assertThat(b).extracting(RoutingTraceBatch::getStep).containsExactly(0L, -1L);
    }

    @Test
    void runIdIsTheSourceOfLinesWithoutOne() throws IOException {
        Path f = dir.resolve("routing.jsonl");
        Files.writeString(f, "{\"step\": 3, \"sequence_id\": \"q\", \"token_position\": 0, \"layer\": 0, "
                + "\"expert_ids\": [1]}\n");
        Harness h = new Harness(ImportFormat.ROUTING_JSONL, dir.resolve("state"));
        h.run(f, "fallback");
        assertThat(((RoutingTraceBatch) h.sink.records.get(0)).getSource()).isEqualTo("fallback");
    }

    @Test
    void importCommandHasTheRoutingJsonlFormat() {
        ImportCommand.Options o = ImportCommand.parse("routing-jsonl", "--bootstrap", "k:9092", "--batch-tokens",
                "100", "--source-kind", "inference", "x.jsonl");
        assertThat(o.format()).isEqualTo(ImportFormat.ROUTING_JSONL);
        assertThat(o.settings().batchTokens()).isEqualTo(100);
        assertThat(o.runId()).isNull();
        assertThat(ImportFormat.fromCliName("routing-jsonl")).isEqualTo(ImportFormat.ROUTING_JSONL);
        assertThat(ImportFormat.ROUTING_JSONL.stepMetrics()).isFalse();
    }
}
