package dev.runlaw.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.schema.Topics;
import dev.runlaw.jobs.kafka.DeadLetterEvent;
import dev.runlaw.math.moe.ExpertLoadStats;
import dev.runlaw.schema.RecordKind;
import dev.runlaw.schema.RoutingTraceBatch;
import dev.runlaw.schema.RunStarted;
import dev.runlaw.schema.RunStatus;
import dev.runlaw.schema.SourceKind;
import dev.runlaw.schema.StepMetrics;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/** Rows are decoded with the column types parsed from {@code sql/*.sql} ({@link SqlTables}), as the server would. */
class RowMapperTest {
    private static final long INGESTED = 1_768_500_000_123L;

    private final RowMapper mapper = new RowMapper();

    @Test
    void declaresEveryTableWithTheColumnsOfItsSqlInTableOrder() {
        // The raw tables are the ingest job's; the rest of sql/ belongs to the forecast job (ForecastRowsTest), the
        // alert job (AlertOutputsTest), the routing job (RoutingRowsTest) and the batch-size job (BatchRowsTest).
        java.util.Set<String> both = new java.util.HashSet<>(RowMapper.COLUMNS.keySet());
        both.addAll(dev.runlaw.jobs.forecast.ForecastRows.COLUMNS.keySet());
        both.addAll(dev.runlaw.jobs.alert.AlertOutputs.COLUMNS.keySet());
        both.addAll(dev.runlaw.jobs.routing.RoutingRows.COLUMNS.keySet());
        both.addAll(dev.runlaw.jobs.batch.BatchRows.COLUMNS.keySet());
        assertThat(both).containsExactlyInAnyOrderElementsOf(SqlTables.tables().keySet());
        RowMapper.COLUMNS.forEach((table, cols) -> assertThat(cols).as(table)
                .containsExactlyElementsOf(SqlTables.columns(table).stream().map(SqlTables.Column::name).toList()));
        for (RecordKind k : RecordKind.values()) {
            assertThat(RowMapper.COLUMNS).containsKey(RowMapper.tableOf(k));
        }
    }

    @Test
    void writesExactlyTheColumnsOfEveryTableWithTheirBinaryTypes() {
        List<SpecificRecord> all = List.of(TestRecords.runStarted("r1"), TestRecords.runFinished("r1"),
                TestRecords.step("r1", 5), TestRecords.eval("r1", 5, "val"), TestRecords.expertLoad("r1", 5, 2, 8),
                TestRecords.routing("srv", 5, 3), TestRecords.movement("srv", 5, 0, 1));
        for (SpecificRecord r : all) {
            List<ClickHouseRow> rows = map(r);
            assertThat(rows).isNotEmpty();
            for (ClickHouseRow row : rows) {
                assertThat(row.table()).isEqualTo(RowMapper.tableOf(RecordKind.of(r)));
                // Throws unless the bytes are exactly the table's columns, in order, with the SQL types.
                assertThat(SqlTables.decode(row).keySet()).as(row.table())
                        .containsExactlyElementsOf(RowMapper.COLUMNS.get(row.table()));
            }
        }
        ClickHouseRow dead = mapper.deadLetter(new DeadLetterEvent("t", 0, 1, null, new byte[] {1}, "X", "y", 5), 1);
        assertThat(SqlTables.decode(dead).keySet()).containsExactlyElementsOf(RowMapper.COLUMNS.get(RowMapper.DEAD_LETTERS));
    }

    @Test
    void enumValuesAreTheOnesTheSqlGivesEachName() {
        Map<String, Integer> status = SqlTables.enumValues(type(RowMapper.RUN_FINISHED, "status"));
        for (RunStatus s : RunStatus.values()) {
            assertThat(RowMapper.runStatus(s)).as(s.name()).isEqualTo(status.get(s.name()));
        }
        Map<String, Integer> kinds = SqlTables.enumValues(type(RowMapper.ROUTING_TRACE, "source_kind"));
        for (SourceKind k : SourceKind.values()) {
            assertThat(RowMapper.sourceKind(k)).as(k.name()).isEqualTo(kinds.get(k.name()));
        }
        assertThat(status).hasSize(RunStatus.values().length);
        assertThat(kinds).hasSize(SourceKind.values().length);
    }

    @Test
    void mapsStepMetricsWithSecondsMillisAndNulls() {
        StepMetrics s = TestRecords.step("run-a", 7);
        s.setGroupLrs(Map.of("experts", 1e-4));
        s.setGradSqNormBig(12.5);
        s.setBatchBig(4096L);
        Map<String, Object> j = SqlTables.decode(map(s).get(0));
        assertThat(j).containsExactly(
                entry("run_id", "run-a"),
                entry("step", 7L),
                entry("time", (TestRecords.T0 + 7000) / 1000),
                entry("wall_time_ms", TestRecords.T0 + 7000),
                entry("tokens_seen", 7L * 4096),
                entry("lr", 3e-4),
                entry("loss", 2.5 + 1.0 / 8),
                entry("grad_norm", null),
                entry("grad_sq_norm_small", null),
                entry("batch_small", null),
                entry("grad_sq_norm_big", 12.5),
                entry("batch_big", 4096L),
                entry("throughput_tokens_per_s", null),
                entry("group_lr_names", List.of("experts")),
                entry("group_lr_values", List.of(1e-4)),
                entry("ingested_at_ms", INGESTED));
    }

    @Test
    void mapsEvalMetricsAndDataMovementExactly() {
        assertThat(SqlTables.decode(map(TestRecords.eval("run-a", 3, "val")).get(0))).containsExactly(
                entry("run_id", "run-a"), entry("eval_set", "val"), entry("step", 3L),
                entry("time", TestRecords.T0 / 1000 + 3), entry("wall_time_ms", TestRecords.T0 + 3000),
                entry("loss", 2.7), entry("accuracy", null), entry("ingested_at_ms", INGESTED));
        assertThat(SqlTables.decode(map(TestRecords.movement("srv", -1, 2, 3)).get(0))).containsExactly(
                entry("source", "srv"), entry("step", -1L), entry("wall_time_ms", TestRecords.T0 - 1000),
                entry("layer", 1), entry("src_device", 2), entry("dst_device", 3),
                entry("time", TestRecords.T0 / 1000 - 1), entry("bytes", 1L << 20), entry("ingested_at_ms", INGESTED));
    }

    @Test
    void computesExpertLoadStatistics() {
        var load = TestRecords.expertLoad("run-a", 3, 1, 16);
        Map<String, Object> j = SqlTables.decode(map(load).get(0));
        long[] t = load.getTokensPerExpert().stream().mapToLong(Long::longValue).toArray();
        ExpertLoadStats s = ExpertLoadStats.of(t);
        assertThat(j).containsExactly(
                entry("run_id", "run-a"),
                entry("layer", 1),
                entry("step", 3L),
                entry("time", TestRecords.T0 / 1000 + 3),
                entry("wall_time_ms", TestRecords.T0 + 3000),
                entry("tokens_per_expert", new ArrayList<Object>(load.getTokensPerExpert())),
                entry("dropped_tokens", 3L),
                entry("aux_loss", 0.01),
                entry("z_loss", null),
                entry("total_tokens", s.totalTokens()),
                entry("max_over_mean", s.maxOverMean()),
                entry("cv", s.cv()),
                entry("norm_entropy", s.normEntropy()),
                entry("zero_experts", s.zeroExperts()),
                entry("ingested_at_ms", INGESTED));
    }

    @Test
    void explodesRoutingBatchIntoOneRowPerToken() {
        RoutingTraceBatch b = TestRecords.routing("server-1", -1, 5);
        b.setSourceKind(SourceKind.INFERENCE);
        List<ClickHouseRow> rows = new ArrayList<>();
        assertThat(mapper.map(b, INGESTED, rows::add)).isEqualTo(5);
        assertThat(rows).hasSize(5).allSatisfy(r -> assertThat(r.table()).isEqualTo(RowMapper.ROUTING_TRACE));
        assertThat(SqlTables.decode(rows.get(2))).containsExactly(
                entry("source", "server-1"),
                entry("source_kind", "INFERENCE"),
                entry("step", -1L),
                entry("layer", 0),
                entry("sequence_id", "seq-0"),
                entry("token_position", 2),
                entry("time", TestRecords.T0 / 1000 - 1),
                entry("wall_time_ms", TestRecords.T0 - 1000),
                entry("expert_ids", List.of(2, 5)),
                entry("gate_weights", List.of(0.75f, 0.25f)),
                entry("ingested_at_ms", INGESTED));
    }

    @Test
    void mapsRunStartedWithAndWithoutSchedule() {
        RunStarted r = TestRecords.runStarted("run-a");
        Map<String, Object> j = SqlTables.decode(map(r).get(0));
        assertThat(j).contains(
                entry("run_id", "run-a"), entry("family_id", "fam-1"),
                entry("started_at", TestRecords.T0 / 1000), entry("started_at_ms", TestRecords.T0),
                entry("total_params", 1_000_000_000L), entry("active_params", 250_000_000L),
                entry("layers", 24), entry("experts", 8), entry("top_k", 2), entry("hidden_size", 2048),
                entry("planned_total_steps", 10_000L), entry("has_schedule", 1), entry("schedule_kind", "WSD_LINEAR"),
                entry("warmup_steps", 100L), entry("peak_lr", 3e-4), entry("min_lr", 3e-5),
                entry("decay_start_step", 8000L), entry("schedule_total_steps", 10_000L), entry("milestones", List.of()),
                entry("lr_per_step", List.of()), entry("batch_size_sequences", 512L),
                entry("batch_size_tokens", 512L * 2048), entry("seq_len", 2048),
                entry("tag_keys", List.of("dataset", "owner")), entry("tag_values", List.of("c4", "ana \"the\" trainer")),
                entry("ingested_at_ms", INGESTED));

        r.setSchedule(null);
        r.setLrPerStep(List.of(1e-4, 2e-4));
        Map<String, Object> k = SqlTables.decode(map(r).get(0));
        assertThat(k).contains(entry("has_schedule", 0), entry("schedule_kind", ""), entry("peak_lr", 0.0),
                entry("warmup_steps", 0L), entry("milestones", List.of()), entry("lr_per_step", List.of(1e-4, 2e-4)));
    }

    @Test
    void mapsRunFinishedStatusAndNullMessage() {
        var f = TestRecords.runFinished("run-a");
        assertThat(SqlTables.decode(map(f).get(0))).containsExactly(
                entry("run_id", "run-a"),
                entry("finished_at", f.getFinishedAtMs() / 1000),
                entry("finished_at_ms", f.getFinishedAtMs()),
                entry("final_step", 9_999L),
                entry("status", "COMPLETED"),
                entry("message", null),
                entry("ingested_at_ms", INGESTED));
        f.setStatus(RunStatus.STOPPED_EARLY);
        f.setMessage("loss forecast \"flat\"\nstopping");
        assertThat(SqlTables.decode(map(f).get(0))).contains(entry("status", "STOPPED_EARLY"),
                entry("message", "loss forecast \"flat\"\nstopping"));
    }

    @Test
    void stringsKeepEveryCharacterAsUtf8() {
        String nasty = "q\"uote \\back\nnew\tline \u0001ctl é € 𝄞 end";
        StepMetrics s = TestRecords.step(nasty, 1);
        assertThat(SqlTables.decode(map(s).get(0))).containsEntry("run_id", nasty);
        String lone = "a\ud800b";
        assertThat(SqlTables.decode(map(TestRecords.step(lone, 1)).get(0))).containsEntry("run_id", "a?b");
        String longer = "x".repeat(200) + "é"; // a two-byte length
        assertThat(SqlTables.decode(map(TestRecords.step(longer, 1)).get(0))).containsEntry("run_id", longer);
    }

    @Test
    void keepsDeadLetterBytesAsBase64() {
        byte[] value = {(byte) 0xC3, 0x01, 0, (byte) 0xFF};
        DeadLetterEvent d = new DeadLetterEvent(Topics.STEP_METRICS, 2, 41, "k".getBytes(), value,
                "UNDECODABLE", "not Avro", TestRecords.T0 + 1999);
        Map<String, Object> j = SqlTables.decode(mapper.deadLetter(d, INGESTED));
        assertThat(j).containsExactly(
                entry("topic", Topics.STEP_METRICS),
                entry("partition", 2),
                entry("offset", 41L),
                entry("reason_code", "UNDECODABLE"),
                entry("reason", "not Avro"),
                entry("failed_at", TestRecords.T0 / 1000 + 1),
                entry("value_base64", Base64.getEncoder().encodeToString(value)),
                entry("ingested_at_ms", INGESTED));
        assertThat(Base64.getDecoder().decode((String) j.get("value_base64"))).isEqualTo(value);
    }

    private List<ClickHouseRow> map(SpecificRecord r) {
        List<ClickHouseRow> out = new ArrayList<>();
        mapper.map(r, INGESTED, out::add);
        return out;
    }

    private static String type(String table, String column) {
        return SqlTables.columns(table).stream().filter(c -> c.name().equals(column)).findFirst().orElseThrow().type();
    }
}
