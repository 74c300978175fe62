package dev.runlaw.cli.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runlaw.math.routing.RoutingCounts;
import dev.runlaw.math.routing.RoutingSettings;
import dev.runlaw.producers.command.Commands;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code runlaw routing analyze}: both trace formats, the report's keys and values, bad input, the backend seam. */
class RoutingAnalyzeCommandTest {
    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {
    }

    private static Run run(RoutingBackend backend, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = RoutingCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), backend);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Run run(String... args) {
        return run(new LocalRoutingBackend(), args);
    }

    /**
     * The same decisions in both formats: one Megatron line per layer (two micro-batches of 3 tokens at layer 0),
     * and per-token JSONL with source = the Megatron file's path, sequence rank0, positions continuing.
     */
    private static final int[][][] LAYERS = {
        {{1, 0}, {1, 2}, {3, 2}, {3, 1}, {0, 1}, {1, 0}},
        {{2, 3}, {2, 0}, {2, 1}, {0, 3}, {1, 0}, {2, 3}},
    };

    private Path megatron() throws IOException {
        Path f = dir.resolve("router_trace_rank0.jsonl");
        List<String> lines = new ArrayList<>();
        for (int l = 0; l < LAYERS.length; l++) {
            for (int mb = 0; mb < 2; mb++) {
                StringBuilder rows = new StringBuilder();
                for (int t = 3 * mb; t < 3 * mb + 3; t++) {
                    rows.append(rows.length() == 0 ? "" : ", ").append('[').append(LAYERS[l][t][0]).append(", ")
                            .append(LAYERS[l][t][1]).append(']');
                }
                lines.add("{\"step\": 5, \"stage\": \"pre_dispatch\", \"block\": \"decoder\", \"layer\": " + l
                        + ", \"rank\": 0, \"num_tokens\": 3, \"topk\": 2, \"top_indices\": [" + rows + "]}");
            }
        }
        Files.write(f, lines);
        return f;
    }

    private Path jsonl(String source) throws IOException {
        Path f = dir.resolve("routing.jsonl");
        List<String> lines = new ArrayList<>();
        for (int l = 0; l < LAYERS.length; l++) {
            for (int p = 0; p < 6; p++) {
                lines.add("{\"source\": \"" + source + "\", \"step\": 5, \"sequence_id\": \"rank0\", \"token_position\": "
                        + p + ", \"layer\": " + l + ", \"expert_ids\": [" + LAYERS[l][p][0] + ", " + LAYERS[l][p][1]
                        + "], \"gate_weights\": [0.6, 0.4]}");
            }
        }
        Files.write(f, lines);
        return f;
    }

    @Test
    void analysesAMegatronTraceAndWritesTheIssuesReport() throws IOException {
        Path trace = megatron();
        Path report = dir.resolve("out.json");
        Run r = run("analyze", "--devices", "2", "--hidden-size", "8", "--bytes-per-element", "2", "--report",
                report.toString(), trace.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("12 routes, 6 tokens, 1 sequences, 2 layers").contains("report written to");
        JsonNode j = new ObjectMapper().readTree(report.toFile());
        assertThat(j.fieldNames()).toIterable().containsExactly("tokens", "layers", "placements");
        assertThat(j.get("tokens").asLong()).isEqualTo(6);
        JsonNode l0 = j.get("layers").get(0);
        assertThat(l0.fieldNames()).toIterable().containsExactly("layer", "experts", "load", "max_over_mean",
                "temporal_locality", "temporal_locality_chance", "top_pair", "next_layer_hit");
        // Layer 0 sets {0,1} {1,2} {2,3} {1,3} {0,1} {0,1}: load 3 5 2 2; every neighbour pair shares an id
        // (positions 2 and 3 are in different micro-batches: Megatron positions continue across them).
        assertThat(l0.get("load").toString()).isEqualTo("[3,5,2,2]");
        assertThat(l0.get("max_over_mean").asDouble()).isEqualTo(5 / (12 / 4.0));
        assertThat(l0.get("temporal_locality").asDouble()).isEqualTo(1.0);
        assertThat(l0.get("top_pair").toString()).isEqualTo("[0,1,3]");
        // First ids 1 1 3 3 0 1 → 2 2 2 0 1 2: a=1 → b=2 (3 of 3), a=3 → 2 or 0 (1), a=0 → 1 (1): 5 / 6.
        assertThat(l0.get("next_layer_hit").asDouble()).isEqualTo(5 / 6.0);
        assertThat(j.get("layers").get(1).get("next_layer_hit").isNull()).isTrue();
        assertThat(j.get("placements").fieldNames()).toIterable().containsExactly("contiguous", "balanced",
                "optimized");
        JsonNode c = j.get("placements").get("contiguous");
        assertThat(c.fieldNames()).toIterable().containsExactly("map", "device_load_max_over_mean",
                "transition_cross_device", "bytes");
        assertThat(c.get("map").toString()).isEqualTo("[[0,0,1,1],[0,0,1,1]]");
        assertThat(c.get("bytes").asLong() % (2 * 8 * 2)).isZero();
    }

    @Test
    void bothFormatsOfTheSameDecisionsGiveTheSameReport() throws IOException {
        Path trace = megatron();
        Path a = dir.resolve("a.json");
        Path b = dir.resolve("b.json");
        assertThat(run("analyze", "--devices", "2", "--report", a.toString(), trace.toString()).code()).isZero();
        Path same = jsonl(trace.toString());
        assertThat(run("analyze", "--devices", "2", "--report", b.toString(), same.toString()).code()).isZero();
        assertThat(Files.readString(b)).isEqualTo(Files.readString(a));
    }

    @Test
    void aBackendThatCountsInPartsAndMergesGivesTheSameReport() throws IOException {
        Path trace = jsonl("src");
        Path a = dir.resolve("a.json");
        Path b = dir.resolve("b.json");
        assertThat(run("analyze", "--devices", "2", "--report", a.toString(), trace.toString()).code()).isZero();
        RoutingBackend split = new RoutingBackend() {
            @Override
            public String name() {
                return "split";
            }

            @Override
            public RoutingCounts count(RoutingTraces traces, RoutingSettings s) {
                RoutingCounts[] parts = {RoutingCounts.forSettings(s), RoutingCounts.forSettings(s)};
                int[] i = {0};
                traces.forEachSequence(seq -> parts[i[0]++ % 2].addSequence(seq));
                RoutingCounts merged = RoutingCounts.fromBytes(parts[0].toBytes());
                merged.merge(RoutingCounts.fromBytes(parts[1].toBytes()));
                return merged;
            }
        };
        Run r = run(split, "analyze", "--devices", "2", "--report", b.toString(), trace.toString());
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("counted by the split backend");
        assertThat(Files.readString(b)).isEqualTo(Files.readString(a));
    }

    @Test
    void malformedLinesStopWithFileAndLine() throws IOException {
        Path f = dir.resolve("bad.jsonl");
        Files.writeString(f, "{\"source\": \"s\", \"step\": 1, \"sequence_id\": \"q\", \"token_position\": 0, "
                + "\"layer\": 0, \"expert_ids\": [1, 2]}\n\n{\"source\": \"s\", \"step\": 1, \"sequence_id\": \"q\", "
                + "\"token_position\": 1, \"layer\": 0, \"expert_ids\": [1, \"x\"]}\n");
        Run r = run("analyze", "--devices", "2", f.toString());
        assertThat(r.code()).isEqualTo(Commands.USAGE);
        assertThat(r.err()).startsWith("runlaw routing analyze: " + f + ":3: expert id \"x\" outside 0..4095");

        Path g = dir.resolve("router_trace_rank1.jsonl");
        Files.writeString(g, "{\"step\": 0, \"layer\": 0, \"top_indices\": [[1, 2]]}\nnot json\n");
        Run m = run("analyze", "--devices", "2", g.toString());
        assertThat(m.code()).isEqualTo(Commands.USAGE);
        assertThat(m.err()).startsWith("runlaw routing analyze: " + g + ":2: not JSON");

        Path h = dir.resolve("other.jsonl");
        Files.writeString(h, "{\"step\": 1, \"loss\": 2.5}\n");
        assertThat(run("analyze", "--devices", "2", h.toString()).err())
                .contains(h + ":1: neither a Megatron-LM router trace line (top_indices) nor a runlaw routing line");
    }

    @Test
    void refusesMissingFilesIdsBeyondExpertsAndMoreDevicesThanExperts() throws IOException {
        Path trace = megatron();
        Run missing = run("analyze", "--devices", "2", dir.resolve("nope.jsonl").toString());
        assertThat(missing.code()).isEqualTo(Commands.USAGE);
        assertThat(missing.err()).contains("nope.jsonl:0: no such file");
        Run ids = run("analyze", "--devices", "2", "--experts", "3", trace.toString());
        assertThat(ids.code()).isEqualTo(Commands.USAGE);
        assertThat(ids.err()).contains("expert id 3 is not below --experts 3");
        Run devices = run("analyze", "--devices", "5", trace.toString());
        assertThat(devices.code()).isEqualTo(Commands.USAGE);
        assertThat(devices.err()).contains("5 devices but only 4 experts");
        Run zero = run("analyze", "--devices", "0", trace.toString());
        assertThat(zero.code()).isEqualTo(Commands.USAGE);
        Path empty = Files.writeString(dir.resolve("empty.jsonl"), "\n");
        assertThat(run("analyze", "--devices", "1", empty.toString()).err()).contains("no routing records");
    }

    @Test
    void tracesStoreGroupsRecordsBySequenceInFirstSeenOrder() {
        RoutingTraces t = new RoutingTraces();
        t.add("s", 1, "a", 0, 0, new int[] {1});
        t.add("s", 1, "b", 0, 0, new int[] {2, 3});
        t.add("s", 2, "a", 0, 0, new int[] {4});
        t.add("s", 1, "a", 1, 0, new int[] {5});
        assertThat(t.records()).isEqualTo(4);
        assertThat(t.sequences()).isEqualTo(3);
        List<String> seen = new ArrayList<>();
        t.forEachSequence(seq -> seen.add(seq.get(0).sequenceId() + "@" + seq.get(0).step() + ":" + seq.size()));
        assertThat(seen).containsExactly("a@1:2", "b@1:1", "a@2:1");
        Iterator<String> ids = List.of("[1]", "[5]", "[2, 3]", "[4]").iterator();
        t.forEachRecord(r -> assertThat(java.util.Arrays.toString(r.expertIds())).isEqualTo(ids.next()));
    }
}
