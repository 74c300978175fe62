package dev.runlaw.cli.report;

import dev.runlaw.cli.GrafanaSql;
import dev.runlaw.local.ClickHouseHttp;
import java.util.List;
import java.util.Map;

/**
 * Runs a dashboard panel's SQL against ClickHouse the way Grafana would ({@link GrafanaSql}: the same macros, the
 * run variable in the same {@code percentencode} format), over all of time: the run filter, not the time picker,
 * selects the data of a report.
 */
final class PanelRunner {
    /** {@code $__timeFilter} from the epoch ... */
    static final long FROM = 0;
    /** ... to 2100-01-01 (DateTime runs to 2106). */
    static final long TO = 4_102_444_800L;

    private final ClickHouseHttp http;

    PanelRunner(ClickHouseHttp http) {
        this.http = http;
    }

    /**
     * The panel's rows for {@code runs} (empty: All), with {@code $__interval_s} = {@code intervalSeconds}, as
     * column → value text maps ({@code null} for SQL NULL).
     */
    List<Map<String, String>> rows(Panel panel, List<String> runs, long intervalSeconds) {
        return http.queryMaps(sql(panel, runs, intervalSeconds));
    }

    static String sql(Panel panel, List<String> runs, long intervalSeconds) {
        return GrafanaSql.expand(panel.rawSql(), FROM, TO, intervalSeconds, Map.of("run", List.copyOf(runs)));
    }
}
