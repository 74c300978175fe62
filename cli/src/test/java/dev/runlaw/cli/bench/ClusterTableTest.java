package dev.runlaw.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code bench cluster}'s summary: medians per arm, records/s per core, and the Markdown table. */
class ClusterTableTest {
    private static ClusterTable.Measured window(long records, double seconds, long refits, double tm1, double tm2,
                                                double load) {
        Repeats.Window w = new Repeats.Window(records, (long) (seconds * 1e9));
        return new ClusterTable.Measured(w, refits, Map.of("tm-1", tm1, "tm-2", tm2, ClusterTable.JOB_MANAGER, 0.05,
                ClusterTable.DRIVER, 0.5, ClusterTable.CLICKHOUSE, 0.2), load, load + 1);
    }

    @Test
    void summarisesAnArmByMediansAndRatesPerCore() {
        // 100k, 60k and 90k records/s, TaskManagers together 1.0, 0.6 and 1.0 cores.
        List<ClusterTable.Measured> ws = List.of(window(3_000_000, 30, 30_000, 0.5, 0.5, 10),
                window(1_800_000, 30, 18_000, 0.3, 0.3, 20), window(2_700_000, 30, 27_000, 0.5, 0.5, 5));
        ClusterTable.Row r = ClusterTable.Row.of(2, 1, "forecast", 2, ws);
        assertThat(r.rate().median()).isCloseTo(90_000, within(1e-6));
        assertThat(r.rate().min()).isCloseTo(60_000, within(1e-6));
        assertThat(r.rate().max()).isCloseTo(100_000, within(1e-6));
        assertThat(r.refitsPerS()).isCloseTo(900, within(1e-9));
        assertThat(r.tmCores()).isCloseTo(1.0, within(1e-12));
        assertThat(r.tmCoresEach()).containsExactly(0.5, 0.5);
        // Per window: 100k / 1.0, 60k / 0.6, 90k / 1.0 -> median 100k per TaskManager core.
        assertThat(r.perTmCore()).isCloseTo(100_000, within(1e-6));
        // All processes: TaskManagers + 0.75 -> 100k / 1.75, 60k / 1.35, 90k / 1.75: median 51,428.6.
        assertThat(r.perCore()).isCloseTo(90_000 / 1.75, within(1e-6));
        assertThat(r.loadMin()).isEqualTo(5);
        assertThat(r.loadMax()).isEqualTo(21);
        assertThat(r.windows()).isEqualTo(3);
    }

    @Test
    void ingestHasNoRefitsAndAMissingProcessHasNoFigure() {
        Repeats.Window w = new Repeats.Window(1_000, 1_000_000_000L);
        ClusterTable.Row r = ClusterTable.Row.of(1, 2, "ingest", 2, List.of(new ClusterTable.Measured(w, -1,
                Map.of("tm-1", 0.5), 1, 2)));
        assertThat(r.refitsPerS()).isNaN();
        assertThat(r.chCores()).isNaN();
        String table = ClusterTable.format(List.of(r));
        assertThat(table).contains("| 1 × 2 | ingest | 2 | 1,000 (1,000–1,000) | – | 0.50 (0.50) | n/a | n/a | n/a"
                + " | 2,000 | 2,000 | 1.0–2.0 | 1 |");
        assertThatThrownBy(() -> ClusterTable.Row.of(1, 2, "ingest", 2, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theTableIsMarkdownWithOneRowPerArm() {
        ClusterTable.Row a = ClusterTable.Row.of(1, 2, "ingest", 2, List.of(window(300_000, 3, -1, 1.2, 0, 4.5)));
        ClusterTable.Row b = ClusterTable.Row.of(2, 1, "ingest", 2, List.of(window(240_000, 3, -1, 0.6, 0.6, 7)));
        String[] lines = ClusterTable.format(List.of(a, b)).split("\n");
        assertThat(lines).hasSize(4);
        assertThat(lines[0]).startsWith("| TaskManagers × slots | job | parallelism |");
        assertThat(lines[1]).startsWith("|---|");
        assertThat(lines[2]).startsWith("| 1 × 2 | ingest | 2 | 100,000 (100,000–100,000) | – | 1.20 (1.20 + 0.00)");
        assertThat(lines[3]).startsWith("| 2 × 1 | ingest | 2 | 80,000 (80,000–80,000) | – | 1.20 (0.60 + 0.60)")
                .contains("| 7.0–8.0 |");
        for (String line : lines) {
            assertThat(line.chars().filter(c -> c == '|').count()).isEqualTo(lines[0].chars().filter(c -> c == '|')
                    .count());
        }
    }
}
