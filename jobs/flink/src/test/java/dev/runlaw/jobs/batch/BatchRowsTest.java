package dev.runlaw.jobs.batch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.jobs.ingest.SqlTables;
import dev.runlaw.producers.SimulatedBatchSweep;
import dev.runlaw.schema.BatchAdvice;
import dev.runlaw.schema.BatchAdviceScope;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/** The batch job's rows are exactly the columns of sql/015-017, in order, with their binary types. */
class BatchRowsTest {
    @Test
    void declaresTheColumnsOfItsSqlFilesInTableOrder() {
        BatchRows.COLUMNS.forEach((table, cols) -> assertThat(cols).as(table)
                .containsExactlyElementsOf(SqlTables.columns(table).stream().map(SqlTables.Column::name).toList()));
    }

    @Test
    void writesEveryTableWithItsBinaryTypesAndAdviceKeyedByScope() throws Exception {
        SimulatedBatchSweep sweep = SimulatedBatchSweep.defaults("fam", 9);
        BatchConfig.Policy policy = BatchConfig.Policy.defaults();
        BatchRows rows = new BatchRows("runlaw.batch-advice");
        List<ClickHouseRow> out = new ArrayList<>();
        FamilySweep family = new FamilySweep(policy, "fam");
        FamilySweep.Outcome last = null;
        for (long b : sweep.batches()) {
            RunNoise r = RunNoise.create(policy, dev.runlaw.math.cbs.NoiseScaleSettings.defaults());
            for (SpecificRecord rec : sweep.run(b)) {
                RunNoise.Outcome o = rec instanceof dev.runlaw.schema.RunStarted s ? r.onStarted(s)
                        : rec instanceof dev.runlaw.schema.StepMetrics s ? r.onStep(s)
                        : r.onFinished(((dev.runlaw.schema.RunFinished) rec).getFinalStep());
                if (o.point() != null) {
                    out.add(rows.gradientNoise(o.point(), 1));
                }
                if (o.progress() != null) {
                    FamilySweep.Outcome f = family.update(o.progress());
                    last = f.scaling() != null ? f : last;
                }
            }
        }
        assertThat(last).as("a family update with a scaling").isNotNull();
        for (FamilySweep.Law l : last.laws()) {
            out.add(rows.law("fam", last, l, policy, 1));
        }
        out.add(rows.scaling("fam", last, 1));
        for (ClickHouseRow row : out) {
            // Throws unless the bytes are exactly the table's columns, in order, with the SQL types.
            Map<String, Object> decoded = SqlTables.decode(row);
            assertThat(decoded.keySet()).as(row.table()).containsExactlyElementsOf(BatchRows.COLUMNS.get(row.table()));
        }
        Map<String, Object> scaling = SqlTables.decode(out.get(out.size() - 1));
        assertThat(scaling.get("suggested_batch")).isEqualTo(last.scaling().suggestedBatch());

        BatchAdvice family1 = BatchRows.familyAdvice("fam", last, 5);
        var kafka = rows.record(family1);
        assertThat(new String(kafka.key(), StandardCharsets.UTF_8)).isEqualTo("fam");
        BatchAdvice back = BatchAdvice.fromByteBuffer(ByteBuffer.wrap(kafka.value()));
        assertThat(back.getScope()).isEqualTo(BatchAdviceScope.FAMILY);
        assertThat(back.getSuggestedBatch()).isEqualTo(last.scaling().suggestedBatch());
    }
}
