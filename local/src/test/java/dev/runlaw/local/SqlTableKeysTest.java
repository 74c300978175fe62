package dev.runlaw.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The deduplication contract of every {@code sql/} table, read from the files themselves.
 *
 * <p>{@code FINAL} (and background merges) collapse rows with the same ORDER BY key only within one partition, so a
 * table whose partition key uses any column outside its identity key can keep two "latest" copies of one row for
 * ever (e.g. a step re-logged in the next month). And a {@code ReplacingMergeTree} versioned by processing time
 * lets a late replay of an old record overwrite newer data; the version must be the record's own time.
 */
class SqlTableKeysTest {
    private static final Pattern ENGINE = Pattern.compile("ENGINE\\s*=\\s*(\\w+)\\s*\\(([^)]*)\\)");
    private static final Pattern PARTITION = Pattern.compile("PARTITION BY\\s+(.+?)\\s*(?=ORDER BY|$)", Pattern.DOTALL);
    private static final Pattern ORDER = Pattern.compile("ORDER BY\\s+(\\(.*?\\)|\\w+)", Pattern.DOTALL);
    /** An identifier not followed by "(": a column, not a function. */
    private static final Pattern COLUMN = Pattern.compile("\\b([A-Za-z_]\\w*)\\b(?!\\s*\\()");

    private record Table(String name, String engine, String version, String partition, List<String> key,
                         String comment) {
    }

    private static List<Table> tables() throws IOException {
        SqlFiles sql = SqlFiles.fromProject();
        List<Table> out = new ArrayList<>();
        for (SqlFiles.SqlFile f : sql.files()) {
            String statement = f.statements().get(0);
            if (statement.matches("(?is)^CREATE\\s+VIEW\\b.*")) {
                continue; // a plain view stores nothing: no engine, key or version to check
            }
            Matcher e = ENGINE.matcher(statement);
            assertThat(e.find()).as(f.path() + ": ENGINE").isTrue();
            Matcher o = ORDER.matcher(statement);
            assertThat(o.find()).as(f.path() + ": ORDER BY").isTrue();
            List<String> key = new ArrayList<>();
            for (String k : o.group(1).replaceAll("^\\(|\\)$", "").split(",")) {
                key.add(k.trim());
            }
            Matcher p = PARTITION.matcher(statement);
            String comment = Files.readAllLines(f.path()).stream().filter(l -> l.startsWith("--"))
                    .reduce("", (a, b) -> a + "\n" + b);
            out.add(new Table(f.name(), e.group(1), e.group(2).trim(), p.find() ? p.group(1).trim() : null, key,
                    comment));
        }
        assertThat(out).extracting(Table::name).contains("step_metrics", "runs", "forecasts", "dead_letters");
        return out;
    }

    @Test
    void everyPartitionKeyIsAFunctionOfIdentityKeyColumnsOnly() throws IOException {
        for (Table t : tables()) {
            if (t.partition() == null) {
                continue;
            }
            Set<String> used = new LinkedHashSet<>();
            Matcher m = COLUMN.matcher(t.partition());
            while (m.find()) {
                if (!m.group(1).matches("\\d+")) {
                    used.add(m.group(1));
                }
            }
            assertThat(used).as(t.name() + ": PARTITION BY " + t.partition() + " uses columns outside ORDER BY "
                    + t.key()).isNotEmpty().isSubsetOf(t.key());
        }
    }

    @Test
    void everyReplacingTableIsVersionedByDataTimeAndSaysSoInItsComment() throws IOException {
        for (Table t : tables()) {
            assertThat(t.engine()).as(t.name()).isEqualTo("ReplacingMergeTree");
            assertThat(t.version()).as(t.name() + ": version from processing time")
                    .isNotIn("ingested_at_ms", "emitted_at_ms", "failed_at", "failed_at_ms");
            String lower = t.comment().toLowerCase(Locale.ROOT);
            assertThat(lower).as(t.name() + " comment").doesNotContain("first copy");
            if (t.version().isEmpty()) {
                assertThat(lower).as(t.name() + " comment").contains("no version column");
            } else {
                assertThat(t.comment()).as(t.name() + " comment").contains("Version " + t.version() + ":")
                        .contains("replay").contains("FINAL");
            }
        }
    }

    @Test
    void theParserSeesColumnsInsideFunctions() {
        Matcher m = COLUMN.matcher("toYYYYMM(toDateTime(intDiv(wall_time_ms, 1000)))");
        List<String> found = new ArrayList<>();
        while (m.find()) {
            found.add(m.group(1));
        }
        assertThat(found).containsExactly("wall_time_ms");
    }
}
