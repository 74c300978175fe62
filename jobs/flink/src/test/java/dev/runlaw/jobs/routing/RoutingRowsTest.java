package dev.runlaw.jobs.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runlaw.jobs.clickhouse.ClickHouseRow;
import dev.runlaw.jobs.ingest.SqlTables;
import dev.runlaw.math.routing.RoutingAnalysis;
import dev.runlaw.math.routing.RoutingCounts;
import dev.runlaw.math.routing.RoutingReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every routing row decodes with the column types parsed from {@code sql/020..025}, in the tables' order. */
class RoutingRowsTest {
    private static final RoutingConfig CONFIG = RoutingConfig.fromMap(Map.of("bootstrap.servers", "127.0.0.1:9092",
            "clickhouse.url", "http://127.0.0.1:8123", "routing.source", "run-1", "routing.devices", "4",
            "routing.analysis-id", "a-1"), 1_790_000_000_000L);

    @Test
    void declaresEveryRoutingTableWithTheColumnsOfItsSql() {
        RoutingRows.COLUMNS.forEach((table, cols) -> assertThat(cols).as(table)
                .containsExactlyElementsOf(SqlTables.columns(table).stream().map(SqlTables.Column::name).toList()));
    }

    @Test
    void writesRowsThatDecodeWithTheSqlTypes() {
        RoutingTestTraces traces = new RoutingTestTraces("run-1", 2, 3, 6, 3, 8, 2, 9);
        RoutingCounts counts = traces.expected(CONFIG.devices());
        RoutingReport report = RoutingAnalysis.analyze(counts, CONFIG.analysis());
        List<ClickHouseRow> rows = new ArrayList<>();
        new RoutingRows(CONFIG, "test").write(counts, report, rows::add);
        assertThat(rows).extracting(ClickHouseRow::table).containsAll(RoutingRows.COLUMNS.keySet());
        for (ClickHouseRow row : rows) {
            Map<String, Object> decoded = SqlTables.decode(row); // throws unless the bytes are exactly the columns
            assertThat(decoded.keySet()).as(row.table()).containsExactlyElementsOf(RoutingRows.COLUMNS.get(row.table()));
            assertThat(decoded.get("source")).isEqualTo("run-1");
            assertThat(decoded.get("analysis_id")).isEqualTo("a-1");
        }
        Map<String, Object> analysis = SqlTables.decode(rows.get(0));
        assertThat(analysis.get("tokens")).isEqualTo(counts.tokens());
        assertThat(analysis.get("routes")).isEqualTo((long) traces.routes);
    }

    @Test
    void writesOnlyTheAnalysisRowWhenThereIsNothingToAnalyse() {
        List<ClickHouseRow> rows = new ArrayList<>();
        new RoutingRows(CONFIG, "test").write(new RoutingCounts(4), null, rows::add);
        assertThat(rows).extracting(ClickHouseRow::table).containsExactly(RoutingRows.ANALYSES);
        assertThat(SqlTables.decode(rows.get(0)).get("tokens")).isEqualTo(0L);
    }
}
