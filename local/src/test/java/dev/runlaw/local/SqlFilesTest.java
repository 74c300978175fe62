package dev.runlaw.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqlFilesTest {

    @TempDir
    Path dir;

    @Test
    void readsFilesInNumberOrderAndIgnoresOtherFiles() throws IOException {
        Files.writeString(dir.resolve("010_late.sql"), "CREATE TABLE IF NOT EXISTS late (a Int8) ENGINE = Log;\n");
        Files.writeString(dir.resolve("002_middle.sql"), "CREATE TABLE middle (a Int8) ENGINE = Log;\n");
        Files.writeString(dir.resolve("001_first.sql"), "CREATE VIEW IF NOT EXISTS `first` AS SELECT 1;\n");
        Files.writeString(dir.resolve("README.md"), "not sql; at all;\n");

        SqlFiles files = SqlFiles.fromDirectory(dir);

        assertThat(files.files()).extracting(SqlFiles.SqlFile::number).containsExactly(1, 2, 10);
        assertThat(files.files()).extracting(SqlFiles.SqlFile::name).containsExactly("first", "middle", "late");
        assertThat(files.tableNames()).containsExactly("first", "middle", "late");
        assertThat(files.statements()).hasSize(3);
    }

    @Test
    void splitsOnSemicolonAtLineEndAndDropsCommentLines() {
        String text = """
                -- grain: run; ORDER BY run_id;
                CREATE TABLE a
                (
                    x String,   -- inline comment stays for the server
                    y Int64
                )
                ENGINE = MergeTree() ORDER BY x;  \t
                   -- indented comment;
                INSERT INTO a VALUES ('p;q', 1);
                SELECT 1; SELECT 2
                """;

        assertThat(SqlFiles.split(text)).containsExactly(
                "CREATE TABLE a\n(\n    x String,   -- inline comment stays for the server\n    y Int64\n)\n"
                        + "ENGINE = MergeTree() ORDER BY x",
                "INSERT INTO a VALUES ('p;q', 1)",
                "SELECT 1; SELECT 2");
    }

    @Test
    void handlesWindowsLineEndsAndBlankInput() {
        assertThat(SqlFiles.split("SELECT 1;\r\n\r\nSELECT 2;\r\n")).containsExactly("SELECT 1", "SELECT 2");
        assertThat(SqlFiles.split("-- only a comment\n\n   \n")).isEmpty();
        assertThat(SqlFiles.split("")).isEmpty();
    }

    @Test
    void refusesSqlFileWithoutNumberPrefix() throws IOException {
        Files.writeString(dir.resolve("runs.sql"), "SELECT 1;\n");

        assertThatThrownBy(() -> SqlFiles.fromDirectory(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NNN_name.sql");
    }

    @Test
    void findsTheProjectSqlDirectoryFromTheWorkingDirectory() {
        String saved = System.getProperty(SqlFiles.ROOT_PROPERTY);
        System.clearProperty(SqlFiles.ROOT_PROPERTY);
        try {
            SqlFiles project = SqlFiles.fromProject();
            assertThat(project.directory().getParent().resolve("pom.xml")).isRegularFile();
            assertThat(project.files()).isNotEmpty();
            assertThat(project.tableNames()).contains("step_metrics");
        } finally {
            if (saved != null) {
                System.setProperty(SqlFiles.ROOT_PROPERTY, saved);
            }
        }
    }

    @Test
    void quotesIdentifiers() {
        assertThat(SqlFiles.quoteIdentifier("runlaw")).isEqualTo("`runlaw`");
        assertThat(SqlFiles.quoteIdentifier("a`b\\c")).isEqualTo("`a\\`b\\\\c`");
    }
}
