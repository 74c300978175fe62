package dev.runlaw.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.math.moe.ExpertLoadStats;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.RoutingTraceBatch;
import dev.runlaw.schema.RunStarted;
import dev.runlaw.schema.StepMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RowMapperTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long INGESTED = 1_768_500_000_123L;
    private static Map<String, Set<String>> columns;

    private final RowMapper mapper = new RowMapper();

    @BeforeAll
    static void readTableColumnsFromSqlFiles() throws IOException {
        columns = new HashMap<>();
        Pattern table = Pattern.compile("CREATE TABLE IF NOT EXISTS (\\w+)\\s*\\((.*?)\\)\\s*ENGINE", Pattern.DOTALL);
        Pattern column = Pattern.compile("^\\s*(\\w+)\\s+\\S", Pattern.MULTILINE);
        try (Stream<Path> files = Files.list(Path.of("../../sql"))) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".sql"))::iterator) {
                Matcher m = table.matcher(Files.readString(f));
                while (m.find()) {
                    Set<String> cols = new LinkedHashSet<>();
                    Matcher c = column.matcher(m.group(2));
                    while (c.find()) {
                        cols.add(c.group(1));
                    }
                    columns.put(m.group(1), cols);
                }
            }
        }
        assertThat(columns).containsKeys(RowMapper.RUNS, RowMapper.DEAD_LETTERS, RowMapper.ROUTING_TRACE);
    }

    @Test
    void writesExactlyTheColumnsOfEveryTable() throws IOException {
        List<SpecificRecord> all = List.of(TestRecords.runStarted("r1"), TestRecords.runFinished("r1"),
                TestRecords.step("r1", 5), TestRecords.eval("r1", 5, "val"), TestRecords.expertLoad("r1", 5, 2, 8),
                TestRecords.routing("srv", 5, 3), TestRecords.movement("srv", 5, 0, 1));
        for (SpecificRecord r : all) {
            List<ClickHouseRow> rows = map(r);
            assertThat(rows).isNotEmpty();
            for (ClickHouseRow row : rows) {
                assertThat(row.table()).isEqualTo(RowMapper.tableOf(RecordKind.of(r)));
                assertThat(fieldNames(parse(row))).as(row.table()).containsExactlyInAnyOrderElementsOf(columns.get(row.table()));
            }
        }
        ClickHouseRow dead = mapper.deadLetter(new DeadLetterEvent("t", 0, 1, null, new byte[] {1}, "X", "y", 5), 1);
        assertThat(fieldNames(parse(dead))).containsExactlyInAnyOrderElementsOf(columns.get(RowMapper.DEAD_LETTERS));
    }

    @Test
    void mapsStepMetricsWithSecondsMillisAndNulls() throws IOException {
        StepMetrics s = TestRecords.step("run-a", 7);
        s.setGroupLrs(Map.of("experts", 1e-4));
        JsonNode j = parse(map(s).get(0));
        assertThat(j.get("run_id").asText()).isEqualTo("run-a");
        assertThat(j.get("step").asLong()).isEqualTo(7);
        assertThat(j.get("time").asLong()).isEqualTo((TestRecords.T0 + 7000) / 1000);
        assertThat(j.get("wall_time_ms").asLong()).isEqualTo(TestRecords.T0 + 7000);
        assertThat(j.get("lr").asDouble()).isEqualTo(3e-4);
        assertThat(j.get("loss").asDouble()).isEqualTo(2.5 + 1.0 / 8);
        assertThat(j.get("grad_norm").isNull()).isTrue();
        assertThat(j.get("batch_small").isNull()).isTrue();
        assertThat(j.get("group_lr_names").get(0).asText()).isEqualTo("experts");
        assertThat(j.get("group_lr_values").get(0).asDouble()).isEqualTo(1e-4);
        assertThat(j.get("ingested_at_ms").asLong()).isEqualTo(INGESTED);
    }

    @Test
    void computesExpertLoadStatistics() throws IOException {
        var load = TestRecords.expertLoad("run-a", 3, 1, 16);
        JsonNode j = parse(map(load).get(0));
        long[] t = load.getTokensPerExpert().stream().mapToLong(Long::longValue).toArray();
        ExpertLoadStats s = ExpertLoadStats.of(t);
        assertThat(j.get("tokens_per_expert").size()).isEqualTo(16);
        assertThat(j.get("tokens_per_expert").get(5).asLong()).isEqualTo(t[5]);
        assertThat(j.get("total_tokens").asLong()).isEqualTo(s.totalTokens());
        assertThat(j.get("max_over_mean").asDouble()).isEqualTo(s.maxOverMean());
        assertThat(j.get("cv").asDouble()).isEqualTo(s.cv());
        assertThat(j.get("norm_entropy").asDouble()).isEqualTo(s.normEntropy());
        assertThat(j.get("zero_experts").asInt()).isEqualTo(s.zeroExperts());
        assertThat(j.get("aux_loss").asDouble()).isEqualTo(0.01);
        assertThat(j.get("z_loss").isNull()).isTrue();
    }

    @Test
    void explodesRoutingBatchIntoOneRowPerToken() throws IOException {
        RoutingTraceBatch b = TestRecords.routing("server-1", -1, 5);
        List<ClickHouseRow> rows = new ArrayList<>();
        assertThat(mapper.map(b, INGESTED, rows::add)).isEqualTo(5);
        assertThat(rows).hasSize(5).allSatisfy(r -> assertThat(r.table()).isEqualTo(RowMapper.ROUTING_TRACE));
        JsonNode third = parse(rows.get(2));
        assertThat(third.get("source").asText()).isEqualTo("server-1");
        assertThat(third.get("source_kind").asText()).isEqualTo("TRAINING");
        assertThat(third.get("step").asLong()).isEqualTo(-1);
        assertThat(third.get("sequence_id").asText()).isEqualTo("seq-0");
        assertThat(third.get("token_position").asInt()).isEqualTo(2);
        assertThat(third.get("layer").asInt()).isEqualTo(0);
        assertThat(third.get("expert_ids").toString()).isEqualTo("[2,5]");
        assertThat(third.get("gate_weights").toString()).isEqualTo("[0.75,0.25]");
    }

    @Test
    void mapsRunStartedWithAndWithoutSchedule() throws IOException {
        RunStarted r = TestRecords.runStarted("run-a");
        JsonNode j = parse(map(r).get(0));
        assertThat(j.get("has_schedule").asInt()).isEqualTo(1);
        assertThat(j.get("schedule_kind").asText()).isEqualTo("WSD_LINEAR");
        assertThat(j.get("schedule_total_steps").asLong()).isEqualTo(10_000);
        assertThat(j.get("lr_per_step").size()).isZero();
        assertThat(j.get("tag_keys").toString()).isEqualTo("[\"dataset\",\"owner\"]");
        assertThat(j.get("tag_values").get(1).asText()).isEqualTo("ana \"the\" trainer");
        assertThat(j.get("started_at").asLong()).isEqualTo(TestRecords.T0 / 1000);

        r.setSchedule(null);
        r.setLrPerStep(List.of(1e-4, 2e-4));
        JsonNode k = parse(map(r).get(0));
        assertThat(k.get("has_schedule").asInt()).isZero();
        assertThat(k.get("schedule_kind").asText()).isEmpty();
        assertThat(k.get("peak_lr").asDouble()).isZero();
        assertThat(k.get("lr_per_step").toString()).isEqualTo("[1.0E-4,2.0E-4]");
    }

    @Test
    void mapsRunFinishedStatusAndNullMessage() throws IOException {
        JsonNode j = parse(map(TestRecords.runFinished("run-a")).get(0));
        assertThat(j.get("status").asText()).isEqualTo("COMPLETED");
        assertThat(j.get("message").isNull()).isTrue();
        assertThat(j.get("final_step").asLong()).isEqualTo(9_999);
    }

    @Test
    void escapesStringsSoTheyRoundTrip() throws IOException {
        String nasty = "q\"uote \\back\nnew\tline \u0001ctl é € 𝄞 end";
        StepMetrics s = TestRecords.step(nasty, 1);
        JsonNode j = parse(map(s).get(0));
        assertThat(j.get("run_id").asText()).isEqualTo(nasty);
        assertThat(map(s).get(0).jsonText()).doesNotContain("\n");
    }

    @Test
    void keepsDeadLetterBytesAsBase64() throws IOException {
        byte[] value = {(byte) 0xC3, 0x01, 0, (byte) 0xFF};
        DeadLetterEvent d = new DeadLetterEvent("runlaw.step-metrics", 2, 41, "k".getBytes(), value,
                "UNDECODABLE", "not Avro", TestRecords.T0 + 1999);
        JsonNode j = parse(mapper.deadLetter(d, INGESTED));
        assertThat(j.get("topic").asText()).isEqualTo("runlaw.step-metrics");
        assertThat(j.get("partition").asInt()).isEqualTo(2);
        assertThat(j.get("offset").asLong()).isEqualTo(41);
        assertThat(j.get("reason_code").asText()).isEqualTo("UNDECODABLE");
        assertThat(j.get("failed_at").asLong()).isEqualTo(TestRecords.T0 / 1000 + 1);
        assertThat(Base64.getDecoder().decode(j.get("value_base64").asText())).isEqualTo(value);
    }

    private List<ClickHouseRow> map(SpecificRecord r) {
        List<ClickHouseRow> out = new ArrayList<>();
        mapper.map(r, INGESTED, out::add);
        return out;
    }

    private static JsonNode parse(ClickHouseRow row) throws IOException {
        return JSON.readTree(row.json());
    }

    private static List<String> fieldNames(JsonNode j) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = j.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }
}
